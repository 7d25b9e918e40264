// Threads on one MDB_env of alder's liblmdb.so.0: readers renewing and
// resetting their read txns (python3-lmdb's pattern) beside the writer,
// each snapshot checked for isolation, and mdb_reader_list / mdb_env_info
// called meanwhile. The suite is named Concurrency* so scripts/test.sh's
// TSan stage runs it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lmdb_api.h"

namespace {

constexpr int kKeys = 16;

std::string key(int i) { return "key" + std::to_string(i); }

TEST(ConcurrencyLmdbShim, ReadersSeeWholeCommitsBesideTheWriter) {
  static lmdb_test::Api api("alder", ALDER_LMDB_SHIM_PATH);
  char tmpl[] = "/tmp/alder_lmdb_conc_XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  MDB_env* env;
  MDB_dbi dbi;
  ASSERT_EQ(api.mdb_env_create(&env), 0);
  ASSERT_EQ(api.mdb_env_set_mapsize(env, size_t{64} << 20), 0);
  ASSERT_EQ(api.mdb_env_open(env, dir.c_str(), MDB_NOTLS | MDB_NOSYNC, 0644), 0);
  {
    MDB_txn* t;
    ASSERT_EQ(api.mdb_txn_begin(env, nullptr, 0, &t), 0);
    ASSERT_EQ(api.mdb_dbi_open(t, nullptr, 0, &dbi), 0);
    for (int i = 0; i < kKeys; i++) {
      std::string k = key(i), v = "0";
      MDB_val kv{k.size(), k.data()}, vv{v.size(), v.data()};
      ASSERT_EQ(api.mdb_put(t, dbi, &kv, &vv, 0), 0);
    }
    ASSERT_EQ(api.mdb_txn_commit(t), 0);
  }
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  // The writer: each commit sets every key to its generation number.
  std::atomic<int> snapshots{0};  // read txns checked, all readers
  std::atomic<int> commits{0};
  std::thread writer([&] {
    // At least 150 commits, and on until the readers checked 300 snapshots.
    for (int gen = 1; gen <= 150 || (snapshots < 300 && gen < 1000000); gen++) {
      MDB_txn* t;
      if (api.mdb_txn_begin(env, nullptr, 0, &t)) { errors++; break; }
      const std::string v = std::to_string(gen);
      for (int i = 0; i < kKeys; i++) {
        std::string k = key(i);
        MDB_val kv{k.size(), k.data()}, vv{v.size(), const_cast<char*>(v.data())};
        if (api.mdb_put(t, dbi, &kv, &vv, 0)) errors++;
      }
      if (api.mdb_txn_commit(t)) errors++;
      commits++;
    }
    done = true;
  });
  // Readers: one spare read txn each, renewed and reset; every key of a
  // snapshot must hold the same generation, and it never goes backwards.
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; r++) {
    readers.emplace_back([&] {
      MDB_txn* t;
      if (api.mdb_txn_begin(env, nullptr, MDB_RDONLY, &t)) { errors++; return; }
      api.mdb_txn_reset(t);
      long last = 0;
      while (!done) {
        if (api.mdb_txn_renew(t)) { errors++; break; }
        std::string first;
        for (int i = 0; i < kKeys; i++) {
          std::string k = key(i);
          MDB_val kv{k.size(), k.data()}, vv;
          if (api.mdb_get(t, dbi, &kv, &vv)) { errors++; continue; }
          std::string v(static_cast<char*>(vv.mv_data), vv.mv_size);
          if (i == 0) first = v;
          else if (v != first) errors++;  // a torn snapshot
        }
        if (std::stol(first) < last) errors++;
        last = std::stol(first);
        api.mdb_txn_reset(t);
        snapshots++;
      }
      api.mdb_txn_abort(t);
    });
  }
  std::thread observer([&] {
    while (!done) {
      MDB_envinfo info;
      if (api.mdb_env_info(env, &info)) errors++;
      api.mdb_reader_list(env, [](const char*, void*) { return 0; }, nullptr);
    }
  });
  writer.join();
  for (auto& t : readers) t.join();
  observer.join();
  EXPECT_EQ(errors.load(), 0);
  MDB_envinfo info;
  ASSERT_EQ(api.mdb_env_info(env, &info), 0);
  EXPECT_EQ(info.me_last_txnid, size_t(commits.load()) + 1);
  EXPECT_GE(snapshots.load(), 300);
  EXPECT_EQ(info.me_numreaders, 0u);
  api.mdb_env_close(env);
  std::filesystem::remove_all(dir);
}

}  // namespace
