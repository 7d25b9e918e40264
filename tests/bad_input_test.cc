// Bad input: one test per bad input. Each checks the ErrorCode and that the
// database is unchanged afterwards (same content, verify() ok, also after a
// reopen). Damaged files must give an error, never a crash.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <alder/alder.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using alder::Cursor;
using alder::DbFlags;
using alder::Env;
using alder::EnvOptions;
using alder::ErrorCode;
using alder::PutFlags;
using alder::Txn;
using alder_test::TempDir;

// A populated env (main db and one named db) and a snapshot of it.
class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.emplace(Env::open(dir_.file()));
    Txn w = env_->begin_write();
    named_ = w.open_db("named", DbFlags::create);
    for (int i = 0; i < 100; ++i) {
      w.put(alder_test::num_key(i * 2), "value" + std::to_string(i));
    }
    for (int i = 0; i < 10; ++i) {
      w.put(named_, alder_test::num_key(i), "named" + std::to_string(i));
    }
    w.commit();
    before_ = alder_test::dump_env(*env_);
  }

  // Content equal to the snapshot and verify() ok, before and after reopen.
  void ExpectUnchanged() {
    for (int pass = 0; pass < 2; ++pass) {
      SCOPED_TRACE(pass == 0 ? "before reopen" : "after reopen");
      if (pass == 1) {
        env_->close();
        env_.emplace(Env::open(dir_.file()));
      }
      auto now = alder_test::dump_env(*env_);
      ASSERT_EQ(now.size(), before_.size()) << "the set of dbs changed";
      for (auto& [name, d] : before_) {
        EXPECT_TRUE(now[name] == d)
            << "db '" << name << "': " << alder_test::describe_diff(now[name], d);
      }
      auto vr = env_->verify();
      EXPECT_TRUE(vr.ok()) << vr.error;
    }
  }

  // Runs a failing write in a fresh write txn, then tries to commit that
  // txn (whether the engine kept it usable or poisoned it, nothing may have
  // been written).
  template <class F>
  void BadWrite(ErrorCode code, F f) {
    Txn w = env_->begin_write();
    EXPECT_TRUE(alder_test::ThrowsAlder(code, [&] { f(w); }));
    try {
      w.commit();
    } catch (const alder::Error&) {
    }
  }

  TempDir dir_;
  std::optional<Env> env_;
  alder::Dbi named_ = 0;
  alder_test::EnvDump before_;
};

// ------------------------------------------------------------ keys

TEST_F(BadInput, EmptyKeyPut) {
  BadWrite(ErrorCode::empty_key, [&](Txn& w) { w.put("", "v"); });
  BadWrite(ErrorCode::empty_key, [&](Txn& w) { w.put(named_, "", "v"); });
  BadWrite(ErrorCode::empty_key,
           [&](Txn& w) { w.put(alder::kMainDbi, "", "v", PutFlags::no_overwrite); });
  BadWrite(ErrorCode::empty_key, [&](Txn& w) { w.cursor().put("", "v"); });
  ExpectUnchanged();
}

TEST_F(BadInput, EmptyKeyGet) {
  {
    Txn r = env_->begin_read();
    EXPECT_ALDER_ERROR(ErrorCode::empty_key, r.get(""));
    EXPECT_ALDER_ERROR(ErrorCode::empty_key, r.get(named_, ""));
  }
  {
    Txn w = env_->begin_write();
    EXPECT_ALDER_ERROR(ErrorCode::empty_key, w.get(""));
    w.abort();
  }
  ExpectUnchanged();
}

TEST_F(BadInput, EmptyKeyDel) {
  BadWrite(ErrorCode::empty_key, [&](Txn& w) { w.del(""); });
  BadWrite(ErrorCode::empty_key, [&](Txn& w) { w.del(named_, ""); });
  ExpectUnchanged();
}

TEST_F(BadInput, KeyTooLargePut) {
  const std::string k(env_->max_key_size() + 1, 'k');
  BadWrite(ErrorCode::key_too_large, [&](Txn& w) { w.put(k, "v"); });
  BadWrite(ErrorCode::key_too_large, [&](Txn& w) { w.put(named_, k, "v"); });
  BadWrite(ErrorCode::key_too_large, [&](Txn& w) { w.cursor().put(k, "v"); });
  const std::string huge(1 << 20, 'k');
  BadWrite(ErrorCode::key_too_large, [&](Txn& w) { w.put(huge, "v"); });
  ExpectUnchanged();
}

