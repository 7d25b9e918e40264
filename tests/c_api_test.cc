// The C API (alder.h) end to end.
#include <alder/alder.h>
#include <gtest/gtest.h>

#include <alder/alder.hpp>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using alder_test::TempDir;

alder_val V(const std::string& s) { return alder_val{s.size(), s.data()}; }
alder_val V(const char* s) { return alder_val{std::strlen(s), s}; }
std::string S(const alder_val& v) { return std::string(static_cast<const char*>(v.data), v.size); }

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(alder_env_open(dir_.file().c_str(), nullptr, &env_), ALDER_SUCCESS);
    ASSERT_NE(env_, nullptr);
  }
  void TearDown() override { alder_env_close(env_); }

  // Puts key=value pairs in one committed txn.
  void put_all(alder_dbi dbi, const std::vector<std::pair<std::string, std::string>>& kv) {
    alder_txn* t = nullptr;
    ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
    for (auto& [k, v] : kv) {
      alder_val key = V(k), val = V(v);
      ASSERT_EQ(alder_put(t, dbi, &key, &val, 0), ALDER_SUCCESS);
    }
    ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  }

  TempDir dir_;
  alder_env* env_ = nullptr;
};

TEST(CApiBasics, StrerrorIsNonNullAndDistinctForEveryCode) {
  std::set<std::string> seen;
  std::vector<int> codes = {ALDER_SUCCESS};
  for (int c = -1; c >= -22; --c) codes.push_back(c);
  codes.push_back(ALDER_NOMEM);
  for (int c : codes) {
    const char* s = alder_strerror(c);
    ASSERT_NE(s, nullptr) << "code " << c;
    EXPECT_GT(std::strlen(s), 0u) << "code " << c;
    EXPECT_TRUE(seen.insert(s).second) << "code " << c << " shares its text: " << s;
  }
  // Unknown codes still get a string.
  EXPECT_NE(alder_strerror(-12345), nullptr);
  EXPECT_NE(alder_strerror(42), nullptr);
  // The C++ names exist for every code too.
  for (int c = 0; c <= 22; ++c) {
    EXPECT_NE(alder::error_name(static_cast<alder::ErrorCode>(c)), nullptr);
  }
}

TEST(CApiBasics, CodesMatchTheCppEnum) {
  EXPECT_EQ(ALDER_KEYEXIST, -static_cast<int>(alder::ErrorCode::key_exists));
  EXPECT_EQ(ALDER_NOTFOUND, -static_cast<int>(alder::ErrorCode::not_found));
  EXPECT_EQ(ALDER_VALUE_TOO_LARGE, -static_cast<int>(alder::ErrorCode::value_too_large));
  EXPECT_EQ(ALDER_INVALID, -static_cast<int>(alder::ErrorCode::invalid_argument));
  EXPECT_EQ(ALDER_ENV_FAILED, -static_cast<int>(alder::ErrorCode::env_failed));
}

TEST(CApiBasics, DefaultOptionsMatchTheCppDefaults) {
  alder_env_options o = alder_env_options_default();
  alder::EnvOptions cpp;
  EXPECT_EQ(o.page_size, cpp.page_size);
  EXPECT_EQ(o.max_size, cpp.max_size);
  EXPECT_EQ(o.max_dbs, cpp.max_dbs);
  EXPECT_EQ(o.durability, ALDER_SYNC);
  EXPECT_EQ(o.write_map, 0);
  EXPECT_EQ(o.map_async, 0);
  EXPECT_EQ(o.no_readahead, 0);
  EXPECT_EQ(o.read_only, 0);
  EXPECT_NE(o.create, 0);
  EXPECT_EQ(o.file_mode, cpp.file_mode);
  EXPECT_EQ(o.autosync_bytes, cpp.autosync_bytes);
  EXPECT_EQ(o.spill_bytes, cpp.spill_bytes);
  EXPECT_EQ(o.shrink_threshold, cpp.shrink_threshold);
}

