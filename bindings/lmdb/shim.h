// The LMDB shim's handles (MDB_env, MDB_txn, MDB_cursor) and the helpers
// every file of it shares. The shim is a binding on alder's public C++ API
// (include/alder/alder.hpp), as src/env/c_api.cc is: it never reaches the
// engine's internals. What it adds on top is LMDB's handle model: dbi
// numbers, per-db flags, reset/renew, txn ids counted as LMDB counts them,
// cursor positions that survive writes, and LMDB's error values.
#pragma once

#include <alder/alder.hpp>
#include <alder/lmdb.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alder_lmdb {

// LMDB's limits, which programs rely on (mdb_env_get_maxkeysize).
inline constexpr size_t kMaxKeySize = 511;
inline constexpr size_t kDefaultMapSize = size_t{10} << 20;  // LMDB's default
inline constexpr unsigned kDefaultMaxReaders = 126;
// LMDB numbers the free-page db 0 and the main db 1; named dbs follow.
inline constexpr MDB_dbi kMainDbi = 1;
inline constexpr MDB_dbi kFirstNamedDbi = 2;
// alder's first commit of a new file is txn 1; LMDB's is 0.
inline constexpr uint64_t kTxnIdOffset = 1;
// The named alder db that keeps each db's LMDB flags (REVERSEKEY,
// INTEGERKEY), keyed by db name ("" = main db). A NUL byte cannot occur in
// an LMDB db name (a C string), so no mdb_dbi_open can reach it.
inline const std::string kFlagsDbName{"\0lmdb-dbi-flags", 15};

// Persistent db flags the shim implements (by key conversion).
inline constexpr unsigned kSupportedDbFlags = MDB_REVERSEKEY | MDB_INTEGERKEY;
inline constexpr unsigned kDupFlags = MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP | MDB_REVERSEDUP;

// Carries an MDB_* code or errno value out of a helper to guard().
struct Fail {
  int rc;
};

// Maps an alder::ErrorCode to the LMDB return value a program expects.
int map_error(alder::ErrorCode code) noexcept;

// Runs f, turning alder::Error, Fail and bad_alloc into return codes.
// When ALDER_LMDB_DEBUG is set in the environment, the reason behind an
// error return is printed to stderr (mdb_strerror only knows the code).
void debug_note(const char* what, const std::string& why) noexcept;
template <class F>
int guard(const char* what, F&& f) noexcept {
  try {
    return f();
  } catch (const Fail& e) {
    return e.rc;
  } catch (const alder::Error& e) {
    debug_note(what, e.what());
    return map_error(e.code());
  } catch (const std::bad_alloc&) {
    return ENOMEM;
  } catch (const std::exception& e) {
    debug_note(what, e.what());
    return EIO;
  } catch (...) {
    return EIO;
  }
}
[[noreturn]] void fail(int rc, const std::string& why = {});

// One slot of the env's dbi table. The table is allocated at mdb_env_open
// (maxdbs + 2 slots) and never moves, so get/put read it without a lock:
// as in LMDB, mdb_dbi_open and mdb_dbi_close must not race with other use
// of the same handle (LMDB's documented rule).
struct DbiSlot {
  bool used = false;
  std::string name;           // "" for the main db
  alder::Dbi adbi = 0;        // alder's handle
  unsigned flags = 0;         // persistent LMDB flags of the db
  const MDB_txn* owner = nullptr;  // txn that opened it, until it commits
  uint64_t epoch = 0;              // MDB_env::dbi_epoch when it became the env's
};

// Chunked storage for converted keys handed back to the caller: their
// addresses must stay valid until the txn ends, like LMDB's; 8-byte aligned.
class Arena {
 public:
  char* alloc(size_t n);
  void clear() { blocks_.clear(); used_ = kBlock; }

 private:
  static constexpr size_t kBlock = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = kBlock;
};

}  // namespace alder_lmdb

