/* alder/lmdb.h: LMDB's C API (the mdb_* functions) served by alder.
 *
 * Written for alder. The names, constant values, error numbers, cursor-op
 * numbering and the layouts of MDB_val, MDB_stat and MDB_envinfo are those
 * of LMDB 0.9 (facts a binary must match to run unchanged); the library is
 * bindings/lmdb/ (SONAME liblmdb.so.0), a binding on alder's public C++ API.
 * What each function supports, and what returns MDB_INCOMPATIBLE, is in
 * docs/LMDB_COMPAT.md.
 *
 * Conventions, as in LMDB: every int-returning function returns 0
 * (MDB_SUCCESS), a negative MDB_* code, or a positive errno value
 * (EINVAL, EACCES, ENOMEM, EIO, EAGAIN, ENOSPC, ENOENT). A failed call
 * leaves the database as it was. MDB_val data returned by get and cursor
 * calls stays valid until the txn ends (in a write txn: until its next
 * write). An MDB_env may be used from many threads; a txn and its cursors
 * from one thread at a time (MDB_NOTLS behaviour always). */
#ifndef ALDER_LMDB_H
#define ALDER_LMDB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The LMDB release whose ABI this library matches. */
#define MDB_VERSION_MAJOR 0
#define MDB_VERSION_MINOR 9
#define MDB_VERSION_PATCH 24
#define MDB_VERINT(a, b, c) (((a) << 24) | ((b) << 16) | (c))
#define MDB_VERSION_FULL \
  MDB_VERINT(MDB_VERSION_MAJOR, MDB_VERSION_MINOR, MDB_VERSION_PATCH)
#define MDB_VERSION_DATE "alder"
#define MDB_VERSION_STRING "LMDB 0.9.24 API on alder"

typedef mode_t mdb_mode_t;
typedef int mdb_filehandle_t;

typedef struct MDB_env MDB_env;
typedef struct MDB_txn MDB_txn;
typedef struct MDB_cursor MDB_cursor;
/* A db handle: 1 is the unnamed main db, named dbs get 2, 3, ... */
typedef unsigned int MDB_dbi;

/* A byte string; mv_data is not NUL-terminated. */
typedef struct MDB_val {
  size_t mv_size;
  void* mv_data;
} MDB_val;

typedef int(MDB_cmp_func)(const MDB_val* a, const MDB_val* b);
typedef void(MDB_rel_func)(MDB_val* item, void* oldptr, void* newptr, void* relctx);
typedef void MDB_assert_func(MDB_env* env, const char* msg);
/* reader_list callback: one line per call; a negative return stops it. */
typedef int(MDB_msg_func)(const char* msg, void* ctx);

/* mdb_env_open flags */
#define MDB_FIXEDMAP 0x01      /* MDB_INCOMPATIBLE */
#define MDB_NOSUBDIR 0x4000    /* path is the data file, lock is path-lock */
#define MDB_NOSYNC 0x10000     /* alder Durability::no_sync */
#define MDB_RDONLY 0x20000     /* read-only env; never creates */
#define MDB_NOMETASYNC 0x40000 /* alder Durability::no_meta_sync */
#define MDB_WRITEMAP 0x80000   /* accepted, no effect (EnvOptions::write_map) */
#define MDB_MAPASYNC 0x100000  /* alder Durability::no_sync */
#define MDB_NOTLS 0x200000     /* always the behaviour; accepted */
#define MDB_NOLOCK 0x400000    /* accepted; alder's lock file is still used */
#define MDB_NORDAHEAD 0x800000 /* EnvOptions::no_readahead */
#define MDB_NOMEMINIT 0x1000000 /* accepted, no effect */
#define MDB_PREVSNAPSHOT 0x2000000 /* MDB_INCOMPATIBLE */

/* mdb_dbi_open flags */
#define MDB_REVERSEKEY 0x02 /* keys compared from their last byte */
#define MDB_DUPSORT 0x04    /* MDB_INCOMPATIBLE */
#define MDB_INTEGERKEY 0x08 /* keys are native unsigned int or size_t */
#define MDB_DUPFIXED 0x10   /* MDB_INCOMPATIBLE */
#define MDB_INTEGERDUP 0x20 /* MDB_INCOMPATIBLE */
#define MDB_REVERSEDUP 0x40 /* MDB_INCOMPATIBLE */
#define MDB_CREATE 0x40000

