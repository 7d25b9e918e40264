# ctest script (cmake -P) for the test InstallConsumer: installs the build
# tree into a temporary prefix, then configures, builds and runs the
# out-of-tree consumer (tests/consumer/) against it with find_package(alder).
# Variables: BUILD_DIR (the alder build tree), SOURCE_DIR (tests/consumer),
# WORK_DIR (scratch; emptied first), GENERATOR, CXX_COMPILER, SANITIZE (the
# build's ALDER_SANITIZE: an instrumented library needs an instrumented link).
foreach(v BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "consumer_test.cmake: ${v} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
endfunction()

run("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
if(NOT EXISTS "${prefix}/include/alder/path_store.hpp")
  message(FATAL_ERROR "the install has no alder/path_store.hpp")
endif()
set(san_flags "")
if(SANITIZE)
  set(san_flags "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE}"
                "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
endif()
run("configure consumer" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/build"
    -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_BUILD_TYPE=Release ${san_flags})
run("build consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
execute_process(COMMAND "${WORK_DIR}/build/consumer" "${WORK_DIR}/consumer.alder"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "ok\n")
  message(FATAL_ERROR "consumer run failed (${rc}): ${out} ${err}")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "consumer: ok")
