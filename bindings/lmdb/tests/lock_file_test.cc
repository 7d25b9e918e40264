// The real liblmdb and alder's lock file. With MDB_NOSUBDIR both libraries
// name the lock file of PATH `PATH-lock`. Real LMDB rewrites a lock file
// it can lock exclusively (byte 0, fcntl) as its own; alder holds a shared
// lock on that byte while any env has the file open, so LMDB takes its
// shared path, finds alder's header and answers MDB_INVALID without
// writing. A lock file LMDB rewrote while nobody held it is alder's again
// at the next open (docs/LMDB_COMPAT.md, "Files").
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "lmdb_api.h"

namespace {

using lmdb_test::Api;
using lmdb_test::TempDir;
using lmdb_test::real;
using lmdb_test::shim;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

uint32_t magic32(const std::string& file) {
  uint32_t m = 0;
  if (file.size() >= 4) std::memcpy(&m, file.data(), 4);
  return m;
}
constexpr uint32_t kLmdbLockMagic = 0xBEEFC0DEu;  // LMDB's lock-region magic
const std::string kAlderLockMagic = "alderlk1";

MDB_env* open_env(Api& api, const std::string& path, unsigned flags, int* rc) {
  MDB_env* env = nullptr;
  EXPECT_EQ(api.mdb_env_create(&env), 0);
  *rc = api.mdb_env_open(env, path.c_str(), flags, 0644);
  if (*rc != 0) {
    api.mdb_env_close(env);
    return nullptr;
  }
  return env;
}

void put(Api& api, MDB_env* env, const char* k, const char* v) {
  MDB_txn* txn;
  MDB_dbi dbi;
  ASSERT_EQ(api.mdb_txn_begin(env, nullptr, 0, &txn), 0);
  ASSERT_EQ(api.mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
  MDB_val key{std::strlen(k), (void*)k}, val{std::strlen(v), (void*)v};
  ASSERT_EQ(api.mdb_put(txn, dbi, &key, &val, 0), 0);
  ASSERT_EQ(api.mdb_txn_commit(txn), 0);
}

std::string get(Api& api, MDB_env* env, const char* k) {
  MDB_txn* txn;
  MDB_dbi dbi;
  if (api.mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) != 0) return "<begin failed>";
  std::string out = "<dbi failed>";
  if (api.mdb_dbi_open(txn, nullptr, 0, &dbi) == 0) {
    MDB_val key{std::strlen(k), (void*)k}, val;
    const int rc = api.mdb_get(txn, dbi, &key, &val);
    out = rc == 0 ? std::string(static_cast<const char*>(val.mv_data), val.mv_size)
                  : "<rc " + std::to_string(rc) + ">";
  }
  api.mdb_txn_abort(txn);
  return out;
}

// Real LMDB (writable and MDB_RDONLY) opening an alder file that an alder
// env has open: MDB_INVALID, and neither file changes. Also after a second
// alder env of this process on the same file closed its descriptors (POSIX
// record locks would have gone with them).
TEST(LmdbLockFile, RealLmdbLeavesTheLockFileOfAnOpenAlderEnvAlone) {
  TempDir d;
  const std::string path = d.path + "/db", lock = path + "-lock";
  int rc;
  MDB_env* alder = open_env(shim(), path, MDB_NOSUBDIR, &rc);
  ASSERT_EQ(rc, 0);
  put(shim(), alder, "k", "v");
  ASSERT_EQ(slurp(lock).substr(0, 8), kAlderLockMagic);
  auto real_refuses = [&](const char* when) {
    const std::string data = slurp(path), lock_bytes = slurp(lock);
    for (unsigned flags : {MDB_NOSUBDIR, MDB_NOSUBDIR | MDB_RDONLY}) {
      MDB_env* env = open_env(real(), path, flags, &rc);
      EXPECT_EQ(rc, MDB_INVALID) << when << ", flags " << flags;
      if (env) real().mdb_env_close(env);
      EXPECT_TRUE(slurp(lock) == lock_bytes) << "lock file changed: " << when << ", flags " << flags;
      EXPECT_TRUE(slurp(path) == data) << "data file changed: " << when << ", flags " << flags;
    }
  };
  real_refuses("writer open");
  // A read-only env of this process on the same file: it reads through the
  // lock file's reader table, then closes its descriptors.
  MDB_env* ro = open_env(shim(), path, MDB_NOSUBDIR | MDB_RDONLY, &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(get(shim(), ro, "k"), "v");
  shim().mdb_env_close(ro);
  real_refuses("after a second env closed");
  put(shim(), alder, "k", "w");  // the writer carries on
  EXPECT_EQ(get(shim(), alder, "k"), "w");
  shim().mdb_env_close(alder);
}

// Nobody holds the lock file: real LMDB takes it as its own and rewrites it
// (then refuses the data file, untouched). alder's next open makes the lock
// file its own again and reads the data.
TEST(LmdbLockFile, AlderTakesBackALockFileRealLmdbRewroteWhileNobodyHeldIt) {
  TempDir d;
  const std::string path = d.path + "/db", lock = path + "-lock";
  int rc;
  MDB_env* alder = open_env(shim(), path, MDB_NOSUBDIR, &rc);
  ASSERT_EQ(rc, 0);
  put(shim(), alder, "k", "v");
  shim().mdb_env_close(alder);
  const std::string data = slurp(path);

  MDB_env* env = open_env(real(), path, MDB_NOSUBDIR, &rc);
  EXPECT_EQ(rc, MDB_INVALID);
  if (env) real().mdb_env_close(env);
  EXPECT_TRUE(slurp(path) == data) << "data file changed";
  EXPECT_EQ(magic32(slurp(lock)), kLmdbLockMagic);  // LMDB's now (the fact this test is about)

  for (unsigned flags : {unsigned(MDB_NOSUBDIR | MDB_RDONLY), unsigned(MDB_NOSUBDIR)}) {
    alder = open_env(shim(), path, flags, &rc);
    ASSERT_EQ(rc, 0) << "flags " << flags;
    EXPECT_EQ(get(shim(), alder, "k"), "v");
    EXPECT_EQ(slurp(lock).substr(0, 8), kAlderLockMagic);
    shim().mdb_env_close(alder);
    // Rewritten again for the next round.
    env = open_env(real(), path, MDB_NOSUBDIR, &rc);
    EXPECT_EQ(rc, MDB_INVALID);
    if (env) real().mdb_env_close(env);
  }
  alder = open_env(shim(), path, MDB_NOSUBDIR, &rc);
  ASSERT_EQ(rc, 0);
  put(shim(), alder, "k2", "v2");
  EXPECT_EQ(get(shim(), alder, "k"), "v");
  shim().mdb_env_close(alder);
}

}  // namespace
