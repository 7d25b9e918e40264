// Read txns share the named dbs' catalog records (src/txn/catalog_cache.h):
// each txn must still see its own snapshot's db, whatever another read txn
// cached, and write txns must see their own changes.
#include <atomic>
#include <thread>
#include <vector>

#include "test_util.h"

namespace {

using alder::DbFlags;
using alder::Dbi;
using alder::Env;
using alder::Txn;
using alder_test::TempDir;

std::string get(Txn& t, Dbi db, std::string_view k) {
  auto v = t.get(db, k);
  return v ? std::string(*v) : std::string("<none>");
}

TEST(CatalogCache, EveryReadTxnSeesItsOwnSnapshotsNamedDb) {
  TempDir dir;
  Env env = Env::open(dir.file());
  Dbi x;
  {
    Txn w = env.begin_write();
    x = w.open_db("x", DbFlags::create);
    w.put(x, "k", "v1");
    w.commit();
  }
  Txn old = env.begin_read();  // snapshot 1, db x not reached yet
  {
    Txn r = env.begin_read();
    EXPECT_EQ(get(r, x, "k"), "v1");  // caches snapshot 1's record
  }
  {
    Txn w = env.begin_write();
    w.put(x, "k", "v2");
    w.commit();
  }
  Txn r2 = env.begin_read();
  EXPECT_EQ(get(r2, x, "k"), "v2");  // caches snapshot 2's record
  EXPECT_EQ(get(old, x, "k"), "v1") << "a read txn took a newer snapshot's db";
  // Dropped and made again under the same name: a new tree.
  {
    Txn w = env.begin_write();
    w.drop_db(x);
    w.commit();
  }
  {
    Txn r = env.begin_read();
    EXPECT_ALDER_ERROR(alder::ErrorCode::unknown_db, r.get(x, "k"));
  }
  {
    Txn w = env.begin_write();
    x = w.open_db("x", DbFlags::create);
    w.put(x, "k", "v3");
    w.commit();
  }
  Txn r3 = env.begin_read();
  EXPECT_EQ(get(r3, x, "k"), "v3");
  EXPECT_EQ(get(r2, x, "k"), "v2");
  EXPECT_EQ(get(old, x, "k"), "v1");
  // A write txn sees its own change; after its abort readers see none.
  {
    Txn w = env.begin_write();
    EXPECT_EQ(get(w, x, "k"), "v3");
    w.put(x, "k", "v4");
    EXPECT_EQ(get(w, x, "k"), "v4");
    w.abort();
  }
  Txn r4 = env.begin_read();
  EXPECT_EQ(get(r4, x, "k"), "v3");
}

// Readers on several threads, each txn checking that two named dbs agree
// with the main db's commit counter, while a writer updates all three in
// every commit. Under TSan (ctest -R Concurrency) this also checks the
// cache's sequence lock.
TEST(ConcurrencyCatalogCache, ReadersSeeWholeCommitsOfNamedDbs) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  Dbi a, b;
  {
    Txn w = env.begin_write();
    a = w.open_db("a", DbFlags::create);
    b = w.open_db("b", DbFlags::create);
    w.put("n", "0");
    w.put(a, "n", "0");
    w.put(b, "n", "0");
    w.commit();
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> checked{0}, torn{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; t++)
    readers.emplace_back([&] {
      while (!stop.load()) {
        Txn r = env.begin_read();
        const std::string n = get(r, alder::kMainDbi, "n");
        if (get(r, a, "n") != n || get(r, b, "n") != n) torn.fetch_add(1);
        checked.fetch_add(1);
      }
    });
  for (int i = 1; i <= 300; i++) {
    Txn w = env.begin_write();
    const std::string n = std::to_string(i);
    w.put("n", n);
    w.put(a, "n", n);
    w.put(b, "n", n);
    w.commit();
  }
  stop.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_GT(checked.load(), 0u);
}

}  // namespace