TEST_F(BadInput, KeyTooLargeDel) {
  const std::string k(env_->max_key_size() + 1, 'k');
  BadWrite(ErrorCode::key_too_large, [&](Txn& w) { w.del(k); });
  ExpectUnchanged();
}

TEST_F(BadInput, KeyTooLargeGetFindsNothing) {
  // No such key can exist: either key_too_large or "absent" is right.
  const std::string k(env_->max_key_size() + 1, 'k');
  Txn r = env_->begin_read();
  try {
    EXPECT_FALSE(r.get(k).has_value());
  } catch (const alder::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::key_too_large) << e.what();
  }
  r.abort();
  ExpectUnchanged();
}

// ------------------------------------------------------------ values

TEST_F(BadInput, ValueTooLarge) {
  // The engine must check the size before reading the bytes: these views
  // claim far more bytes than the buffer holds.
  static const char small[64] = {};
  const std::string_view just_over(small, static_cast<std::size_t>(alder::kMaxValueSize) + 1);
  const std::string_view absurd(small, std::size_t{1} << 62);
  BadWrite(ErrorCode::value_too_large, [&](Txn& w) { w.put("newkey", just_over); });
  BadWrite(ErrorCode::value_too_large, [&](Txn& w) { w.put(alder_test::num_key(0), just_over); });
  BadWrite(ErrorCode::value_too_large, [&](Txn& w) { w.put(named_, "newkey", absurd); });
  BadWrite(ErrorCode::value_too_large,
           [&](Txn& w) { w.put(alder::kMainDbi, "zzz", absurd, PutFlags::append); });
  BadWrite(ErrorCode::value_too_large, [&](Txn& w) { w.cursor().put("newkey", just_over); });
  ExpectUnchanged();
}

// ------------------------------------------------------------ read-only txn

TEST_F(BadInput, WriteInReadOnlyTxn) {
  {
    Txn r = env_->begin_read();
    ASSERT_TRUE(r.read_only());
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.put("newkey", "v"));
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.put(alder_test::num_key(0), "v"));
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.put(named_, "newkey", "v"));
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.del(alder_test::num_key(0)));
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.del(named_, alder_test::num_key(0)));
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.open_db("brand-new", DbFlags::create));
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.drop_db(named_));
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.clear_db(named_));
    EXPECT_ALDER_ERROR(ErrorCode::read_only, r.clear_db(alder::kMainDbi));
    Cursor c = r.cursor();
    EXPECT_ALDER_ERROR(ErrorCode::read_only, c.put("newkey", "v"));
    ASSERT_TRUE(c.first());
    EXPECT_ALDER_ERROR(ErrorCode::read_only, c.del());
    // The read txn is still usable and its commit just ends it.
    EXPECT_EQ(r.get(alder_test::num_key(0)), std::optional<std::string_view>("value0"));
    r.commit();
  }
  ExpectUnchanged();
}

// ------------------------------------------------------------ finished txn

void expect_all_calls_finished(Txn& t, alder::Dbi named) {
  using E = ErrorCode;
  EXPECT_ALDER_ERROR(E::txn_finished, t.get("k"));
  EXPECT_ALDER_ERROR(E::txn_finished, t.get(named, "k"));
  EXPECT_ALDER_ERROR(E::txn_finished, t.put("k", "v"));
  EXPECT_ALDER_ERROR(E::txn_finished, t.del(alder_test::num_key(0)));
  EXPECT_ALDER_ERROR(E::txn_finished, t.cursor());
  EXPECT_ALDER_ERROR(E::txn_finished, t.range(alder::kMainDbi, "", std::nullopt));
  EXPECT_ALDER_ERROR(E::txn_finished, t.prefix(alder::kMainDbi, "k"));
  EXPECT_ALDER_ERROR(E::txn_finished, t.open_db("named"));
  EXPECT_ALDER_ERROR(E::txn_finished, t.open_db("x", DbFlags::create));
  EXPECT_ALDER_ERROR(E::txn_finished, t.list_dbs());
  EXPECT_ALDER_ERROR(E::txn_finished, t.drop_db(named));
  EXPECT_ALDER_ERROR(E::txn_finished, t.clear_db(alder::kMainDbi));
  EXPECT_ALDER_ERROR(E::txn_finished, t.db_stat(alder::kMainDbi));
  EXPECT_ALDER_ERROR(E::txn_finished, t.commit());
  std::string_view ks[] = {"k"};
  EXPECT_ALDER_ERROR(E::txn_finished, t.get_many(alder::kMainDbi, ks));
  t.abort();  // never throws, also on a finished txn
}

