// Test-only entry points into the env layer: open an env whose every I/O
// call passes through a FaultHook (io/fault.h). Used by the fault-injection,
// power-loss and fuzzing suites; not part of the installed API.
#pragma once

#include <string>

#include "alder/alder.hpp"
#include "env/env.h"
#include "io/fault.h"

namespace alder::detail {

struct EnvAccess {
  /// Env::open, with `hook` consulted before each open, read, sync, grow,
  /// truncate, map and create of the data file. The hook must outlive the
  /// env and every txn of it. Throws what Env::open throws, plus whatever
  /// errors the hook injects (io_error / no_space from its errno).
  static Env open_with_hook(const std::string& path, const EnvOptions& o, io::FaultHook* hook) {
    return Env(EnvImpl::open(path, o, hook));
  }
};

}  // namespace alder::detail
