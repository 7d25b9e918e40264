# Installation: both engine libraries, the path store library, the public
# headers, an exported CMake package `alder` (find_package(alder) ->
# alder::alder, alder::alder_shared, alder::store) and a pkg-config file
# alder.pc (the engine only). Included from the root CMakeLists.txt.
#
#   cmake --install build --prefix /usr/local
include(CMakePackageConfigHelpers)

set(ALDER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/alder)

# Consumers see alder::alder (static) and alder::alder_shared.
set_target_properties(alder_static PROPERTIES EXPORT_NAME alder)
set_target_properties(alder_shared PROPERTIES EXPORT_NAME alder_shared)

# The path store (src/store) is a static library on top of the static engine:
# exported as alder::store, it carries its link to alder::alder, so a
# consumer names alder::store alone (tests/consumer/ is the check).
set(_alder_install_targets alder_static alder_shared)
if(TARGET alder_store)
  set_target_properties(alder_store PROPERTIES EXPORT_NAME store OUTPUT_NAME alder_store)
  list(APPEND _alder_install_targets alder_store)
endif()

install(TARGETS ${_alder_install_targets}
  EXPORT alder-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/alder/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/alder
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

install(EXPORT alder-targets
  NAMESPACE alder::
  FILE alder-targets.cmake
  DESTINATION ${ALDER_CMAKE_DIR})

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/alder-config.cmake.in
  ${PROJECT_BINARY_DIR}/alder-config.cmake
  INSTALL_DESTINATION ${ALDER_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/alder-config-version.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)  # 0.x: a minor release may break the API
install(FILES
  ${PROJECT_BINARY_DIR}/alder-config.cmake
  ${PROJECT_BINARY_DIR}/alder-config-version.cmake
  DESTINATION ${ALDER_CMAKE_DIR})

# alder.pc finds its prefix relative to its own location (${pcfiledir}), so
# `cmake --install --prefix DIR` needs no reconfigure.
set(_alder_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  # An absolute libdir cannot be made relative: use it as it is.
  set(ALDER_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(ALDER_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _alder_pc_up "/prefix/${_alder_pc_dir}" "/prefix")
  string(REGEX REPLACE "/$" "" _alder_pc_up "${_alder_pc_up}")
  set(ALDER_PC_PREFIX "\${pcfiledir}/${_alder_pc_up}")
  set(ALDER_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(ALDER_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(ALDER_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/alder.pc.in ${PROJECT_BINARY_DIR}/alder.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/alder.pc DESTINATION ${_alder_pc_dir})
