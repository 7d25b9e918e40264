// Shared pieces of the libFuzzer targets (fuzz_file.cc, fuzz_ops.cc) and the
// seed generator (make_seeds.cc): a per-process scratch directory, the
// finding reporter, a FaultHook the fuzzers arm from their input, and the
// byte format of fuzz_ops' operation streams (so make_seeds can write
// readable seeds).
#pragma once

#include <signal.h>
#include <unistd.h>

#include <alder/alder.hpp>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "io/fault.h"

namespace alder_fuzz {

/// Reports a finding and aborts, so libFuzzer saves the input as a crash.
[[noreturn]] inline void finding(const char* fmt, ...) {
  std::fprintf(stderr, "\n*** alder fuzz finding: ");
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "\n");
  std::fflush(stderr);
  std::abort();
}

/// A scratch directory private to this process, on tmpfs when there is one
/// (/dev/shm: no disk I/O, cheap fdatasync), removed at exit. libFuzzer
/// does not always leave through exit() (crashes never do), so the
/// directories of processes that no longer exist are swept on the way in.
inline const std::string& scratch_dir() {
  // Leaked on purpose: the atexit handler runs after static destructors.
  static const std::string* dir = [] {
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(base, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("alder-fuzz-", 0) != 0) continue;
      char* end = nullptr;
      long pid = std::strtol(name.c_str() + 11, &end, 10);
      if (pid > 0 && *end == '\0' && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH)
        std::filesystem::remove_all(e.path(), ec);
    }
    auto* d = new std::string(base + "/alder-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return *dir;
}

/// Removes every file in the scratch directory (the data file and any
/// leftover temporary of an interrupted create).
inline void clean_scratch() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(scratch_dir(), ec))
    std::filesystem::remove(e.path(), ec);
}

/// A hook armed by the input: fail the next matching I/O call after
/// `countdown` matching calls have passed, with errno `err`, once or (if
/// persistent) on every matching call from then on. `fired` counts the
/// failures injected, so a caller can tell an injected error from a real one.
class FuzzHook final : public alder::io::FaultHook {
 public:
  /// Which calls an armed fault matches: one IoOp, or all of them.
  static constexpr int kAnyOp = -1;

  void arm(int op, unsigned countdown, int err, bool persistent) {
    armed_ = true;
    op_ = op;
    countdown_ = countdown;
    err_ = err;
    persistent_ = persistent;
  }
  void disarm() { armed_ = false; }
  bool armed() const { return armed_; }
  uint64_t fired() const { return fired_; }

  alder::io::IoVerdict before(alder::io::IoOp op, int, uint64_t) override {
    if (!armed_ || (op_ != kAnyOp && op_ != static_cast<int>(op)))
      return alder::io::IoVerdict::perform();
    if (countdown_ > 0) {
      countdown_--;
      return alder::io::IoVerdict::perform();
    }
    if (!persistent_) armed_ = false;
    fired_++;
    return alder::io::IoVerdict::fail(err_);
  }

 private:
  bool armed_ = false;
  int op_ = kAnyOp;
  unsigned countdown_ = 0;
  int err_ = EIO;
  bool persistent_ = false;
  uint64_t fired_ = 0;
};

// ---- fuzz_ops stream format ------------------------------------------------
//
// Byte 0 configures the env (ConfigBits); then operations follow, each an
// opcode byte (taken modulo kNumOps) and the argument bytes listed at its
// name. A missing byte reads as 0; the stream ends when the bytes do.
// Arguments: db = byte % 4 (main, "alpha", "beta", "gamma"); key = a byte
// naming one of 64 keys (ops_key()), 255 = the empty key, 254 = a key one
// byte over the maximum; vlen = a byte choosing a value length class.
namespace ops {

enum ConfigBits : uint8_t {
  kPage1024 = 1,      // page size 1024 (else 512)
  kDurShift = 1,      // 2 bits: 0 sync, 1 no_meta_sync, 2 no_sync, 3 no_sync + tiny autosync
  kSpill = 8,         // spill_bytes of two pages: write txns spill their dirty pages
  kMapAsync = 16,     // write_map + map_async (LMDB's names; the same as no_sync)
  kSmallMap = 32,     // max_size 48 pages: map_full is reachable
  kFewDbs = 64,       // max_dbs 2: dbs_full is reachable
};

enum Op : uint8_t {
  kPut = 0,        // db key vlen
  kDel = 1,        // db key
  kGet = 2,        // db key flags(bit0: in a fresh read txn, bit1: by Cursor::find)
  kScan = 3,       // db lo hi flags(bit0 reverse, bit1 fresh read txn, bit2 lo="", bit3 no hi,
                   //   bit4 prefix scan of lo's first 2 bytes); checks db_stat().entries too
  kCommit = 4,     //
  kAbort = 5,      //
  kReopen = 6,     // close + open, then the whole state is checked
  kOpenDb = 7,     // db (create)
  kDropDb = 8,     // db flags(bit0: clear_db instead of drop_db)
  kSync = 9,       // Env::sync() (with a write txn live: try_begin_write must say busy)
  kFault = 10,     // which(0 any, 1 sync, 2 grow, 3 truncate, 4 map, 5 open, 6 read, 7 create)
                   // countdown(%8) flags(bit0 ENOSPC else EIO, bit1 persistent)
  kSnapBegin = 11, // slot(%2): hold a read txn on the latest commit
  kSnapCheck = 12, // slot db flags(bit0: release it afterwards)
  kCursor = 13,    // db key action(%4: 0 cursor del, 1 put+next, 2 del+prev, 3 cursor put) vlen
  kPutFlags = 14,  // db key vlen flags(bit0 no_overwrite, bit1 append)
  kVerify = 15,    //
  kPutMany = 16,   // db key count(%16) vlen: puts of consecutive keys
  kDelMany = 17,   // db key count(%16): dels of consecutive keys
  kNumOps = 18,
};

}  // namespace ops

}  // namespace alder_fuzz