/* mdb_put / mdb_cursor_put flags */
#define MDB_NOOVERWRITE 0x10 /* existing value written back, MDB_KEYEXIST */
#define MDB_NODUPDATA 0x20   /* no effect without DUPSORT */
#define MDB_CURRENT 0x40     /* cursor_put: replace the current value (same key, else EINVAL) */
#define MDB_RESERVE 0x10000  /* EINVAL */
#define MDB_APPEND 0x20000   /* key above every key, else MDB_KEYEXIST */
#define MDB_APPENDDUP 0x40000 /* no effect without DUPSORT, as in LMDB */
#define MDB_MULTIPLE 0x80000  /* MDB_INCOMPATIBLE */

/* mdb_env_copy2 / mdb_env_copyfd2 flags */
#define MDB_CP_COMPACT 0x01

/* Cursor operations (LMDB's numbering). The *_DUP, GET_BOTH* and *MULTIPLE
 * ops need DUPSORT, which no alder db has: see docs/LMDB_COMPAT.md. */
typedef enum MDB_cursor_op {
  MDB_FIRST,
  MDB_FIRST_DUP,
  MDB_GET_BOTH,
  MDB_GET_BOTH_RANGE,
  MDB_GET_CURRENT,
  MDB_GET_MULTIPLE,
  MDB_LAST,
  MDB_LAST_DUP,
  MDB_NEXT,
  MDB_NEXT_DUP,
  MDB_NEXT_MULTIPLE,
  MDB_NEXT_NODUP,
  MDB_PREV,
  MDB_PREV_DUP,
  MDB_PREV_NODUP,
  MDB_SET,
  MDB_SET_KEY,
  MDB_SET_RANGE,
  MDB_PREV_MULTIPLE
} MDB_cursor_op;

/* Return codes (LMDB's values). */
#define MDB_SUCCESS 0
#define MDB_KEYEXIST (-30799)
#define MDB_NOTFOUND (-30798)
#define MDB_PAGE_NOTFOUND (-30797)
#define MDB_CORRUPTED (-30796)
#define MDB_PANIC (-30795)
#define MDB_VERSION_MISMATCH (-30794)
#define MDB_INVALID (-30793)
#define MDB_MAP_FULL (-30792)
#define MDB_DBS_FULL (-30791)
#define MDB_READERS_FULL (-30790)
#define MDB_TLS_FULL (-30789)
#define MDB_TXN_FULL (-30788)
#define MDB_CURSOR_FULL (-30787)
#define MDB_PAGE_FULL (-30786)
#define MDB_MAP_RESIZED (-30785)
#define MDB_INCOMPATIBLE (-30784)
#define MDB_BAD_RSLOT (-30783)
#define MDB_BAD_TXN (-30782)
#define MDB_BAD_VALSIZE (-30781)
#define MDB_BAD_DBI (-30780)
#define MDB_LAST_ERRCODE MDB_BAD_DBI

typedef struct MDB_stat {
  unsigned int ms_psize;
  unsigned int ms_depth;
  size_t ms_branch_pages;
  size_t ms_leaf_pages;
  size_t ms_overflow_pages;
  size_t ms_entries;
} MDB_stat;

typedef struct MDB_envinfo {
  void* me_mapaddr;      /* always NULL (no FIXEDMAP) */
  size_t me_mapsize;     /* the map-size cap in bytes */
  size_t me_last_pgno;   /* last page in use */
  size_t me_last_txnid;  /* id of the latest commit, LMDB's count */
  unsigned int me_maxreaders;
  unsigned int me_numreaders; /* reader slots of this process in use */
} MDB_envinfo;

/* --- library ------------------------------------------------------------ */
/* The LMDB version this API matches; never NULL. Out-params may be NULL. */
char* mdb_version(int* major, int* minor, int* patch);
/* Text for a return code (MDB_* or errno); never NULL, static storage. */
char* mdb_strerror(int err);

/* --- environment -------------------------------------------------------- */
/* Allocates an env handle with LMDB's defaults: 10 MiB map size, 126
 * readers, no named dbs (mdb_env_set_maxdbs). Free with mdb_env_close. */
int mdb_env_create(MDB_env** env);
/* Opens the alder file: path/data.mdb, or path itself with MDB_NOSUBDIR.
 * The directory must exist; with MDB_RDONLY the file must too (ENOENT).
 * MDB_INVALID: the file is not an alder file (a real LMDB file included:
 * move it with `alder import-lmdb`). EAGAIN: another process writes it.
 * On failure the handle may only be closed. */