// The header says every call but the destructor throws txn_finished after
// commit/abort; that includes the accessors.
TEST_F(BadInput, AccessorsOfFinishedTxn) {
  Txn w = env_->begin_write();
  w.commit();
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, w.id());
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, w.read_only());
  Txn r = env_->begin_read();
  r.abort();
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, r.id());
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, r.read_only());
  ExpectUnchanged();
}

TEST_F(BadInput, UseOfCommittedWriteTxn) {
  Txn w = env_->begin_write();
  w.commit();
  expect_all_calls_finished(w, named_);
  ExpectUnchanged();
}

TEST_F(BadInput, UseOfAbortedWriteTxn) {
  Txn w = env_->begin_write();
  w.put("k", "v");
  w.abort();
  expect_all_calls_finished(w, named_);
  ExpectUnchanged();
}

TEST_F(BadInput, UseOfFinishedReadTxn) {
  Txn r = env_->begin_read();
  r.commit();
  expect_all_calls_finished(r, named_);
  Txn r2 = env_->begin_read();
  r2.abort();
  expect_all_calls_finished(r2, named_);
  ExpectUnchanged();
}

// ------------------------------------------------------------ closed env

TEST_F(BadInput, UseOfClosedEnv) {
  env_->close();
  EXPECT_ALDER_ERROR(ErrorCode::env_closed, env_->begin_read());
  EXPECT_ALDER_ERROR(ErrorCode::env_closed, env_->begin_write());
  EXPECT_ALDER_ERROR(ErrorCode::env_closed, env_->try_begin_write());
  EXPECT_ALDER_ERROR(ErrorCode::env_closed, env_->stat());
  EXPECT_ALDER_ERROR(ErrorCode::env_closed, env_->verify());
  EXPECT_ALDER_ERROR(ErrorCode::env_closed, env_->sync());
  EXPECT_NO_THROW(env_->close());  // idempotent
  env_.emplace(Env::open(dir_.file()));
  ExpectUnchanged();
}

TEST_F(BadInput, CloseWithLiveTxnIsBusy) {
  {
    Txn r = env_->begin_read();
    EXPECT_ALDER_ERROR(ErrorCode::busy, env_->close());
    // Still open and usable.
    EXPECT_EQ(r.get(alder_test::num_key(2)), std::optional<std::string_view>("value1"));
  }
  {
    Txn w = env_->begin_write();
    w.put("pending", "x");
    EXPECT_ALDER_ERROR(ErrorCode::busy, env_->close());
    w.abort();
  }
  ExpectUnchanged();
}

// ------------------------------------------------------------ dbs

TEST_F(BadInput, UnknownDb) {
  {
    Txn r = env_->begin_read();
    EXPECT_ALDER_ERROR(ErrorCode::unknown_db, r.open_db("nope"));
    EXPECT_ALDER_ERROR(ErrorCode::unknown_db, r.open_db("Named"));  // case matters
  }
  BadWrite(ErrorCode::unknown_db, [&](Txn& w) { w.open_db("nope"); });
  {
    Txn r = env_->begin_read();
    EXPECT_EQ(r.list_dbs(), std::vector<std::string>{"named"});
  }
  ExpectUnchanged();
}

TEST_F(BadInput, DbNameTooLong) {
  BadWrite(ErrorCode::invalid_argument,
           [&](Txn& w) { w.open_db(std::string(512, 'n'), DbFlags::create); });
  ExpectUnchanged();
}

TEST_F(BadInput, BadDbiHandle) {
  const alder::Dbi bogus = 987654;
  {
    Txn r = env_->begin_read();
    EXPECT_ALDER_ERROR(ErrorCode::bad_dbi, r.get(bogus, "k"));
    EXPECT_ALDER_ERROR(ErrorCode::bad_dbi, r.cursor(bogus));
  }
  BadWrite(ErrorCode::bad_dbi, [&](Txn& w) { w.put(bogus, "k", "v"); });
  BadWrite(ErrorCode::bad_dbi, [&](Txn& w) { w.del(bogus, "k"); });
  ExpectUnchanged();
}

