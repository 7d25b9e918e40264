// Txn::write_room(): a put that fits in the room it reports does no file
// I/O (no early write of dirty pages, no growth of the file), which is
// what lets the Erlang binding run such puts on a normal scheduler.
#include <random>
#include <string>

#include <alder/path_store.hpp>

#include "env/testing.h"
#include "io/fault.h"
#include "test_util.h"

namespace {

using alder::io::IoOp;
using alder::io::IoVerdict;

/// Counts the page writes and file growths the env makes.
class IoCounter : public alder::io::FaultHook {
 public:
  IoVerdict before(IoOp op, int, uint64_t) override {
    if (op == IoOp::write || op == IoOp::grow) ++io;
    return IoVerdict::perform();
  }
  uint64_t io = 0;
};

TEST(WriteRoom, APutThatFitsDoesNoFileIo) {
  alder_test::TempDir dir;
  alder::EnvOptions o;
  o.durability = alder::Durability::no_sync;
  o.spill_bytes = 256 << 10;  // small: the room runs out within a txn
  IoCounter hook;
  alder::Env env = alder::detail::EnvAccess::open_with_hook(dir.file("db"), o, &hook);
  const uint64_t ps = env.page_size();
  std::mt19937_64 rng(3);
  uint64_t fitted = 0, did_io = 0;
  for (int t = 0; t < 20; t++) {
    alder::Txn txn = env.begin_write();
    for (int i = 0; i < 200; i++) {
      const size_t len = rng() % 3 == 0 ? 4000 + rng() % 20000 : 10 + rng() % 300;
      const std::string key = alder_test::num_key(rng() % 5000, 8), value(len, 'v');
      const uint64_t room = txn.write_room();
      // The value's overflow run plus two pages per tree level (copies and
      // splits; 5,000 keys make a tree of 3 levels at most).
      const uint64_t need = (len + ps - 1) / ps * ps + 2 * 4 * ps;
      const uint64_t before = hook.io;
      txn.put(key, value);
      if (room >= need) {
        EXPECT_EQ(hook.io, before) << "txn " << t << " put " << i << ": room " << room
                                   << " bytes, value " << len << " bytes";
        fitted++;
      } else if (hook.io != before) {
        did_io++;
      }
    }
    txn.commit();
  }
  // Both sides were exercised: puts within the room, and puts past it
  // that spilled or grew the file.
  EXPECT_GT(fitted, 2000u);
  EXPECT_GT(did_io, 0u);
}

// A del of a missing key as a txn's first change of the tree copies no
// page (Tree::del locates first); once the txn has changed the tree, a del
// descends once, copying the pages on its path.
TEST(WriteRoom, AMissingKeysDelCopiesNothingUntilTheTreeChanged) {
  alder_test::TempDir dir;
  alder::Env env = alder::Env::open(dir.file("db"), alder_test::fast_options());
  {
    alder::Txn w = env.begin_write();
    for (int i = 0; i < 5000; i++) w.put(alder_test::num_key(i), std::string(100, 'v'));
    w.commit();
  }
  alder::Txn w = env.begin_write();
  const uint64_t room = w.write_room();
  EXPECT_FALSE(w.del("missing"));
  EXPECT_EQ(w.write_room(), room) << "a missing key's del copied pages";
  EXPECT_TRUE(w.del(alder_test::num_key(10)));
  const uint64_t after_first = w.write_room();
  EXPECT_LT(after_first, room);
  EXPECT_FALSE(w.del(alder_test::num_key(10)));  // gone now: one descent, nothing to remove
  EXPECT_TRUE(w.del(alder_test::num_key(4990)));
  w.commit();
  alder::Txn r = env.begin_read();
  EXPECT_FALSE(r.get(alder_test::num_key(10)).has_value());
  EXPECT_FALSE(r.get(alder_test::num_key(4990)).has_value());
  EXPECT_TRUE(r.get(alder_test::num_key(11)).has_value());
  EXPECT_TRUE(env.verify().ok());
}

TEST(WriteRoom, ReadTxnsHaveNoneAndFinishedTxnsThrow) {
  alder_test::TempDir dir;
  alder::Env env = alder::Env::open(dir.file("db"));
  alder::Txn w = env.begin_write();
  // A new file is exactly as long as its pages: the first put grows it.
  EXPECT_EQ(w.write_room(), 0u);
  w.put("a", "b");
  const uint64_t room = w.write_room();
  EXPECT_GT(room, 0u);
  w.put("k", std::string(10000, 'x'));
  EXPECT_LT(w.write_room(), room);  // the value's run is dirty now
  w.commit();
  EXPECT_THROW(
      {
        try {
          (void)w.write_room();
        } catch (const alder::Error& e) {
          EXPECT_EQ(e.code(), alder::ErrorCode::txn_finished);
          throw;
        }
      },
      alder::Error);
  alder::Txn r = env.begin_read();
  EXPECT_EQ(r.write_room(), 0u);
}

// PathStore::Batch::write_fits(): a store write it admits does no file
// I/O, and it does not admit every write (the file has to grow).
TEST(WriteRoom, BatchWriteFitsMeansNoFileIo) {
  alder_test::TempDir dir;
  alder::EnvOptions o;
  o.durability = alder::Durability::no_sync;
  o.spill_bytes = 512 << 10;
  IoCounter hook;
  alder::Env env = alder::detail::EnvAccess::open_with_hook(dir.file("db"), o, &hook);
  alder::PathStore store(env);
  std::mt19937_64 rng(5);
  uint64_t fitted = 0, refused = 0;
  for (int t = 0; t < 5; t++) {
    alder::PathStore::Batch b = store.begin_batch();
    for (int i = 0; i < 300; i++) {
      const size_t len = rng() % 4 == 0 ? 3000 + rng() % 30000 : 10 + rng() % 500;
      const std::string path = "g" + std::to_string(rng() % 3) + "-" + std::to_string(rng() % 4000);
      const bool fits = b.write_fits(len);
      const uint64_t before = hook.io;
      b.write(path, std::string(len, 'v'));
      if (fits) {
        EXPECT_EQ(hook.io, before) << "batch " << t << " write " << i << " of " << len << " bytes";
        fitted++;
      } else {
        refused++;
      }
    }
    b.commit();
  }
  EXPECT_GT(fitted, 700u);
  EXPECT_GT(refused, 0u);
}

}  // namespace