TEST(CApiBasics, OpenWithOptionsAndErrors) {
  TempDir dir;
  alder_env_options o = alder_env_options_default();
  o.page_size = 8192;
  o.durability = ALDER_NO_SYNC;
  alder_env* env = nullptr;
  ASSERT_EQ(alder_env_open(dir.file().c_str(), &o, &env), ALDER_SUCCESS);
  EXPECT_EQ(alder_env_max_key_size(env), (8192u - 16) / 3 - 44);
  alder_stat st;
  ASSERT_EQ(alder_env_stat(env, &st), ALDER_SUCCESS);
  EXPECT_EQ(st.page_size, 8192u);
  EXPECT_EQ(alder_env_sync(env), ALDER_SUCCESS);
  alder_env_close(env);
  alder_env_close(nullptr);  // no-op

  o = alder_env_options_default();
  o.page_size = 3000;
  env = nullptr;
  EXPECT_EQ(alder_env_open(dir.file("bad").c_str(), &o, &env), ALDER_INVALID);

  alder_test::write_file_bytes(dir.file("foreign"), std::string(8192, 'x'));
  env = nullptr;
  EXPECT_EQ(alder_env_open(dir.file("foreign").c_str(), nullptr, &env), ALDER_NOT_ALDER_FILE);
}

TEST_F(CApi, CommitNowaitThenWaitDurable) {
  alder_txn* t = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  alder_val k = V("nowait"), v = V("1");
  ASSERT_EQ(alder_put(t, 0, &k, &v, 0), ALDER_SUCCESS);
  uint64_t id = 0;
  ASSERT_EQ(alder_txn_commit_nowait(t, &id), ALDER_SUCCESS);
  EXPECT_GT(id, 0u);
  ASSERT_EQ(alder_env_wait_durable(env_, id), ALDER_SUCCESS);
  alder_txn* r = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &r), ALDER_SUCCESS);
  alder_val out{};
  EXPECT_EQ(alder_get(r, 0, &k, &out), ALDER_SUCCESS);
  alder_txn_abort(r);
  EXPECT_EQ(alder_env_wait_durable(env_, id + 1), ALDER_INVALID);  // no such commit yet
  EXPECT_EQ(alder_env_wait_durable(nullptr, id), ALDER_INVALID);
  EXPECT_EQ(alder_txn_commit_nowait(nullptr, &id), ALDER_INVALID);
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  EXPECT_EQ(alder_txn_commit_nowait(t, nullptr), ALDER_SUCCESS);  // txnid may be NULL
}

TEST_F(CApi, ReadersAndSlowReaderWatch) {
  const std::string big(3000, 'x');
  auto put = [&](const std::string& key, const std::string& value) {
    alder_txn* t = nullptr;
    ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
    alder_val k{key.size(), key.data()}, v{value.size(), value.data()};
    ASSERT_EQ(alder_put(t, 0, &k, &v, 0), ALDER_SUCCESS);
    ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  };
  for (int i = 0; i < 20; i++) put("k" + std::to_string(i), big);
  size_t count = 99;
  ASSERT_EQ(alder_env_readers(env_, nullptr, 0, &count), ALDER_SUCCESS);
  EXPECT_EQ(count, 0u);
  alder_txn* r = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &r), ALDER_SUCCESS);
  struct Seen {
    int calls = 0;
    uint64_t txnid = 0, pages = 0;
  } seen;
  ASSERT_EQ(alder_env_set_slow_reader(env_, 15, 0,
                                      [](const alder_reader_info* info, void* ctx) {
                                        auto* s = static_cast<Seen*>(ctx);
                                        s->calls++;
                                        s->txnid = info->txnid;
                                        s->pages = info->pages_held;
                                      },
                                      &seen),
            ALDER_SUCCESS);
  for (int i = 0; i < 20; i++) put("k" + std::to_string(i), big + "2");
  alder_reader_info infos[2];
  ASSERT_EQ(alder_env_readers(env_, infos, 2, &count), ALDER_SUCCESS);
  ASSERT_EQ(count, 1u);
  EXPECT_EQ(infos[0].pid, uint32_t(::getpid()));
  EXPECT_GE(infos[0].pages_held, 20u);
  EXPECT_GT(seen.calls, 0);
  EXPECT_EQ(seen.txnid, infos[0].txnid);
  EXPECT_GE(seen.pages, 15u);
  // Too small an array: the count still says how many there are.
  ASSERT_EQ(alder_env_readers(env_, infos, 0, &count), ALDER_SUCCESS);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(alder_env_readers(env_, nullptr, 1, &count), ALDER_INVALID);
  EXPECT_EQ(alder_env_readers(env_, infos, 1, nullptr), ALDER_INVALID);
  EXPECT_EQ(alder_env_readers(nullptr, infos, 1, &count), ALDER_INVALID);
  EXPECT_EQ(alder_env_set_slow_reader(nullptr, 1, 0, nullptr, nullptr), ALDER_INVALID);
  ASSERT_EQ(alder_env_set_slow_reader(env_, 0, 0, nullptr, nullptr), ALDER_SUCCESS);  // off
  alder_txn_abort(r);
}