TEST(BadInputLimits, TooManyNamedDbs) {
  TempDir dir;
  EnvOptions o;
  o.max_dbs = 3;
  Env env = Env::open(dir.file(), o);
  {
    Txn w = env.begin_write();
    for (int i = 0; i < 3; ++i) w.open_db("db" + std::to_string(i), DbFlags::create);
    w.put("k", "v");
    w.commit();
  }
  {
    Txn w = env.begin_write();
    EXPECT_ALDER_ERROR(ErrorCode::dbs_full, w.open_db("db3", DbFlags::create));
    try {
      w.commit();
    } catch (const alder::Error&) {
    }
  }
  env.close();
  Env again = Env::open(dir.file(), o);
  Txn r = again.begin_read();
  EXPECT_EQ(r.list_dbs(), (std::vector<std::string>{"db0", "db1", "db2"}));
  EXPECT_EQ(r.get("k"), std::optional<std::string_view>("v"));
  r.abort();
  auto vr = again.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

TEST(BadInputLimits, MapFullLeavesTheLastCommitIntact) {
  TempDir dir;
  EnvOptions o;
  o.max_size = 1 << 20;  // 1 MiB
  Env env = Env::open(dir.file(), o);
  {
    Txn w = env.begin_write();
    for (int i = 0; i < 100; ++i) w.put(alder_test::num_key(i), std::string(100, 'a'));
    w.commit();
  }
  alder_test::EnvDump before = alder_test::dump_env(env);
  {
    // 3 MiB in one txn cannot fit in 1 MiB: some put or the commit fails.
    Txn w = env.begin_write();
    EXPECT_ALDER_ERROR(ErrorCode::map_full, {
      for (int i = 0; i < 3000; ++i) {
        w.put(alder_test::num_key(1000 + i), std::string(1000, 'b'));
      }
      w.commit();
    });
  }
  EXPECT_TRUE(alder_test::dump_env(env) == before);
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
  EXPECT_LE(env.stat().file_size, std::uint64_t{1} << 20);
  // Still usable for a txn that fits.
  {
    Txn w = env.begin_write();
    w.put("small", "fits");
    w.commit();
  }
  env.close();
  Env again = Env::open(dir.file(), o);
  Txn r = again.begin_read();
  EXPECT_EQ(r.get("small"), std::optional<std::string_view>("fits"));
  EXPECT_EQ(r.db_stat(alder::kMainDbi).entries, 101u);
}

// ------------------------------------------------------------ writer lock

TEST_F(BadInput, TryBeginWriteBusy) {
  Txn w = env_->begin_write();
  auto second = env_->try_begin_write();
  EXPECT_FALSE(second.has_value());
  w.abort();
  ExpectUnchanged();
}

// ------------------------------------------------------------ put flags

TEST_F(BadInput, PutNoOverwriteReturnsFalse) {
  {
    Txn w = env_->begin_write();
    EXPECT_FALSE(w.put(alder::kMainDbi, alder_test::num_key(0), "other", PutFlags::no_overwrite));
    EXPECT_FALSE(w.put(named_, alder_test::num_key(3), "other", PutFlags::no_overwrite));
    EXPECT_EQ(w.get(alder_test::num_key(0)), std::optional<std::string_view>("value0"));
    Cursor c = w.cursor();
    EXPECT_FALSE(c.put(alder_test::num_key(2), "other", PutFlags::no_overwrite));
    EXPECT_EQ(w.get(alder_test::num_key(2)), std::optional<std::string_view>("value1"));
    w.commit();
  }
  ExpectUnchanged();
}

TEST_F(BadInput, AppendOutOfOrder) {
  const std::string last = alder_test::num_key(198);
  BadWrite(ErrorCode::append_order,
           [&](Txn& w) { w.put(alder::kMainDbi, alder_test::num_key(0), "v", PutFlags::append); });
  BadWrite(ErrorCode::append_order,
           [&](Txn& w) { w.put(alder::kMainDbi, last, "v", PutFlags::append); });  // equal
  BadWrite(ErrorCode::append_order, [&](Txn& w) {
    w.put(alder::kMainDbi, alder_test::num_key(101), "v", PutFlags::append);
  });
  BadWrite(ErrorCode::append_order,
           [&](Txn& w) { w.put(named_, alder_test::num_key(5), "v", PutFlags::append); });
  ExpectUnchanged();
  // In order it works, also in the same txn after a good append.
  Txn w = env_->begin_write();
  EXPECT_TRUE(w.put(alder::kMainDbi, last + "a", "v", PutFlags::append));
  EXPECT_ALDER_ERROR(ErrorCode::append_order,
                     w.put(alder::kMainDbi, last + "0", "v", PutFlags::append));
}

// no_overwrite wins over append: an existing key is kept (put returns
// false, as LMDB's MDB_NOOVERWRITE | MDB_APPEND gives MDB_KEYEXIST), a new
// key out of order is still refused.
TEST_F(BadInput, AppendWithNoOverwriteKeepsAnExistingKey) {
  Txn w = env_->begin_write();
  const std::string mid = alder_test::num_key(100), last = alder_test::num_key(198);
  EXPECT_FALSE(w.put(alder::kMainDbi, mid, "new", PutFlags::append | PutFlags::no_overwrite));
  EXPECT_FALSE(w.put(alder::kMainDbi, last, "new", PutFlags::append | PutFlags::no_overwrite));
  EXPECT_NE(w.get(mid), std::optional<std::string_view>("new"));
  EXPECT_ALDER_ERROR(ErrorCode::append_order,
                     w.put(alder::kMainDbi, mid + "a", "v", PutFlags::append | PutFlags::no_overwrite));
  EXPECT_TRUE(w.put(alder::kMainDbi, last + "a", "v", PutFlags::append | PutFlags::no_overwrite));
}

// ------------------------------------------------------------ opening

class BadFile : public ::testing::Test {
 protected:
  // A real alder file with data; returns its used size in bytes.
  std::uint64_t make_db(const std::string& path, int n = 2000) {
    Env env = Env::open(path);
    Txn w = env.begin_write();
    for (int i = 0; i < n; ++i) {
      w.put(alder_test::num_key(i), alder_test::pattern_value(i, 0, 100));
    }
    w.commit();
    auto st = env.stat();
    return st.used_pages * st.page_size;
  }
  TempDir dir_;
};

TEST_F(BadFile, ForeignFile) {
  std::mt19937_64 rng(3);
  const std::string bytes = alder_test::random_bytes(rng, 16384);
  alder_test::write_file_bytes(dir_.file(), bytes);
  EXPECT_ALDER_ERROR(ErrorCode::not_alder_file, Env::open(dir_.file()));
  EXPECT_TRUE(alder_test::read_file_bytes(dir_.file()) == bytes)
      << "a failed open modified a foreign file";
}

TEST_F(BadFile, ForeignTextFile) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "this is not a database, line " + std::to_string(i) + "\n";
  alder_test::write_file_bytes(dir_.file(), text);
  EXPECT_ALDER_ERROR(ErrorCode::not_alder_file, Env::open(dir_.file()));
  EXPECT_TRUE(alder_test::read_file_bytes(dir_.file()) == text);
}

