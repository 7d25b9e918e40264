// A write that fails midway (here: the file reaching max_size during a split)
// leaves the txn unusable (bad_txn) and the database as it was.
#include <gtest/gtest.h>

#include "alder/alder.hpp"
#include "test_util.h"

namespace {

using alder::Env;
using alder::ErrorCode;

TEST(TxnFailure, MapFullMidwayBreaksTheTxnAndKeepsTheDatabase) {
  alder_test::TempDir dir;
  alder::EnvOptions o;
  o.max_size = 64 * 4096;  // 64 pages
  {
    Env env = Env::open(dir.file(), o);
    alder::Txn w = env.begin_write();
    w.put("before", "1");
    w.commit();
  }
  Env env = Env::open(dir.file(), o);
  alder::Txn w = env.begin_write();
  bool full = false;
  for (int i = 0; i < 100000 && !full; i++) {
    try {
      w.put(alder_test::num_key(uint64_t(i)), std::string(200, 'x'));
    } catch (const alder::Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::map_full) << e.what();
      full = true;
    }
  }
  ASSERT_TRUE(full);
  EXPECT_TRUE(alder_test::ThrowsAlder(ErrorCode::bad_txn, [&] { w.put("after", "2"); }));
  EXPECT_TRUE(alder_test::ThrowsAlder(ErrorCode::bad_txn, [&] { w.get("before"); }));
  EXPECT_TRUE(alder_test::ThrowsAlder(ErrorCode::bad_txn, [&] { w.commit(); }));
  EXPECT_TRUE(alder_test::ThrowsAlder(ErrorCode::txn_finished, [&] { w.put("x", "y"); }));

  alder::Txn r = env.begin_read();
  EXPECT_EQ(r.get("before").value_or("<missing>"), "1");
  EXPECT_FALSE(r.get(alder_test::num_key(0)).has_value());
  r.abort();
  EXPECT_TRUE(env.verify().ok());
  // The env is still usable for a write that fits.
  alder::Txn w2 = env.begin_write();
  w2.put("after", "2");
  w2.commit();
  EXPECT_EQ(env.begin_read().get("after").value_or(""), "2");
}

TEST(TxnFailure, RejectedInputLeavesTheTxnUsable) {
  alder_test::TempDir dir;
  Env env = Env::open(dir.file());
  alder::Txn w = env.begin_write();
  w.put("b", "1");
  EXPECT_TRUE(alder_test::ThrowsAlder(ErrorCode::empty_key, [&] { w.put("", "x"); }));
  EXPECT_TRUE(alder_test::ThrowsAlder(ErrorCode::append_order, [&] {
    w.put(alder::kMainDbi, "a", "x", alder::PutFlags::append);
  }));
  w.put("c", "2");
  w.commit();
  alder::Txn r = env.begin_read();
  EXPECT_EQ(r.get("b").value_or(""), "1");
  EXPECT_EQ(r.get("c").value_or(""), "2");
  EXPECT_FALSE(r.get("a").has_value());
}

TEST(FailedOpen, LeavesTheFileAsItWas) {
  // A cut file is refused; refusing it must not write to it.
  alder_test::TempDir dir;
  {
    Env env = Env::open(dir.file());
    alder::Txn w = env.begin_write();
    for (int i = 0; i < 2000; i++) w.put(alder_test::num_key(uint64_t(i)), std::string(100, 'v'));
    w.commit();
  }
  std::error_code ec;
  const auto full = std::filesystem::file_size(dir.file());
  std::filesystem::resize_file(dir.file(), full / 2, ec);
  ASSERT_FALSE(ec);
  EXPECT_ANY_THROW(Env::open(dir.file()));
  EXPECT_EQ(std::filesystem::file_size(dir.file()), full / 2);
}

}  // namespace