int mdb_env_open(MDB_env* env, const char* path, unsigned int flags, mdb_mode_t mode);
/* Copies the latest commit to path/data.mdb (path with NOSUBDIR), which
 * must not exist (EEXIST). MDB_CP_COMPACT rewrites the entries densely. */
int mdb_env_copy(MDB_env* env, const char* path);
int mdb_env_copy2(MDB_env* env, const char* path, unsigned int flags);
int mdb_env_copyfd(MDB_env* env, mdb_filehandle_t fd);
int mdb_env_copyfd2(MDB_env* env, mdb_filehandle_t fd, unsigned int flags);
/* The main db's figures (named dbs are not counted in ms_entries). */
int mdb_env_stat(MDB_env* env, MDB_stat* stat);
int mdb_env_info(MDB_env* env, MDB_envinfo* stat);
/* Makes every commit durable; force is ignored (always a real sync). */
int mdb_env_sync(MDB_env* env, int force);
/* Closes the env; live txns must have ended. NULL is a no-op. */
void mdb_env_close(MDB_env* env);
/* Only MDB_NOSYNC, MDB_NOMETASYNC, MDB_MAPASYNC, MDB_NOMEMINIT change at
 * run time (else EINVAL); see docs/LMDB_COMPAT.md for when they apply. */
int mdb_env_set_flags(MDB_env* env, unsigned int flags, int onoff);
int mdb_env_get_flags(MDB_env* env, unsigned int* flags);
/* *path points into the env, valid until mdb_env_close. */
int mdb_env_get_path(MDB_env* env, const char** path);
/* A read-only descriptor of the data file, owned by the env. */
int mdb_env_get_fd(MDB_env* env, mdb_filehandle_t* fd);
/* The hard cap on the data file's size. On an open env: no txn of this
 * process may be live (EINVAL otherwise); 0 keeps the current size. */
int mdb_env_set_mapsize(MDB_env* env, size_t size);
/* Before mdb_env_open only (EINVAL after). */
int mdb_env_set_maxreaders(MDB_env* env, unsigned int readers);
int mdb_env_get_maxreaders(MDB_env* env, unsigned int* readers);
int mdb_env_set_maxdbs(MDB_env* env, MDB_dbi dbs);
/* 511: the longest key accepted. */
int mdb_env_get_maxkeysize(MDB_env* env);
int mdb_env_set_userctx(MDB_env* env, void* ctx);
void* mdb_env_get_userctx(MDB_env* env);
/* Stored; alder reports failures by return code and never calls it. */
int mdb_env_set_assert(MDB_env* env, MDB_assert_func* func);

/* --- transactions ------------------------------------------------------- */
/* flags: 0 (the write txn: waits while another is live) or MDB_RDONLY.
 * parent must be NULL (nested txns: MDB_INCOMPATIBLE). A write txn in an
 * MDB_RDONLY env: EACCES. More than maxreaders read txns: MDB_READERS_FULL. */
int mdb_txn_begin(MDB_env* env, MDB_txn* parent, unsigned int flags, MDB_txn** txn);
MDB_env* mdb_txn_env(MDB_txn* txn);
/* Read txn: the commit it sees; write txn: the id its commit will get;
 * 0 for a reset txn. */
size_t mdb_txn_id(MDB_txn* txn);
/* Commits (a read txn just ends) and frees txn, on failure too. A write
 * txn that wrote nothing commits nothing (the txn id does not move). */
int mdb_txn_commit(MDB_txn* txn);
void mdb_txn_abort(MDB_txn* txn);
/* Read txns only: reset drops the snapshot and keeps the handle (and its
 * reader slot, shown as "-" by mdb_reader_list); renew takes a new one. */
void mdb_txn_reset(MDB_txn* txn);
int mdb_txn_renew(MDB_txn* txn);

/* --- databases ---------------------------------------------------------- */
/* name NULL: the main db. The handle lives until mdb_dbi_close or env
 * close if txn commits, and is dropped if txn aborts. MDB_NOTFOUND: no such
 * db and no MDB_CREATE; MDB_DBS_FULL: more than maxdbs; EACCES: create in a
 * read txn. MDB_DUPSORT and the other dup flags: MDB_INCOMPATIBLE. */