TEST_F(BadFile, EmptyFile) {
  alder_test::write_file_bytes(dir_.file(), "");
  EXPECT_ALDER_ERROR(ErrorCode::not_alder_file, Env::open(dir_.file()));
  EXPECT_EQ(alder_test::file_size_of(dir_.file()), 0u) << "the empty file was written to";
}

TEST_F(BadFile, TruncatedTo100Bytes) {
  make_db(dir_.file());
  ASSERT_EQ(::truncate(dir_.file().c_str(), 100), 0);
  const std::string before = alder_test::read_file_bytes(dir_.file());
  EXPECT_ALDER_ERROR(ErrorCode::not_alder_file, Env::open(dir_.file()));
  EXPECT_TRUE(alder_test::read_file_bytes(dir_.file()) == before);
}

TEST_F(BadFile, TruncatedToHalf) {
  const std::uint64_t used = make_db(dir_.file());
  ASSERT_GT(used, 8u * 4096);
  ASSERT_EQ(::truncate(dir_.file().c_str(), static_cast<off_t>(used / 2)), 0);
  const std::string path = dir_.file();
  const std::string before = alder_test::read_file_bytes(path);
  // In a child process: a SIGBUS from reading past the end of the file must
  // fail this test, not kill the test binary.
  std::string problems = alder_test::run_in_child([&](const auto& report) {
    try {
      Env env = Env::open(path);
      auto vr = env.verify();
      auto st = env.stat();
      report("FAIL open of a file truncated to half succeeded (last_txn_id " +
             std::to_string(st.last_txn_id) + ", " + std::to_string(st.main.entries) +
             " entries of 2000); verify says " + (vr.ok() ? std::string("ok") : vr.error));
    } catch (const alder::Error& e) {
      if (e.code() != ErrorCode::not_alder_file && e.code() != ErrorCode::corrupted) {
        report(std::string("FAIL open threw ") + alder::error_name(e.code()) + ": " + e.what());
      }
    }
  });
  EXPECT_EQ(problems, "");
  const std::string after = alder_test::read_file_bytes(path);
  EXPECT_TRUE(after == before) << "a failed open changed the damaged file: " << before.size()
                               << " bytes before, " << after.size() << " after";
}