struct MDB_env {
  std::mutex mu;                    // txn registry, dbi_open/close, reopen
  std::optional<alder::Env> env;    // set by mdb_env_open
  unsigned flags = 0;               // MDB_* env flags as LMDB reports them
  size_t mapsize = alder_lmdb::kDefaultMapSize;
  unsigned max_readers = alder_lmdb::kDefaultMaxReaders;
  MDB_dbi max_dbs = 0;
  std::string path;                 // as given to mdb_env_open
  std::string data_path;            // the alder file
  std::vector<alder_lmdb::DbiSlot> dbis;
  // Counts handles that became the env's (their txn committed). A txn
  // sees the handles the env had when it began or renewed (LMDB copies its
  // table of valid handles then): those with DbiSlot::epoch <= its own.
  uint64_t dbi_epoch = 0;
  std::vector<MDB_txn*> txns;       // live txns, read txns incl. reset ones
  int fd = -1;                      // mdb_env_get_fd
  void* userctx = nullptr;
  MDB_assert_func* assert_func = nullptr;
  // Durability asked through mdb_env_set_flags while txns were live, when
  // it is stronger than what the open alder env does: each commit syncs.
  bool sync_after_commit = false;
};

struct MDB_txn {
  MDB_env* env = nullptr;
  bool rdonly = false;
  uint64_t dbi_epoch = 0;           // env->dbi_epoch at begin/renew
  // The alder txn; a reset read txn keeps it (alder's Txn::reset keeps its
  // reader slot, renew reuses it) unless a reopen of the env dropped it.
  // Set, taken, reset and renewed under env->mu (other threads read the
  // handle there: mdb_reader_list, mdb_env_set_mapsize).
  std::optional<alder::Txn> t;
  bool reset = false;               // mdb_txn_reset'ed, not renewed yet
  uint64_t id = 0;                  // LMDB's id of the snapshot / of the commit to be
  bool dirty = false;               // wrote something: commit must commit
  pthread_t tid{};                  // for mdb_reader_list
  std::vector<MDB_dbi> opened;      // dbi slots opened in this txn
  std::vector<MDB_cursor*> cursors; // live cursors of this txn
  alder_lmdb::Arena arena;
};

struct MDB_cursor {
  MDB_txn* txn = nullptr;           // null once a read txn ended
  MDB_dbi dbi = 0;
  unsigned flags = 0;               // the db's LMDB flags, at open/renew
  std::optional<alder::Cursor> c;
  bool positioned = false;          // LMDB's C_INITIALIZED
  // LMDB's C_DEL: the entry under the cursor was deleted; c sits on the
  // entry that followed it (or is invalid at the end), which NEXT returns.
  bool after_del = false;
  std::string key;                  // write txns: stored form of the position
  bool past_end = false;            // positioned after the last entry
};

namespace alder_lmdb {

// The slot of dbi usable in txn, or throws Fail{EINVAL}.
DbiSlot& slot_of(MDB_txn* txn, MDB_dbi dbi);
// True while txn holds a snapshot (begun or renewed, not reset).
inline bool active(const MDB_txn* txn) { return txn->t && !txn->reset; }
// The live alder txn, or EINVAL for a reset/null txn.
alder::Txn& live_txn(MDB_txn* txn);
// Rejects writes in read txns with EACCES.
void require_write(MDB_txn* txn);

// The LMDB flags db `name` was created with (0 when none are recorded).
unsigned read_flags_record(alder::Txn& t, const std::string& name);

enum class KeyUse { write, lookup };

// Key conversion for REVERSEKEY / INTEGERKEY dbs. to_stored writes the
// stored form into buf (kMaxKeySize bytes) and returns a view of it, or of
// the caller's bytes when no conversion applies. Checks the key size
// (MDB_BAD_VALSIZE; a lookup of a key over 511 bytes: MDB_NOTFOUND).
std::string_view to_stored(unsigned flags, const MDB_val* key, char* buf, KeyUse use);
// The caller's form of a stored key; converted keys live in the txn arena.
void from_stored(MDB_txn* txn, unsigned flags, std::string_view stored, MDB_val* out);
inline bool converts(unsigned flags) { return flags & kSupportedDbFlags; }

inline std::string_view view(const MDB_val* v) {
  return {static_cast<const char*>(v->mv_data), v->mv_size};
}
inline void set_val(MDB_val* out, std::string_view s) {
  out->mv_size = s.size();
  out->mv_data = const_cast<char*>(s.data());
}

// After a write to dbi in txn: marks txn dirty and puts the txn's other
// cursors on dbi back on their entries (or in LMDB's after-delete state).
void wrote(MDB_txn* txn, MDB_dbi dbi, MDB_cursor* except = nullptr);
// Ends every cursor of a txn that is ending (write: freed; read: detached).
void end_cursors(MDB_txn* txn);
// Reopens the alder env with the env's current options (no txn live).
void reopen(MDB_env* env);
// The alder options an LMDB env's flags and map size ask for.
alder::EnvOptions options_for(const MDB_env* env);

}  // namespace alder_lmdb
