// Txn::write_room(): a put that fits in the room it reports does no file
// I/O (no early write of dirty pages, no growth of the file), and
// Txn::commit_needs_sync(): a commit it clears makes no fdatasync. That is
// what lets the Erlang binding run such puts and commits on a normal
// scheduler.
#include <random>
#include <string>

#include <alder/path_store.hpp>

#include "env/testing.h"
#include "io/fault.h"
#include "test_util.h"

namespace {

using alder::io::IoOp;
using alder::io::IoVerdict;

/// Counts the page writes and file growths the env makes, and its syncs.
class IoCounter : public alder::io::FaultHook {
 public:
  IoVerdict before(IoOp op, int, uint64_t) override {
    if (op == IoOp::write || op == IoOp::grow) ++io;
    if (op == IoOp::sync) ++syncs;
    return IoVerdict::perform();
  }
  uint64_t io = 0;
  uint64_t syncs = 0;
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

// commit_needs_sync() in no_sync mode: every commit that autosyncs was
// announced, and most commits far from the bound are cleared. The workload
// frees pages in every way a commit can: copies of tree paths, deletes,
// and large values (overflow runs) replaced.
TEST(WriteRoom, EveryCommitThatSyncsWasAnnounced) {
  alder_test::TempDir dir;
  alder::EnvOptions o = alder_test::fast_options();
  o.autosync_bytes = 256 << 10;
  IoCounter hook;
  alder::Env env = alder::detail::EnvAccess::open_with_hook(dir.file("db"), o, &hook);
  {
    // Pages are held back only once a sync references them.
    alder::Txn w = env.begin_write();
    for (int i = 0; i < 3000; i++) w.put(alder_test::num_key(i, 8), std::string(300, 'v'));
    w.commit();
    env.sync();
  }
  std::mt19937_64 rng(11);
  uint64_t synced = 0, cleared = 0;
  for (int t = 0; t < 1500; t++) {
    alder::Txn w = env.begin_write();
    const int puts = rng() % 8 == 0 ? 50 : 1;
    for (int i = 0; i < puts; i++) {
      const std::string key = alder_test::num_key(rng() % 3000, 8);
      if (rng() % 5 == 0) {
        w.del(key);
      } else {
        const size_t len = rng() % 6 == 0 ? 5000 + rng() % 30000 : 10 + rng() % 400;
        w.put(key, std::string(len, 'v'));
      }
    }
    const bool needs = w.commit_needs_sync();
    const uint64_t before = hook.syncs;
    w.commit();
    if (hook.syncs != before) {
      EXPECT_TRUE(needs) << "commit " << t << " synced unannounced";
      synced++;
    }
    cleared += !needs;
  }
  EXPECT_GT(synced, 10u);     // the bound was passed again and again
  EXPECT_GT(cleared, 1000u);  // and most commits were cleared
  EXPECT_TRUE(env.verify().ok());
}

// The other answers: the durable modes always sync; a read txn, a write
// txn that wrote nothing, and no_sync with autosync off never do; a
// finished txn throws.
TEST(WriteRoom, CommitNeedsSyncPerModeAndTxn) {
  alder_test::TempDir dir;
  for (alder::Durability d : {alder::Durability::sync, alder::Durability::no_meta_sync,
                              alder::Durability::no_sync}) {
    alder::EnvOptions o;
    o.durability = d;
    o.autosync_bytes = UINT64_MAX;  // never, for no_sync
    alder::Env env = alder::Env::open(dir.file("db" + std::to_string(int(d))), o);
    alder::Txn w = env.begin_write();
    EXPECT_FALSE(w.commit_needs_sync());  // nothing written
    w.put("k", "v");
    EXPECT_EQ(w.commit_needs_sync(), d != alder::Durability::no_sync);
    w.commit();
    EXPECT_ALDER_ERROR(alder::ErrorCode::txn_finished, (void)w.commit_needs_sync());
    alder::Txn r = env.begin_read();
    EXPECT_FALSE(r.commit_needs_sync());
  }
}

// PathStore::try_begin_batch(): nullopt while another write txn runs, a
// batch otherwise; its commit_needs_sync() answers as its txn's.
TEST(WriteRoom, TryBeginBatchDoesNotWait) {
  alder_test::TempDir dir;
  alder::Env env = alder::Env::open(dir.file("db"), alder_test::fast_options());
  alder::PathStore store(env);
  {
    alder::Txn other = env.begin_write();
    EXPECT_FALSE(store.try_begin_batch().has_value());
  }
  std::optional<alder::PathStore::Batch> b = store.try_begin_batch();
  ASSERT_TRUE(b.has_value());
  b->write("a", "1");
  EXPECT_FALSE(b->commit_needs_sync());
  b->commit();
  EXPECT_ALDER_ERROR(alder::ErrorCode::txn_finished, (void)b->commit_needs_sync());
  EXPECT_EQ(store.read("a"), std::optional<std::string>("1"));
}

// reserve_room() grows the file (one growth, seen by the hook), after
// which puts within the room do no file I/O; near max_size it stops short
// instead of failing; a read txn refuses it. Batch::make_room makes
// write_fits hold.
TEST(WriteRoom, ReserveRoomGrowsTheFileOnceAndStopsAtMaxSize) {
  alder_test::TempDir dir;
  alder::EnvOptions o = alder_test::fast_options();
  o.max_size = 8 << 20;
  IoCounter hook;
  alder::Env env = alder::detail::EnvAccess::open_with_hook(dir.file("db"), o, &hook);
  alder::Txn w = env.begin_write();
  w.put("a", "b");
  const uint64_t before = hook.io;
  const uint64_t room = w.reserve_room(2 << 20);
  EXPECT_GE(room, uint64_t(2) << 20);
  EXPECT_EQ(w.write_room(), room);
  EXPECT_EQ(hook.io, before + 1);  // one growth
  const uint64_t after = hook.io;
  for (int i = 0; i < 300; i++) w.put(alder_test::num_key(i), std::string(3000, 'v'));  // ~1 MiB
  EXPECT_EQ(hook.io, after) << "puts within the reserved room did file I/O";
  EXPECT_LT(w.reserve_room(64 << 20), uint64_t(64) << 20);  // capped at max_size, no throw
  w.commit();
  EXPECT_LE(env.stat().file_size, uint64_t(8) << 20);
  alder::Txn r = env.begin_read();
  EXPECT_ALDER_ERROR(alder::ErrorCode::read_only, (void)r.reserve_room(4096));
}

TEST(WriteRoom, MakeRoomMakesWriteFitsHold) {
  alder_test::TempDir dir;
  alder::Env env = alder::Env::open(dir.file("db"), alder_test::fast_options());
  alder::PathStore store(env);
  alder::PathStore::Batch b = store.begin_batch();
  for (int i = 0; i < 2000; i++) {
    const size_t len = 100 + (i * 7919) % 20000;
    if (!b.write_fits(len)) {
      EXPECT_TRUE(b.make_room(len)) << "write " << i;
      EXPECT_TRUE(b.write_fits(len));
    }
    b.write("k" + std::to_string(i), std::string(len, 'v'));
  }
  b.commit();
  EXPECT_EQ(store.read("k1999"), std::optional<std::string>(std::string(100 + (1999 * 7919) % 20000, 'v')));
}

}  // namespace