TEST_F(CApi, TxnPutGetDelCommitAbort) {
  alder_txn* t = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  alder_dbi main_dbi = 12345;
  ASSERT_EQ(alder_dbi_open(t, nullptr, 0, &main_dbi), ALDER_SUCCESS);
  EXPECT_EQ(main_dbi, 0u);
  alder_dbi also_main = 12345;
  ASSERT_EQ(alder_dbi_open(t, "", 0, &also_main), ALDER_SUCCESS);
  EXPECT_EQ(also_main, 0u);
  alder_val k = V("hello"), v = V("world");
  ASSERT_EQ(alder_put(t, main_dbi, &k, &v, 0), ALDER_SUCCESS);
  alder_val out{};
  ASSERT_EQ(alder_get(t, main_dbi, &k, &out), ALDER_SUCCESS);
  EXPECT_EQ(S(out), "world");
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);

  // Aborted writes vanish.
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  alder_val k2 = V("temp");
  ASSERT_EQ(alder_put(t, 0, &k2, &v, 0), ALDER_SUCCESS);
  ASSERT_EQ(alder_del(t, 0, &k), ALDER_SUCCESS);
  alder_txn_abort(t);
  alder_txn_abort(nullptr);  // no-op

  alder_txn* r = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &r), ALDER_SUCCESS);
  EXPECT_EQ(alder_get(r, 0, &k2, &out), ALDER_NOTFOUND);
  ASSERT_EQ(alder_get(r, 0, &k, &out), ALDER_SUCCESS);
  EXPECT_EQ(S(out), "world");
  EXPECT_EQ(alder_put(r, 0, &k2, &v, 0), ALDER_READ_ONLY);
  EXPECT_EQ(alder_del(r, 0, &k), ALDER_READ_ONLY);
  ASSERT_EQ(alder_txn_commit(r), ALDER_SUCCESS);  // ends a read txn

  // Delete for real; a second delete is NOTFOUND.
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  EXPECT_EQ(alder_del(t, 0, &k), ALDER_SUCCESS);
  EXPECT_EQ(alder_del(t, 0, &k), ALDER_NOTFOUND);
  EXPECT_EQ(alder_get(t, 0, &k, &out), ALDER_NOTFOUND);
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &r), ALDER_SUCCESS);
  EXPECT_EQ(alder_get(r, 0, &k, &out), ALDER_NOTFOUND);
  alder_txn_abort(r);
}

TEST_F(CApi, BadInputCodes) {
  alder_txn* t = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  alder_val empty{0, ""}, v = V("v"), out{};
  EXPECT_EQ(alder_put(t, 0, &empty, &v, 0), ALDER_EMPTY_KEY);
  EXPECT_EQ(alder_get(t, 0, &empty, &out), ALDER_EMPTY_KEY);
  EXPECT_EQ(alder_del(t, 0, &empty), ALDER_EMPTY_KEY);
  std::string big(alder_env_max_key_size(env_) + 1, 'k');
  alder_val bigk = V(big);
  EXPECT_EQ(alder_put(t, 0, &bigk, &v, 0), ALDER_KEY_TOO_LARGE);
  static const char small[8] = {};
  alder_val hugev{static_cast<size_t>(alder::kMaxValueSize) + 1, small};
  alder_val k = V("k");
  EXPECT_EQ(alder_put(t, 0, &k, &hugev, 0), ALDER_VALUE_TOO_LARGE);
  alder_dbi d = 0;
  EXPECT_EQ(alder_dbi_open(t, "nope", 0, &d), ALDER_UNKNOWN_DB);
  EXPECT_EQ(alder_get(t, 4242, &k, &out), ALDER_BAD_DBI);
  alder_txn_abort(t);

  alder_txn* r = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &r), ALDER_SUCCESS);
  EXPECT_EQ(alder_dbi_open(r, "new", ALDER_CREATE, &d), ALDER_READ_ONLY);
  alder_txn_abort(r);

  alder_stat st;
  ASSERT_EQ(alder_env_stat(env_, &st), ALDER_SUCCESS);
  EXPECT_EQ(st.entries, 0u);
}