TEST_F(BadFile, MissingFileWithoutCreate) {
  EnvOptions o;
  o.create = false;
  EXPECT_ALDER_ERROR(ErrorCode::io_error, Env::open(dir_.file("missing.alder"), o));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("missing.alder")));
}

TEST_F(BadFile, PathIsADirectory) {
  EXPECT_ALDER_ERROR(ErrorCode::io_error, Env::open(dir_.path()));
  EXPECT_TRUE(std::filesystem::is_directory(dir_.path()));
}

TEST_F(BadFile, ParentDirectoryMissing) {
  const std::string path = dir_.file("no/such/dir/db.alder");
  EXPECT_ALDER_ERROR(ErrorCode::io_error, Env::open(path));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("no")));
}

TEST_F(BadFile, BadPageSizeOption) {
  for (std::uint32_t ps : {3000u, 256u, 131072u, 0u, 1u, 4097u}) {
    SCOPED_TRACE("page_size " + std::to_string(ps));
    EnvOptions o;
    o.page_size = ps;
    const std::string path = dir_.file("ps" + std::to_string(ps));
    EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, Env::open(path, o));
    EXPECT_FALSE(std::filesystem::exists(path)) << "a file was created anyway";
  }
}

// The meta page layout (src/txn/meta.h): magic u64 at 0, format version u32
// at 8, ..., checksum u64 at 264 = xxHash3 (seed 0) of bytes [0, 264).
constexpr std::size_t kMetaVersionOffset = 8;
constexpr std::size_t kMetaChecksumOffset = 264;

void patch_meta_version(const std::string& path, std::uint64_t meta_offset, std::uint32_t version) {
  std::string meta = alder_test::read_at(path, meta_offset, kMetaChecksumOffset);
  ASSERT_EQ(meta.size(), kMetaChecksumOffset);
  std::memcpy(&meta[kMetaVersionOffset], &version, 4);
  std::uint64_t sum = XXH3_64bits_withSeed(meta.data(), meta.size(), 0);
  std::string sum_bytes(8, '\0');
  std::memcpy(sum_bytes.data(), &sum, 8);
  alder_test::patch_file(path, meta_offset, meta);
  alder_test::patch_file(path, meta_offset + kMetaChecksumOffset, sum_bytes);
}

TEST_F(BadFile, UnknownFormatVersion) {
  make_db(dir_.file(), 100);
  {
    // Sanity check of the layout assumption: both slots hold the magic
    // "ALDERDB\0" and version 1.
    std::string m0 = alder_test::read_at(dir_.file(), 0, 12);
    std::string m1 = alder_test::read_at(dir_.file(), 4096, 12);
    ASSERT_EQ(m0.substr(0, 8), std::string("ALDERDB\0", 8));
    ASSERT_EQ(m1.substr(0, 8), std::string("ALDERDB\0", 8));
  }
  patch_meta_version(dir_.file(), 0, 99);
  patch_meta_version(dir_.file(), 4096, 99);
  const std::string before = alder_test::read_file_bytes(dir_.file());
  EXPECT_ALDER_ERROR(ErrorCode::version_mismatch, Env::open(dir_.file()));
  EXPECT_TRUE(alder_test::read_file_bytes(dir_.file()) == before);
}