int mdb_dbi_open(MDB_txn* txn, const char* name, unsigned int flags, MDB_dbi* dbi);
int mdb_stat(MDB_txn* txn, MDB_dbi dbi, MDB_stat* stat);
/* The persistent flags the db was created with. */
int mdb_dbi_flags(MDB_txn* txn, MDB_dbi dbi, unsigned int* flags);
void mdb_dbi_close(MDB_env* env, MDB_dbi dbi);
/* del 0: empty the db; del 1: delete it and close the handle. */
int mdb_drop(MDB_txn* txn, MDB_dbi dbi, int del);
/* Custom comparators: MDB_INCOMPATIBLE. */
int mdb_set_compare(MDB_txn* txn, MDB_dbi dbi, MDB_cmp_func* cmp);
int mdb_set_dupsort(MDB_txn* txn, MDB_dbi dbi, MDB_cmp_func* cmp);
/* Accepted and unused (they matter only with MDB_FIXEDMAP). */
int mdb_set_relfunc(MDB_txn* txn, MDB_dbi dbi, MDB_rel_func* rel);
int mdb_set_relctx(MDB_txn* txn, MDB_dbi dbi, void* ctx);

/* --- data --------------------------------------------------------------- */
/* Keys: 1..511 bytes (MDB_BAD_VALSIZE otherwise; INTEGERKEY: 4 or 8; a
 * lookup of a longer key is MDB_NOTFOUND, as in LMDB). Unknown dbi: EINVAL.
 * Writes in a read txn: EACCES. mdb_put with MDB_NOOVERWRITE on an
 * existing key: MDB_KEYEXIST and *data set to the value there. */
int mdb_get(MDB_txn* txn, MDB_dbi dbi, MDB_val* key, MDB_val* data);
int mdb_put(MDB_txn* txn, MDB_dbi dbi, MDB_val* key, MDB_val* data, unsigned int flags);
/* data must be NULL (or is ignored: no DUPSORT). MDB_NOTFOUND if absent. */
int mdb_del(MDB_txn* txn, MDB_dbi dbi, MDB_val* key, MDB_val* data);
/* Key order of the db (memcmp, reversed, or integer). */
int mdb_cmp(MDB_txn* txn, MDB_dbi dbi, const MDB_val* a, const MDB_val* b);
int mdb_dcmp(MDB_txn* txn, MDB_dbi dbi, const MDB_val* a, const MDB_val* b);

/* --- cursors ------------------------------------------------------------ */
/* A write txn's cursors are freed when it ends; a read txn's must be closed
 * by the caller, and may be renewed into another read txn first. */
int mdb_cursor_open(MDB_txn* txn, MDB_dbi dbi, MDB_cursor** cursor);
void mdb_cursor_close(MDB_cursor* cursor);
int mdb_cursor_renew(MDB_txn* txn, MDB_cursor* cursor);
MDB_txn* mdb_cursor_txn(MDB_cursor* cursor);
MDB_dbi mdb_cursor_dbi(MDB_cursor* cursor);
int mdb_cursor_get(MDB_cursor* cursor, MDB_val* key, MDB_val* data, MDB_cursor_op op);
int mdb_cursor_put(MDB_cursor* cursor, MDB_val* key, MDB_val* data, unsigned int flags);
/* flags must be 0 (MDB_NODUPDATA: no effect). After a delete, MDB_NEXT
 * returns the entry that followed the deleted one. */
int mdb_cursor_del(MDB_cursor* cursor, unsigned int flags);
/* Needs DUPSORT: MDB_INCOMPATIBLE (LMDB's answer on a plain db too). */
int mdb_cursor_count(MDB_cursor* cursor, size_t* countp);

/* --- readers ------------------------------------------------------------ */
/* One line per reader, in LMDB's format: a header, then "%10d %zx %zu"
 * (pid, thread, txn id; "-" for a reset txn of this process), or
 * "(no active readers)". Lists this env's read txns and those of other
 * processes (read-only envs, from the lock file; their thread column is
 * 0). Returns func's last result, -1 on a NULL argument or an error.
 * Thread-safe. */
int mdb_reader_list(MDB_env* env, MDB_msg_func* func, void* ctx);
/* Frees the lock file's reader slots of processes that no longer exist
 * and stores their count in *dead (if not NULL); 0 for an env not open.
 * alder's writer also frees them by itself. Thread-safe. */
int mdb_reader_check(MDB_env* env, int* dead);

#ifdef __cplusplus
}
#endif
#endif /* ALDER_LMDB_H */
