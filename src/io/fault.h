// The fault-injection seam (issue #3). Every system call the engine makes on
// a data file — open, the meta read at open, page and meta writes,
// fdatasync, growth, truncation, mapping, atomic creation —
// first asks the file's FaultHook, if one is attached, what to do. Without
// a hook (every normal open) the cost is one null test per system call;
// page reads go through the read-only mapping and never reach this seam, so
// the read path is untouched.
//
// Not through the seam: the no-sync mode's background writeback
// (src/txn/flusher.h), which runs on its own thread and promises nothing.
//
// A hook that simulates a disk (SimDisk in tests/fault_util.h) learns what
// was written by comparing the file with its own copy at each sync.
#pragma once

#include <cstdint>

namespace alder::io {

/// The I/O operations that pass through the seam.
enum class IoOp : uint8_t {
  open,      ///< open(2) of the data file
  read,      ///< pread of the meta pages at open, or of pages by Env::copy; arg = bytes
  write,     ///< pwrite/pwritev of dirty pages or a meta page; arg = bytes
  sync,      ///< fdatasync; arg = 0
  grow,      ///< posix_fallocate to a new size; arg = new size in bytes
  truncate,  ///< ftruncate; arg = new size in bytes
  map,       ///< mmap of the file; arg = bytes reserved
  create,    ///< create_atomically of a new file (write, fsync, link); arg = bytes
};

/// Name of an IoOp ("sync", "grow", ...), for messages.
const char* to_string(IoOp op);

/// What a hook decides for one operation.
struct IoVerdict {
  enum class Kind : uint8_t {
    perform,  ///< make the system call as usual
    skip,     ///< sync, truncate: pretend success without the call
              ///< (a simulated disk); elsewhere the same as perform
    fail,     ///< fail it with errno `err`, without making it
  };
  Kind kind = Kind::perform;
  int err = 0;

  static IoVerdict perform() { return {}; }
  static IoVerdict skip() { return {Kind::skip, 0}; }
  static IoVerdict fail(int e) { return {Kind::fail, e}; }
};

/// Decides the fate of each I/O operation of the env it is attached to.
/// Tests attach one with detail::open_env_with_hook (env/testing.h); the
/// hook must outlive the env. Called by the thread making the call: the
/// writer for write/grow/truncate, the opener for open/read/map/create;
/// a sync by whichever thread runs it. With Durability::sync the group
/// commit's fdatasync runs outside the writer lock (src/txn/group_commit.h),
/// so a sync may be called while the next writer writes: a hook used with
/// several committing threads must be thread-safe.
class FaultHook {
 public:
  virtual ~FaultHook() = default;
  /// Called before `op` on the file whose descriptor is `fd` (-1 for
  /// create, before the file exists). `arg` as documented on IoOp.
  virtual IoVerdict before(IoOp op, int fd, uint64_t arg) = 0;
};

}  // namespace alder::io
