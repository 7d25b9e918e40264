// A table of LMDB's functions loaded with dlopen from one library file, so
// a test can drive the real liblmdb and alder's liblmdb.so.0 side by side in
// one process (both export the same mdb_* names; each handle is RTLD_LOCAL).
#pragma once

#include <alder/lmdb.h>
#include <dlfcn.h>

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace lmdb_test {

struct Api {
  std::string name;
  void* handle = nullptr;
#define ALDER_LMDB_FN(f) decltype(&::f) f = nullptr;
#include "lmdb_functions.inc"
#undef ALDER_LMDB_FN

  Api(std::string label, const std::string& path) : name(std::move(label)) {
    handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw std::runtime_error("dlopen " + path + ": " + ::dlerror());
#define ALDER_LMDB_FN(f)                                                     \
  f = reinterpret_cast<decltype(&::f)>(::dlsym(handle, #f));                 \
  if (!f) throw std::runtime_error(path + " does not export " #f);
#include "lmdb_functions.inc"
#undef ALDER_LMDB_FN
  }
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;
  ~Api() = default;  // never dlclose: static destructors of a loaded C++ library
};

#ifdef ALDER_REAL_LMDB_PATH
/// The real liblmdb and alder's liblmdb.so.0, each loaded once per process
/// (paths from the test's CMake definitions).
inline Api& real() {
  static Api api("liblmdb", ALDER_REAL_LMDB_PATH);
  return api;
}
inline Api& shim() {
  static Api api("alder", ALDER_LMDB_SHIM_PATH);
  return api;
}
#endif

/// A fresh directory under /tmp, removed with its contents at the end.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/alder_lmdb_test_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace lmdb_test