TEST_F(BadFile, BothMetaPagesDamaged) {
  make_db(dir_.file(), 100);
  // Flip bytes inside both metas (after magic and version) so their
  // checksums fail.
  for (std::uint64_t off : {std::uint64_t{0}, std::uint64_t{4096}}) {
    std::string b = alder_test::read_at(dir_.file(), off + 40, 32);
    for (auto& c : b) c = static_cast<char>(~c);
    alder_test::patch_file(dir_.file(), off + 40, b);
  }
  const std::string before = alder_test::read_file_bytes(dir_.file());
  EXPECT_TRUE(alder_test::ThrowsAlderOneOf({ErrorCode::corrupted, ErrorCode::not_alder_file},
                                           [&] { Env::open(dir_.file()); }));
  EXPECT_TRUE(alder_test::read_file_bytes(dir_.file()) == before)
      << "a failed open changed the damaged file";
}

TEST_F(BadFile, OneMetaPageDamagedFallsBackToTheOther) {
  // Two commits: state A, then state B. Damaging either meta slot must give
  // A or B, consistent and verified.
  alder_test::Dump state_a, state_b;
  {
    Env env = Env::open(dir_.file());
    Txn w = env.begin_write();
    for (int i = 0; i < 500; ++i) w.put(alder_test::num_key(i), "a" + std::to_string(i));
    w.commit();
    Txn r = env.begin_read();
    state_a = alder_test::dump_forward(r);
    r.abort();
    Txn w2 = env.begin_write();
    for (int i = 0; i < 500; i += 3) w2.put(alder_test::num_key(i), "b" + std::to_string(i));
    w2.commit();
    Txn r2 = env.begin_read();
    state_b = alder_test::dump_forward(r2);
  }
  const std::string pristine = alder_test::read_file_bytes(dir_.file());
  for (std::uint64_t slot : {0, 1}) {
    SCOPED_TRACE("damaged slot " + std::to_string(slot));
    alder_test::write_file_bytes(dir_.file(), pristine);
    std::string b = alder_test::read_at(dir_.file(), slot * 4096 + 40, 32);
    for (auto& c : b) c = static_cast<char>(~c);
    alder_test::patch_file(dir_.file(), slot * 4096 + 40, b);
    try {
      Env env = Env::open(dir_.file());
      auto vr = env.verify();
      EXPECT_TRUE(vr.ok()) << vr.error;
      Txn r = env.begin_read();
      auto got = alder_test::dump_forward(r);
      EXPECT_TRUE(got == state_a || got == state_b) << "neither the last nor the previous commit";
    } catch (const alder::Error& e) {
      ADD_FAILURE() << "open with one good meta failed: " << alder::error_name(e.code()) << ": "
                    << e.what();
    }
  }
}

// Builds a file with two commits (a bulk load, then one small change), and
// returns both states.
struct TwoCommitDb {
  alder_test::Dump state_a, state_b;
  std::uint64_t used_pages = 0;
  std::uint32_t page_size = 0;
};

TwoCommitDb make_two_commit_db(const std::string& path) {
  TwoCommitDb out;
  Env env = Env::open(path);
  {
    Txn w = env.begin_write();
    for (int i = 0; i < 5000; ++i) {
      w.put(alder_test::num_key(i), alder_test::pattern_value(i, 0, 100));
    }
    w.put("zz-big", alder_test::pattern_value(99999, 0, 30000));
    w.commit();
  }
  {
    Txn r = env.begin_read();
    out.state_a = alder_test::dump_forward(r);
  }
  {
    Txn w = env.begin_write();
    w.put("zz-marker", "b");
    w.commit();
  }
  {
    Txn r = env.begin_read();
    out.state_b = alder_test::dump_forward(r);
  }
  auto st = env.stat();
  out.used_pages = st.used_pages;
  out.page_size = st.page_size;
  return out;
}

// What happened when opening a damaged file.
enum class Outcome { open_refused, verify_failed, intact, wrong_data };

