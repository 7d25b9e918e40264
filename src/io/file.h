// File and memory-map primitives: the only place the engine makes I/O system
// calls. Each of them first consults the file's FaultHook, if a test
// attached one (io/fault.h). Pages are read from a read-only mapping (no
// system call per page) and written with pwritev at commit, in runs of
// adjacent pages (src/txn/page_writer.cc).
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/fault.h"

namespace alder::io {

/// Throws alder::Error with io_error / no_space built from errno.
[[noreturn]] void throw_errno(const std::string& what, int err);

/// An open data file. Not thread-safe for writes (the single writer owns
/// them); pread may be called concurrently.
class File {
 public:
  File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  File(File&& o) noexcept : fd_(o.fd_), hook_(o.hook_), posix_locks_(o.posix_locks_) {
    o.fd_ = -1;
  }
  File& operator=(File&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = o.fd_;
      hook_ = o.hook_;
      posix_locks_ = o.posix_locks_;
      o.fd_ = -1;
    }
    return *this;
  }
  ~File();

  /// Opens path; read_only opens O_RDONLY. Every later system call on the
  /// file consults `hook` first (nullptr: none; it must outlive the File).
  /// Throws io_error (ENOENT too).
  void open(const std::string& path, bool read_only, FaultHook* hook = nullptr);
  /// Creates and opens for writing a new file next to `path` (named
  /// path + ".tmp-" + a random number, O_EXCL); returns its name. For
  /// building a file that appears whole (link_into_place). Throws io_error.
  std::string create_temp_next_to(const std::string& path, unsigned mode);
  /// Writes exactly n bytes at off. Throws io_error / no_space.
  void pwrite(const void* buf, size_t n, uint64_t off);
  /// Writes the `count` buffers of iov back to back starting at off (one
  /// pwritev(2) per IOV_MAX buffers, resumed after short writes), as one
  /// IoOp::write of their total length. Throws io_error / no_space.
  void pwritev(const struct iovec* iov, int count, uint64_t off);
  void fsync();  ///< fsync: data and metadata. Throws io_error / no_space.
  /// Gives the finished file `tmp` the name `path` (link, fails if path
  /// exists), drops the name `tmp` and fsyncs the directory. Returns false
  /// when path already existed (tmp is removed either way). Throws io_error.
  static bool link_into_place(const std::string& tmp, const std::string& path);
  /// Opens path read-write, creating it (permission bits `mode`) if absent.
  /// For small side files (the lock file). Throws io_error.
  void open_or_create(const std::string& path, unsigned mode);
  /// Creates path atomically with `contents` as its first bytes: writes a
  /// temporary file, fsyncs it, links it into place (fails if path exists)
  /// and fsyncs the directory. Returns false if path already existed.
  static bool create_atomically(const std::string& path, unsigned mode,
                                const void* contents, size_t size,
                                FaultHook* hook = nullptr);
  void close();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  FaultHook* hook() const { return hook_; }

  /// Takes an advisory lock (flock): exclusive for a writer, shared for a
  /// read-only opener. Throws locked when another process conflicts.
  void lock(bool exclusive);
  /// Whether another open of the file holds an exclusive lock (a writer):
  /// tries a shared lock without waiting and drops it at once.
  bool locked_by_writer() const;
  /// An fcntl record lock on byte 0 of the file, shared or exclusive; the
  /// lock file's claim against other programs that use its name (real
  /// LMDB's lock file, src/txn/shared_readers.h). Where the system has
  /// them (Linux), open-file-description locks: held until this File's
  /// descriptor closes, whatever other descriptors of the file the process
  /// closes, shared by nothing else, and in conflict with POSIX record
  /// locks of every process, this one included. Elsewhere (or on a kernel
  /// without them) POSIX record locks, which a process holds once per file
  /// and loses when it closes any descriptor of it. Taking the other kind
  /// converts the lock in place. Never waits: `busy` when another holder
  /// conflicts, `unsupported` when the filesystem has no record locks
  /// (then nobody holds one). Throws io_error on other failures.
  enum class RecordLock { held, busy, unsupported };
  RecordLock try_lock_byte0(bool exclusive);
  /// Drops the lock of try_lock_byte0.
  void unlock_byte0();

  uint64_t size() const;  ///< bytes
  /// Reads exactly n bytes at off; returns bytes read (< n only at EOF).
  size_t pread(void* buf, size_t n, uint64_t off) const;
  void datasync();  ///< fdatasync. Throws io_error / no_space.
  void truncate(uint64_t size);  ///< ftruncate to `size` bytes. Throws io_error.
  /// Grows the file to `size` bytes with blocks reserved (posix_fallocate),
  /// so later writes through a mapping cannot fail for lack of space (which
  /// would be SIGBUS, not an error). Falls back to ftruncate where the
  /// filesystem cannot reserve. Throws no_space / io_error.
  void grow(uint64_t size);

 private:
  void pwrite_raw(const void* buf, size_t n, uint64_t off);  // no hook

  int fd_ = -1;
  FaultHook* hook_ = nullptr;
  bool posix_locks_ = false;  // the kernel refused open-file-description locks
};

/// A fixed virtual reservation mapping the file: readers never remap, the
/// file grows underneath it. Pages beyond the current end of file must not
/// be touched (SIGBUS); the engine bounds-checks page numbers first.
class Mapping {
 public:
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();

  /// Maps up to `reserve` bytes of fd, PROT_READ (plus PROT_WRITE if
  /// writable). Where the address space is short (ENOMEM: ulimit -v, or a
  /// sanitizer's shadow layout), halves the size until it fits, down to
  /// `minimum`; reserved() tells what was mapped. The mmap consults
  /// `hook` first (nullptr: none). Throws io_error.
  void map(int fd, uint64_t reserve, uint64_t minimum, bool writable, bool random_access,
           FaultHook* hook = nullptr);
  void unmap();
  const uint8_t* data() const { return base_; }
  uint8_t* writable_data() const { return writable_ ? base_ : nullptr; }
  uint64_t reserved() const { return size_; }

 private:
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  bool writable_ = false;
};

}  // namespace alder::io