TEST_F(CApi, NamedDbCreateAndDrop) {
  alder_txn* t = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  alder_dbi d = 0;
  EXPECT_EQ(alder_dbi_open(t, "things", 0, &d), ALDER_UNKNOWN_DB);
  ASSERT_EQ(alder_dbi_open(t, "things", ALDER_CREATE, &d), ALDER_SUCCESS);
  EXPECT_NE(d, 0u);
  alder_val k = V("a"), v = V("1"), out{};
  ASSERT_EQ(alder_put(t, d, &k, &v, 0), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);

  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &t), ALDER_SUCCESS);
  alder_dbi d2 = 0;
  ASSERT_EQ(alder_dbi_open(t, "things", 0, &d2), ALDER_SUCCESS);
  ASSERT_EQ(alder_get(t, d2, &k, &out), ALDER_SUCCESS);
  EXPECT_EQ(S(out), "1");
  EXPECT_EQ(alder_get(t, 0, &k, &out), ALDER_NOTFOUND) << "named db data leaked into main";
  alder_txn_abort(t);

  // drop(del=0) empties, drop(del=1) deletes.
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  ASSERT_EQ(alder_dbi_open(t, "things", 0, &d2), ALDER_SUCCESS);
  ASSERT_EQ(alder_drop(t, d2, 0), ALDER_SUCCESS);
  EXPECT_EQ(alder_get(t, d2, &k, &out), ALDER_NOTFOUND);
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  ASSERT_EQ(alder_dbi_open(t, "things", 0, &d2), ALDER_SUCCESS);
  ASSERT_EQ(alder_drop(t, d2, 1), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &t), ALDER_SUCCESS);
  EXPECT_EQ(alder_dbi_open(t, "things", 0, &d2), ALDER_UNKNOWN_DB);
  alder_txn_abort(t);
}

TEST_F(CApi, NoOverwriteAndAppend) {
  put_all(0, {{"b", "1"}});
  alder_txn* t = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  alder_val k = V("b"), v = V("2"), out{};
  EXPECT_EQ(alder_put(t, 0, &k, &v, ALDER_NOOVERWRITE), ALDER_KEYEXIST);
  ASSERT_EQ(alder_get(t, 0, &k, &out), ALDER_SUCCESS);
  EXPECT_EQ(S(out), "1");
  alder_val kc = V("c");
  EXPECT_EQ(alder_put(t, 0, &kc, &v, ALDER_NOOVERWRITE), ALDER_SUCCESS);
  alder_val ka = V("a");
  EXPECT_EQ(alder_put(t, 0, &ka, &v, ALDER_APPEND), ALDER_APPEND_ORDER);
  alder_val kd = V("d");
  EXPECT_EQ(alder_put(t, 0, &kd, &v, ALDER_APPEND), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &t), ALDER_SUCCESS);
  ASSERT_EQ(alder_get(t, 0, &k, &out), ALDER_SUCCESS);
  EXPECT_EQ(S(out), "1");
  EXPECT_EQ(alder_get(t, 0, &ka, &out), ALDER_NOTFOUND);
  EXPECT_EQ(alder_get(t, 0, &kd, &out), ALDER_SUCCESS);
  alder_txn_abort(t);
}

