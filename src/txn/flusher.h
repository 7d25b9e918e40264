// Background writeback for the no-sync mode.
//
// A no-sync commit leaves its pages dirty in the page cache. The autosync
// that keeps such an env bounded (EnvOptions::autosync_bytes) then pays for
// all of them at once: one fdatasync that writes every page dirtied since
// the last sync, on the writer's thread. Measured with 300,000 keys and
// single-put commits: 17 us per commit without autosync, 38 us with it.
// Starting writeback of each commit's pages at commit
// (sync_file_range(SYNC_FILE_RANGE_WRITE) on the writer's thread) made it
// worse, 80 us: every commit became a small device request.
//
// The Flusher moves that work off the writer: after every `step` bytes of
// no-sync writes it wakes its own thread, which asks the kernel to start
// writeback of the whole file (sync_file_range(WRITE) over the file, which
// does not wait for the I/O), so the autosync's fdatasync finds little left
// to write. It only starts writeback: it changes nothing that is promised
// (what is durable is decided by fdatasync alone), so it runs outside the
// writer lock and outside the fault seam (src/io/fault.h), and its errors
// are ignored. libmdbx's sync period and RocksDB's bytes_per_sync are the
// same idea.
//
// Thread-safety: wrote() is called by the writer (one thread at a time);
// the destructor stops and joins the thread and must run before the file
// descriptor is closed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace alder::txn {

class Flusher {
 public:
  /// Writeback starts after every 1 MiB written: measured with single-put
  /// commits, 1 MiB and 4 MiB both took 15% off the autosync's cost (about
  /// 29 -> 25 us per commit); 256 KiB took less off.
  static constexpr uint64_t kDefaultStep = uint64_t{1} << 20;
  /// Starts the thread for the open file `fd`; step in bytes (> 0).
  Flusher(int fd, uint64_t step);
  ~Flusher();
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  /// The writer wrote `bytes` without syncing them; every `step` bytes this
  /// wakes the thread (a wake-up pending already is not repeated).
  void wrote(uint64_t bytes);
  /// Writebacks started so far (for tests and stats).
  uint64_t started() const;

 private:
  void run();

  const int fd_;
  const uint64_t step_;
  uint64_t pending_ = 0;  // writer only: bytes since the last wake-up
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool kick_ = false;      // guarded by mu_
  bool stop_ = false;      // guarded by mu_
  uint64_t started_ = 0;   // guarded by mu_
  std::thread thread_;     // last: starts after the fields it reads
};

}  // namespace alder::txn
