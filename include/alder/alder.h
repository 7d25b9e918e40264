/* alder C API, shaped like LMDB's (mdb_env_open, mdb_txn_begin, ...).
 *
 * Every function returns 0 (ALDER_SUCCESS) or a negative ALDER_* code;
 * alder_strerror() names it. A failed call leaves the database as it was.
 *
 * Thread-safety: an alder_env may be used from many threads at once; a txn
 * and its cursors from one thread at a time. Data returned through alder_val
 * points into the memory map and is valid until the txn ends (in a write
 * txn: until its next write).
 */
#ifndef ALDER_H
#define ALDER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes: the negation of alder::ErrorCode. */
#define ALDER_SUCCESS 0
#define ALDER_KEYEXIST (-1)
#define ALDER_NOTFOUND (-2)
#define ALDER_EMPTY_KEY (-3)
#define ALDER_KEY_TOO_LARGE (-4)
#define ALDER_VALUE_TOO_LARGE (-5)
#define ALDER_READ_ONLY (-6)
#define ALDER_TXN_FINISHED (-7)
#define ALDER_ENV_CLOSED (-8)
#define ALDER_UNKNOWN_DB (-9)
#define ALDER_BUSY (-10)
#define ALDER_CORRUPTED (-11)
#define ALDER_NOT_ALDER_FILE (-12)
#define ALDER_VERSION_MISMATCH (-13)
#define ALDER_IO_ERROR (-14)
#define ALDER_NO_SPACE (-15)
#define ALDER_MAP_FULL (-16)
#define ALDER_DBS_FULL (-17)
#define ALDER_INVALID (-18)
#define ALDER_LOCKED (-19)
#define ALDER_BAD_DBI (-20)
#define ALDER_APPEND_ORDER (-21)
#define ALDER_ENV_FAILED (-22)
#define ALDER_BAD_TXN (-23)
#define ALDER_NOMEM (-100)

/* alder_txn_begin flags */
#define ALDER_RDONLY 0x1u
/* alder_dbi_open flags */
#define ALDER_CREATE 0x1u
/* Value compression of the db (C++: alder::DbOptions): lz4, or zstd at its
 * default level, values under 64 bytes stored raw; no dictionary from C.
 * Chosen when the db is created; opening an existing db with one of these
 * flags fails with ALDER_INVALID unless it was created with the same. At
 * most one of them. */
#define ALDER_LZ4 0x10u
#define ALDER_ZSTD 0x20u
/* alder_put flags */
#define ALDER_NOOVERWRITE 0x1u
#define ALDER_APPEND 0x2u

/* alder_env_options.durability */
#define ALDER_SYNC 0
#define ALDER_NO_META_SYNC 1
#define ALDER_NO_SYNC 2

typedef struct alder_env alder_env;
typedef struct alder_txn alder_txn;
typedef struct alder_cursor alder_cursor;
typedef uint32_t alder_dbi;

/* A byte string: size in bytes, data not NUL-terminated. */
typedef struct alder_val {
  size_t size;
  const void* data;
} alder_val;

/* Options for alder_env_open; see alder::EnvOptions for meanings and units.
 * Start from alder_env_options_default(). */
typedef struct alder_env_options {
  uint32_t page_size;   /* bytes, power of two 512..65536; new files only */
  uint64_t max_size;    /* bytes */
  uint32_t max_dbs;
  int durability;       /* ALDER_SYNC, ALDER_NO_META_SYNC, ALDER_NO_SYNC */
  int write_map;        /* accepted and ignored (EnvOptions::write_map) */
  int map_async;        /* as ALDER_NO_SYNC (EnvOptions::map_async) */
  int no_readahead;
  int verify_checksums; /* check each page read against its parent's checksum */
  int read_only;
  int create;
  unsigned file_mode;
  uint64_t autosync_bytes; /* 0: auto (alder::EnvOptions::autosync_bytes) */
  uint64_t spill_bytes;    /* 0: 256 MiB (alder::EnvOptions::spill_bytes) */
  /* Free bytes before commits shrink the file: 0 auto (1/8 of the file, at
   * least 2 MiB), UINT64_MAX never (alder::EnvOptions::shrink_threshold). */
  uint64_t shrink_threshold;
} alder_env_options;

typedef struct alder_stat {
  uint32_t page_size;      /* bytes */
  uint32_t depth;          /* main db tree depth */
  uint64_t branch_pages;   /* main db */
  uint64_t leaf_pages;     /* main db */
  uint64_t overflow_pages; /* main db */
  uint64_t entries;        /* main db */
  uint64_t file_size;      /* bytes */
  uint64_t used_pages;
  uint64_t free_pages;
  uint64_t last_txn_id;
} alder_stat;

/* One live read snapshot (alder::ReaderInfo): process, OS thread id (0:
 * another process), the commit it sees, its age in seconds (-1: unknown,
 * another process), and the freed pages only it keeps from reuse. */
typedef struct alder_reader_info {
  uint32_t pid;
  uint64_t thread;
  uint64_t txnid;
  double age_seconds;
  uint64_t pages_held;
} alder_reader_info;