TEST_F(CApi, CursorOperations) {
  alder_txn* t = nullptr;
  alder_cursor* c = nullptr;
  alder_val k{}, v{};
  // Empty db: every positioning op is NOTFOUND.
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &t), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_open(t, 0, &c), ALDER_SUCCESS);
  EXPECT_EQ(alder_cursor_get(c, &k, &v, ALDER_FIRST), ALDER_NOTFOUND);
  EXPECT_EQ(alder_cursor_get(c, &k, &v, ALDER_LAST), ALDER_NOTFOUND);
  k = V("m");
  EXPECT_EQ(alder_cursor_get(c, &k, &v, ALDER_SET_RANGE), ALDER_NOTFOUND);
  alder_cursor_close(c);
  alder_txn_abort(t);

  put_all(0, {{"b", "2"}, {"d", "4"}, {"f", "6"}, {"h", "8"}});
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &t), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_open(t, 0, &c), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_FIRST), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "b");
  EXPECT_EQ(S(v), "2");
  EXPECT_EQ(alder_cursor_get(c, &k, &v, ALDER_PREV), ALDER_NOTFOUND);
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_FIRST), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_NEXT), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "d");
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_GET_CURRENT), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "d");
  EXPECT_EQ(S(v), "4");
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_LAST), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "h");
  EXPECT_EQ(alder_cursor_get(c, &k, &v, ALDER_NEXT), ALDER_NOTFOUND);
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_LAST), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_PREV), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "f");
  EXPECT_EQ(S(v), "6");
  // SET_RANGE: first key >= "c" is "d"; the key is written back.
  k = V("c");
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_SET_RANGE), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "d");
  EXPECT_EQ(S(v), "4");
  k = V("f");
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_SET_RANGE), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "f");
  k = V("i");
  EXPECT_EQ(alder_cursor_get(c, &k, &v, ALDER_SET_RANGE), ALDER_NOTFOUND);
  // SET_KEY: exact only.
  k = V("h");
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_SET_KEY), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "h");
  EXPECT_EQ(S(v), "8");
  k = V("e");
  EXPECT_EQ(alder_cursor_get(c, &k, &v, ALDER_SET_KEY), ALDER_NOTFOUND);
  // Full walks.
  std::string fwd, bwd;
  for (int rc = alder_cursor_get(c, &k, &v, ALDER_FIRST); rc == ALDER_SUCCESS;
       rc = alder_cursor_get(c, &k, &v, ALDER_NEXT)) {
    fwd += S(k);
  }
  for (int rc = alder_cursor_get(c, &k, &v, ALDER_LAST); rc == ALDER_SUCCESS;
       rc = alder_cursor_get(c, &k, &v, ALDER_PREV)) {
    bwd += S(k);
  }
  EXPECT_EQ(fwd, "bdfh");
  EXPECT_EQ(bwd, "hfdb");
  // Writes through a read-only cursor are refused.
  alder_val nk = V("z"), nv = V("26");
  EXPECT_EQ(alder_cursor_put(c, &nk, &nv, 0), ALDER_READ_ONLY);
  alder_cursor_close(c);
  alder_txn_abort(t);
}

TEST_F(CApi, CursorPutAndDel) {
  put_all(0, {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  alder_txn* t = nullptr;
  alder_cursor* c = nullptr;
  alder_val k{}, v{};
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_open(t, 0, &c), ALDER_SUCCESS);
  k = V("b");
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_SET_KEY), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_del(c), ALDER_SUCCESS);
  // The cursor moved to the next entry.
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_GET_CURRENT), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "c");
  alder_val nk = V("bb"), nv = V("22");
  ASSERT_EQ(alder_cursor_put(c, &nk, &nv, 0), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_get(c, &k, &v, ALDER_GET_CURRENT), ALDER_SUCCESS);
  EXPECT_EQ(S(k), "bb");
  EXPECT_EQ(S(v), "22");
  nk = V("a");
  EXPECT_EQ(alder_cursor_put(c, &nk, &nv, ALDER_NOOVERWRITE), ALDER_KEYEXIST);
  alder_cursor_close(c);
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);

  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &t), ALDER_SUCCESS);
  ASSERT_EQ(alder_cursor_open(t, 0, &c), ALDER_SUCCESS);
  std::string all;
  for (int rc = alder_cursor_get(c, &k, &v, ALDER_FIRST); rc == ALDER_SUCCESS;
       rc = alder_cursor_get(c, &k, &v, ALDER_NEXT)) {
    all += S(k) + "=" + S(v) + ";";
  }
  EXPECT_EQ(all, "a=1;bb=22;c=3;");
  alder_cursor_close(c);
  alder_txn_abort(t);
}