Outcome check_damaged(const std::string& path, const TwoCommitDb& db, std::uint64_t* bad_page,
                      std::string* detail) {
  try {
    Env env = Env::open(path);
    auto vr = env.verify();
    if (!vr.ok()) {
      *bad_page = vr.bad_page;
      *detail = vr.error + " (" + vr.bad_page_kind + ")";
      return Outcome::verify_failed;
    }
    // verify() found nothing: then reading must give a committed state.
    Txn r = env.begin_read();
    auto got = alder_test::dump_forward(r);
    if (got == db.state_b || got == db.state_a) return Outcome::intact;
    *detail = alder_test::describe_diff(got, db.state_b);
    return Outcome::wrong_data;
  } catch (const alder::Error& e) {
    *detail = std::string(alder::error_name(e.code())) + ": " + e.what();
    if (e.code() == ErrorCode::corrupted || e.code() == ErrorCode::not_alder_file) {
      return Outcome::open_refused;
    }
    return Outcome::wrong_data;  // some other error: counts as a problem
  }
}

TEST_F(BadFile, CorruptedDataPageInTheMiddle) {
  const std::string path = dir_.file();
  TwoCommitDb db = make_two_commit_db(path);
  ASSERT_GT(db.used_pages, 20u);
  const std::uint64_t page = db.used_pages / 2;
  std::string b = alder_test::read_at(path, page * db.page_size + db.page_size / 2, 64);
  for (auto& c : b) c = static_cast<char>(c ^ 0x5a);
  alder_test::patch_file(path, page * db.page_size + db.page_size / 2, b);
  std::string problems = alder_test::run_in_child([&](const auto& report) {
    std::uint64_t bad = 0;
    std::string detail;
    Outcome o = check_damaged(path, db, &bad, &detail);
    if (o == Outcome::verify_failed && bad != page) {
      report("FAIL verify blamed page " + std::to_string(bad) + ", the damaged page is " +
             std::to_string(page) + ": " + detail);
    }
    if (o == Outcome::intact) {
      report("FAIL damage to page " + std::to_string(page) + " went unnoticed by open and verify");
    }
    if (o == Outcome::wrong_data) {
      report("FAIL page " + std::to_string(page) + ": " + detail);
    }
  });
  EXPECT_EQ(problems, "");
}

// Damages each used page in turn. Allowed: open refuses (corrupted), verify
// reports it, or (for a page not reachable from the latest commit) every
// read still gives a committed state. Never a crash, never wrong data.
TEST_F(BadFile, CorruptionSweepNeverCrashesOrLies) {
  const std::string path = dir_.file();
  TwoCommitDb db = make_two_commit_db(path);
  const std::uint64_t used_bytes = db.used_pages * db.page_size;
  const std::uint64_t full_size = alder_test::file_size_of(path);
  const std::string pristine = alder_test::read_at(path, 0, used_bytes);
  ASSERT_EQ(pristine.size(), used_bytes);
  std::string problems = alder_test::run_in_child([&](const auto& report) {
    std::uint64_t detected = 0, intact = 0;
    for (std::uint64_t p = 2; p < db.used_pages; ++p) {
      report("page " + std::to_string(p));  // progress note for a crash
      alder_test::patch_file(path, 0, pristine);
      if (::truncate(path.c_str(), static_cast<off_t>(full_size)) != 0) {
        report("FAIL truncate");
        return;
      }
      // Damage bytes at a spot that varies from page to page.
      std::uint64_t off = p * db.page_size + 16 + (p * 131) % (db.page_size - 48);
      std::string b = alder_test::read_at(path, off, 32);
      for (auto& c : b) c = static_cast<char>(~c);
      alder_test::patch_file(path, off, b);
      std::uint64_t bad = 0;
      std::string detail;
      switch (check_damaged(path, db, &bad, &detail)) {
        case Outcome::open_refused:
        case Outcome::verify_failed:
          ++detected;
          break;
        case Outcome::intact:
          ++intact;
          break;
        case Outcome::wrong_data:
          report("FAIL page " + std::to_string(p) + ": " + detail);
          break;
      }
    }
    report("INFO corruption sweep over pages 2.." + std::to_string(db.used_pages - 1) +
           ": detected " + std::to_string(detected) + ", unreachable (data intact) " +
           std::to_string(intact));
    if (detected < (db.used_pages - 2) * 3 / 4) {
      report("FAIL only " + std::to_string(detected) + " of " + std::to_string(db.used_pages - 2) +
             " damaged pages were detected");
    }
  });
  EXPECT_EQ(problems, "");
}

}  // namespace
