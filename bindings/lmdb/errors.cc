// Error values (alder::ErrorCode -> LMDB's codes), mdb_strerror and
// mdb_version.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "shim.h"

namespace alder_lmdb {

int map_error(alder::ErrorCode code) noexcept {
  using alder::ErrorCode;
  switch (code) {
    case ErrorCode::ok: return MDB_SUCCESS;
    case ErrorCode::key_exists: return MDB_KEYEXIST;
    case ErrorCode::not_found: return MDB_NOTFOUND;
    case ErrorCode::empty_key:
    case ErrorCode::key_too_large:
    case ErrorCode::value_too_large: return MDB_BAD_VALSIZE;
    case ErrorCode::read_only: return EACCES;
    case ErrorCode::txn_finished:
    case ErrorCode::env_closed:
    case ErrorCode::invalid_argument:
    case ErrorCode::bad_dbi: return EINVAL;
    case ErrorCode::unknown_db: return MDB_NOTFOUND;  // mdb_dbi_open without MDB_CREATE
    case ErrorCode::busy: return EBUSY;
    case ErrorCode::corrupted: return MDB_CORRUPTED;
    case ErrorCode::not_alder_file: return MDB_INVALID;
    case ErrorCode::version_mismatch: return MDB_VERSION_MISMATCH;
    case ErrorCode::io_error: return EIO;
    case ErrorCode::no_space: return ENOSPC;
    case ErrorCode::map_full: return MDB_MAP_FULL;
    case ErrorCode::dbs_full: return MDB_DBS_FULL;
    case ErrorCode::locked: return EAGAIN;  // mdb_env_open: locked by another process
    case ErrorCode::append_order: return MDB_KEYEXIST;  // LMDB's answer to a bad MDB_APPEND
    case ErrorCode::env_failed: return MDB_PANIC;
    case ErrorCode::bad_txn: return MDB_BAD_TXN;
  }
  return EIO;
}

void debug_note(const char* what, const std::string& why) noexcept {
  static const bool on = std::getenv("ALDER_LMDB_DEBUG") != nullptr;
  if (on) std::fprintf(stderr, "alder-lmdb: %s: %s\n", what, why.c_str());
}

void fail(int rc, const std::string& why) {
  if (!why.empty()) debug_note(mdb_strerror(rc), why);
  throw Fail{rc};
}

}  // namespace alder_lmdb

extern "C" {

char* mdb_version(int* major, int* minor, int* patch) {
  if (major) *major = MDB_VERSION_MAJOR;
  if (minor) *minor = MDB_VERSION_MINOR;
  if (patch) *patch = MDB_VERSION_PATCH;
  return const_cast<char*>(MDB_VERSION_STRING);
}

// The "MDB_NAME: " prefixes are what LMDB's messages start with (programs
// and logs match on them); the explanations are alder's.
char* mdb_strerror(int err) {
  const char* s = nullptr;
  switch (err) {
    case MDB_SUCCESS: s = "Successful return: 0"; break;
    case MDB_KEYEXIST: s = "MDB_KEYEXIST: the key is already in the database"; break;
    case MDB_NOTFOUND: s = "MDB_NOTFOUND: no such key, or no entry in that direction"; break;
    case MDB_PAGE_NOTFOUND: s = "MDB_PAGE_NOTFOUND: a page is missing"; break;
    case MDB_CORRUPTED: s = "MDB_CORRUPTED: a page failed alder's checksum or structure check"; break;
    case MDB_PANIC: s = "MDB_PANIC: an earlier commit failed to reach the disk; reopen the env"; break;
    case MDB_VERSION_MISMATCH: s = "MDB_VERSION_MISMATCH: the file's alder format version is not supported"; break;
    case MDB_INVALID: s = "MDB_INVALID: not an alder database file (a real LMDB file needs `alder import-lmdb`)"; break;
    case MDB_MAP_FULL: s = "MDB_MAP_FULL: the data file reached the map size (mdb_env_set_mapsize)"; break;
    case MDB_DBS_FULL: s = "MDB_DBS_FULL: more named dbs than mdb_env_set_maxdbs allows"; break;
    case MDB_READERS_FULL: s = "MDB_READERS_FULL: more read txns than mdb_env_set_maxreaders allows"; break;
    case MDB_TLS_FULL: s = "MDB_TLS_FULL: thread-local storage full"; break;
    case MDB_TXN_FULL: s = "MDB_TXN_FULL: transaction too large"; break;
    case MDB_CURSOR_FULL: s = "MDB_CURSOR_FULL: cursor stack too deep"; break;
    case MDB_PAGE_FULL: s = "MDB_PAGE_FULL: page has no room"; break;
    case MDB_MAP_RESIZED: s = "MDB_MAP_RESIZED: the map was resized by another process"; break;
    case MDB_INCOMPATIBLE: s = "MDB_INCOMPATIBLE: not supported by alder's LMDB API (DUPSORT, nested txns, custom comparators, FIXEDMAP; docs/LMDB_COMPAT.md)"; break;
    case MDB_BAD_RSLOT: s = "MDB_BAD_RSLOT: reader slot misused"; break;
    case MDB_BAD_TXN: s = "MDB_BAD_TXN: a write of this txn failed midway; abort it"; break;
    case MDB_BAD_VALSIZE: s = "MDB_BAD_VALSIZE: key empty or over 511 bytes (INTEGERKEY: not 4 or 8), or value too large"; break;
    case MDB_BAD_DBI: s = "MDB_BAD_DBI: the db handle was closed or changed"; break;
    default: break;
  }
  if (s) return const_cast<char*>(s);
  if (err > 0) return std::strerror(err);
  return const_cast<char*>("unknown error code");
}

}  // extern "C"