TEST_F(CApi, EnvStatFigures) {
  alder_stat st0;
  ASSERT_EQ(alder_env_stat(env_, &st0), ALDER_SUCCESS);
  EXPECT_EQ(st0.page_size, 4096u);
  EXPECT_EQ(st0.entries, 0u);
  EXPECT_EQ(st0.depth, 0u);
  EXPECT_GE(st0.used_pages, 2u) << "two meta pages at least";
  EXPECT_GE(st0.file_size, 2u * 4096);

  std::vector<std::pair<std::string, std::string>> kv;
  for (int i = 0; i < 3000; ++i) {
    kv.emplace_back(alder_test::num_key(i), std::string(50, 'v'));
  }
  kv.emplace_back("zbig", std::string(100000, 'b'));
  put_all(0, kv);
  alder_stat st;
  ASSERT_EQ(alder_env_stat(env_, &st), ALDER_SUCCESS);
  EXPECT_EQ(st.entries, 3001u);
  EXPECT_GE(st.depth, 2u);
  EXPECT_GE(st.branch_pages, 1u);
  EXPECT_GE(st.leaf_pages, 3000u * 60 / 4096);
  EXPECT_GE(st.overflow_pages, 100000u / 4096);
  EXPECT_GT(st.last_txn_id, st0.last_txn_id);
  EXPECT_GE(st.used_pages, st.branch_pages + st.leaf_pages + st.overflow_pages + 2);
  EXPECT_GE(st.file_size, st.used_pages * st.page_size);

  // The C figures agree with the C++ ones... and with verify.
  uint64_t bad = 777;
  EXPECT_EQ(alder_env_verify(env_, &bad), ALDER_SUCCESS);
  EXPECT_EQ(alder_env_verify(env_, nullptr), ALDER_SUCCESS);

  // Another commit advances last_txn_id.
  put_all(0, {{"one-more", "x"}});
  alder_stat st2;
  ASSERT_EQ(alder_env_stat(env_, &st2), ALDER_SUCCESS);
  EXPECT_GT(st2.last_txn_id, st.last_txn_id);
  EXPECT_EQ(st2.entries, 3002u);
}

TEST_F(CApi, FinishedTxnIsNotReused) {
  // Commit frees the txn, so a finished txn cannot be touched from C; the
  // write lock must be free again afterwards, also after a failed commit.
  alder_txn* t = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  alder_txn_abort(t);
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  alder_txn_abort(t);
}

}  // namespace

TEST_F(CApi, CompactShrinksTheFileAndKeepsTheData) {
  const std::string big(3000, 'x');
  alder_txn* t = nullptr;
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  for (int i = 0; i < 2000; i++) {
    const std::string key = "k" + std::to_string(i);
    alder_val k{key.size(), key.data()}, v{big.size(), big.data()};
    ASSERT_EQ(alder_put(t, 0, &k, &v, 0), ALDER_SUCCESS);
  }
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  ASSERT_EQ(alder_txn_begin(env_, 0, &t), ALDER_SUCCESS);
  for (int i = 0; i < 2000; i++) {
    if (i % 10 == 0) continue;
    const std::string key = "k" + std::to_string(i);
    alder_val k{key.size(), key.data()};
    ASSERT_EQ(alder_del(t, 0, &k), ALDER_SUCCESS);
  }
  ASSERT_EQ(alder_txn_commit(t), ALDER_SUCCESS);
  alder_stat before{};
  ASSERT_EQ(alder_env_stat(env_, &before), ALDER_SUCCESS);
  uint64_t size = 0;
  ASSERT_EQ(alder_env_compact(env_, &size), ALDER_SUCCESS);
  EXPECT_LT(size * 4, before.file_size);
  ASSERT_EQ(alder_env_compact(env_, nullptr), ALDER_SUCCESS);
  EXPECT_EQ(alder_env_compact(nullptr, &size), ALDER_INVALID);
  ASSERT_EQ(alder_txn_begin(env_, ALDER_RDONLY, &t), ALDER_SUCCESS);
  for (int i = 0; i < 2000; i += 10) {
    const std::string key = "k" + std::to_string(i);
    alder_val k{key.size(), key.data()}, v{};
    ASSERT_EQ(alder_get(t, 0, &k, &v), ALDER_SUCCESS);
    EXPECT_EQ(std::string_view(static_cast<const char*>(v.data), v.size), big);
  }
  alder_txn_abort(t);
}
