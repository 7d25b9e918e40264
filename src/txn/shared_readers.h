// The lock file: a reader table in shared memory, so read-only envs in other
// processes can read while one process writes (LMDB's lock.mdb; its
// MDB_NOSUBDIR name, "<data file>-lock", is ours too).
//
// Layout (64 KiB, little-endian): a 64-byte header (magic "alderlk1",
// version, slot count, the writer's newest committed txn id, slots ever
// used), then 4092 slots of 16 bytes: snapshot txnid + 1 (0: no snapshot)
// and the owning pid (0: free). A process claims a slot by CAS
// of its pid into a free one, stores its snapshot, and clears both when the
// read txn ends. A slot whose pid no longer exists (kill(pid, 0) fails with
// ESRCH: the reader crashed) is cleared by the next writer that scans, as
// LMDB's mdb_reader_check does.
//
// Who uses it: a read-only env registers each read txn here; the writing
// env (in whatever process) adds these snapshots to its own in-process
// ReaderTable's when it decides which freed pages may be reused.
//
// Registration protocol, across processes (ReaderTable's, with the
// header's current txn id in the role of the env's): the writer writes a
// meta page, then stores its txn id in the header; before it next scans
// this table it issues a full fence. A reader takes the current id, finds
// the meta page holding it (checksum valid), stores the id in its slot,
// issues a full fence and reads the current id again; if it changed, it
// retries with the newer one. Either the writer's scan sees the reader's
// slot, or the reader's second look sees the newer id and moves on; a page
// a registered snapshot can reach is never reused. Atomics of 64 and 32
// bits are lock-free and address-free on every platform alder builds for,
// so they work in shared memory.
//
// The claim on the name. With MDB_NOSUBDIR real LMDB names its lock file
// "<data file>-lock" too, and sets up as its own any lock file whose byte 0
// it can lock exclusively with fcntl (it then rewrites the header); when
// another process holds a shared lock there it only reads the header and
// refuses ours (MDB_INVALID). So every env holds a shared fcntl lock on
// byte 0 for as long as its lock file is open (io::File::try_lock_byte0:
// open-file-description locks, which survive the process closing other
// descriptors of the file and conflict with LMDB's POSIX locks even inside
// one process). A lock file real LMDB rewrote while nobody held it starts
// with LMDB's magic: the next env to open it, once it can lock byte 0
// exclusively (no alder env and no LMDB env has it open), truncates it and
// starts it afresh. Any other foreign header is refused.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/file.h"

namespace alder::txn {

class SharedReaders {
 public:
  /// Opens (creating if needed, with `mode` permission bits) the lock file
  /// at `path`, takes the shared lock on byte 0 it holds until destroyed
  /// (see "The claim on the name" above) and maps it. Throws io_error;
  /// not_alder_file when the file exists but is not an alder lock file;
  /// locked when for 2 s another program held byte 0 exclusively or held
  /// a lock file real LMDB rewrote.
  static std::unique_ptr<SharedReaders> open(const std::string& path, unsigned mode);
  ~SharedReaders();
  SharedReaders(const SharedReaders&) = delete;
  SharedReaders& operator=(const SharedReaders&) = delete;

  /// Claims a slot for this process and stores snapshot txnid; returns its
  /// index. Throws busy when every slot is taken. Thread-safe.
  uint32_t acquire(uint64_t txnid);
  /// Stores a new snapshot id in a slot this process holds.
  void update(uint32_t slot, uint64_t txnid);
  /// Keeps a slot this process holds but with no snapshot (a reset read
  /// txn); update() gives it one again.
  void park(uint32_t slot);
  /// Frees a slot this process holds.
  void release(uint32_t slot);
  /// (pid, snapshot id) of every live reader holding a snapshot, this
  /// process included. Thread-safe, racy.
  std::vector<std::pair<uint32_t, uint64_t>> readers();
  /// Snapshot ids held by live readers (any process, this one included),
  /// sorted; clears the slots of processes that no longer exist.
  /// Thread-safe.
  std::vector<uint64_t> snapshots();
  /// Frees the slots of processes that no longer exist (readers that
  /// crashed or exited inside a read txn); returns how many it freed.
  /// snapshots() does the same on the writer's every scan. Thread-safe.
  uint32_t clear_dead();
  /// Slots held (a racy count, for stats and for close's truncation).
  uint32_t count();

  /// The writer's newest committed txn id (0: none published yet).
  uint64_t current_txnid() const;
  /// Called by the writer after writing each meta page, and at open.
  void publish_txnid(uint64_t txnid);

  static constexpr uint32_t kSlots = 4092;

 private:
  struct Slot {
    std::atomic<uint64_t> txnid1;  // snapshot txnid + 1; 0: none yet
    std::atomic<uint32_t> pid;     // owner; 0: free
    uint32_t pad;
  };
  static_assert(sizeof(Slot) == 16);
  static_assert(std::atomic<uint64_t>::is_always_lock_free);
  struct Header {
    std::atomic<uint64_t> magic;
    std::atomic<uint64_t> version;
    std::atomic<uint64_t> slots;
    std::atomic<uint64_t> current;  // writer's newest committed txn id
    std::atomic<uint64_t> used;     // slots [0, used) have ever been claimed
    uint64_t reserved[3];
  };
  static_assert(sizeof(Header) == 64);
  SharedReaders() = default;
  // Takes the shared lock on byte 0; starts afresh a file real LMDB
  // rewrote when nobody holds it (see the file comment).
  void claim(const std::string& path);
  static bool alive(uint32_t pid);
  // Frees slot s, owned by the dead process pid with snapshot word t, unless
  // another caller did; true when this call freed it.
  static bool free_dead(Slot& s, uint32_t pid, uint64_t t);
  io::File file_;
  io::Mapping map_;
  Header* header_ = nullptr;
  Slot* slots_ = nullptr;
};

}  // namespace alder::txn