/* Called by alder_env_set_slow_reader's watch; `reader` is valid during the
 * call only. */
typedef void (*alder_slow_reader_fn)(const alder_reader_info* reader, void* ctx);

/* Cursor operations for alder_cursor_get. */
typedef enum alder_cursor_op {
  ALDER_FIRST,
  ALDER_LAST,
  ALDER_NEXT,
  ALDER_PREV,
  ALDER_SET_RANGE, /* first key >= *key */
  ALDER_SET_KEY,   /* exactly *key */
  ALDER_GET_CURRENT
} alder_cursor_op;

const char* alder_strerror(int rc);
alder_env_options alder_env_options_default(void);

/* opts may be NULL for defaults. On success *env must be closed with
 * alder_env_close. */
int alder_env_open(const char* path, const alder_env_options* opts,
                   alder_env** env);
/* Closes and frees env (NULL is a no-op). Live txns must be finished. */
void alder_env_close(alder_env* env);
int alder_env_sync(alder_env* env);
/* Shrinks the file as far as its live pages allow, online (Env::compact):
 * commits that move pages toward the front of the file, then ftruncate.
 * *file_size (may be NULL) gets the size afterwards, in bytes.
 * ALDER_READ_ONLY for a read-only env; an I/O error leaves every commit
 * made so far in place. Thread-safe. */
int alder_env_compact(alder_env* env, uint64_t* file_size);
/* Blocks until commit `txnid` (from alder_txn_commit_nowait) is durable
 * (Env::wait_durable). ALDER_ENV_FAILED when the sync covering it failed,
 * ALDER_INVALID when no commit has that id yet. Not from a thread whose
 * write txn is live. */
int alder_env_wait_durable(alder_env* env, uint64_t txnid);
int alder_env_stat(alder_env* env, alder_stat* stat);
/* Lists the live read snapshots (Env::readers), oldest first: up to `cap`
 * into out (may be NULL when cap is 0); *count gets how many there are, so
 * a caller whose cap was too small can call again with a larger array. */
int alder_env_readers(alder_env* env, alder_reader_info* out, size_t cap, size_t* count);
/* Watches for slow readers (Env::set_slow_reader): after a write txn's
 * commit, at most once per check_every_ms (0: every commit), fn(reader, ctx)
 * runs on the committing thread for every snapshot holding at least `pages`
 * freed pages. pages 0 or fn NULL turns it off. ctx must outlive the
 * setting. */
int alder_env_set_slow_reader(alder_env* env, uint64_t pages, uint32_t check_every_ms,
                              alder_slow_reader_fn fn, void* ctx);
/* Full verify; on failure *bad_page (may be NULL) gets the first bad page. */
int alder_env_verify(alder_env* env, uint64_t* bad_page);
size_t alder_env_max_key_size(alder_env* env);

/* flags: 0 for the write txn (waits), ALDER_RDONLY for a read txn. */
int alder_txn_begin(alder_env* env, unsigned flags, alder_txn** txn);
/* Commits and frees txn, also on failure. */
int alder_txn_commit(alder_txn* txn);
/* Commits without waiting for durability (CommitFlags::no_wait: returns
 * once the commit is the base of the next write txn; readers see it once a
 * background sync covers it) and frees txn, also on failure. *txnid (may
 * be NULL) gets the id to pass to alder_env_wait_durable. */
int alder_txn_commit_nowait(alder_txn* txn, uint64_t* txnid);
/* Aborts and frees txn (NULL is a no-op). */
void alder_txn_abort(alder_txn* txn);

/* name NULL or "" is the main db. flags: ALDER_CREATE, ALDER_LZ4 or
 * ALDER_ZSTD. A value alder_get returns from a compressed db points into
 * memory the txn owns until it ends (otherwise into the mapping); a
 * cursor's, into the cursor's until it moves. */
int alder_dbi_open(alder_txn* txn, const char* name, unsigned flags,
                   alder_dbi* dbi);
int alder_drop(alder_txn* txn, alder_dbi dbi, int del /* 1: delete db */);

int alder_get(alder_txn* txn, alder_dbi dbi, const alder_val* key,
              alder_val* val);
int alder_put(alder_txn* txn, alder_dbi dbi, const alder_val* key,
              const alder_val* val, unsigned flags);
int alder_del(alder_txn* txn, alder_dbi dbi, const alder_val* key);

int alder_cursor_open(alder_txn* txn, alder_dbi dbi, alder_cursor** cursor);
void alder_cursor_close(alder_cursor* cursor);
/* key is read for SET_RANGE/SET_KEY and written on success, val written on
 * success. Returns ALDER_NOTFOUND when no entry qualifies. */
int alder_cursor_get(alder_cursor* cursor, alder_val* key, alder_val* val,
                     alder_cursor_op op);
int alder_cursor_put(alder_cursor* cursor, const alder_val* key,
                     const alder_val* val, unsigned flags);
/* Deletes the current entry; the cursor moves to the next one. */
int alder_cursor_del(alder_cursor* cursor);

#ifdef __cplusplus
}
#endif
#endif /* ALDER_H */
