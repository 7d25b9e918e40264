// Tests of alder::PathStore (issue #6): one test per numbered behaviour of
// the issue (B1..B10), then the edge cases and the resolution cache.
#include <alder/path_store.hpp>

#include <atomic>
#include <thread>

#include "test_util.h"

namespace {

using alder::Direction;
using alder::ErrorCode;
using alder::PathStore;
using alder::PathType;
using alder_test::TempDir;
using Names = std::vector<std::string>;

class PathStoreTest : public ::testing::Test {
 protected:
  PathStoreTest()
      : env_(alder::Env::open(dir_.file(), alder_test::fast_options())), store_(env_) {}
  TempDir dir_;
  alder::Env env_;
  PathStore store_;
};

// 1. write then read; writing again replaces; write does not create parents.
TEST_F(PathStoreTest, B1_WriteReadReplace) {
  store_.write("a", "1");
  EXPECT_EQ(store_.read("a"), "1");
  store_.write("a", "2");
  EXPECT_EQ(store_.read("a"), "2");
  EXPECT_EQ(store_.read("missing"), std::nullopt);

  store_.write("p/q/r", "deep");
  EXPECT_EQ(store_.read("p/q/r"), "deep");
  EXPECT_EQ(store_.read({"p", "q", "r"}), "deep");
  EXPECT_EQ(store_.type("p"), PathType::not_found);    // no group made
  EXPECT_EQ(store_.type("p/q"), PathType::not_found);
  EXPECT_EQ(store_.read("p"), std::nullopt);
  // Names on the way are listed (something is stored below them).
  EXPECT_EQ(store_.list(""), (Names{"a", "p"}));
  EXPECT_EQ(store_.list("p"), (Names{"q"}));
  EXPECT_EQ(store_.list("p/q"), (Names{"r"}));
}

// read_with: the same answers as read(), through a view, without a copy.
TEST_F(PathStoreTest, ReadWithGivesAViewOfWhatReadGives) {
  store_.write("a/b", std::string(5000, 'v'));  // an overflow value too
  store_.make_group("g");
  store_.make_link("a/b", "l");
  std::string got;
  EXPECT_TRUE(store_.read_with("l", [&](std::string_view v) { got.assign(v); }));
  EXPECT_EQ(got, std::string(5000, 'v'));
  int calls = 0;
  EXPECT_FALSE(store_.read_with("g", [&](std::string_view) { calls++; }));
  EXPECT_FALSE(store_.read_with("missing", [&](std::string_view) { calls++; }));
  EXPECT_EQ(calls, 0);
  EXPECT_ALDER_ERROR(alder::ErrorCode::key_too_large,  // as read()
                     store_.read_with(std::string(5000, 'k'), [](std::string_view) {}));
}

// 2. make_group: composite, no value, idempotent, empty listing.
TEST_F(PathStoreTest, B2_MakeGroup) {
  store_.make_group("g");
  EXPECT_EQ(store_.type("g"), PathType::composite);
  EXPECT_EQ(store_.read("g"), std::nullopt);
  EXPECT_EQ(store_.list("g"), Names{});
  store_.write("g/x", "v");
  store_.make_group("g");  // again: a no-op, keeps children
  EXPECT_EQ(store_.type("g"), PathType::composite);
  EXPECT_EQ(store_.list("g"), (Names{"x"}));
  // A group over a value replaces it.
  store_.write("v", "value");
  store_.make_group("v");
  EXPECT_EQ(store_.type("v"), PathType::composite);
  EXPECT_EQ(store_.read("v"), std::nullopt);
  // And a value over a group replaces that.
  store_.write("v", "again");
  EXPECT_EQ(store_.type("v"), PathType::simple);
  EXPECT_EQ(store_.read("v"), "again");
}

// 3. type: simple, composite, not_found; follows links.
TEST_F(PathStoreTest, B3_TypeFollowsLinks) {
  store_.write("val", "x");
  store_.make_group("grp");
  EXPECT_EQ(store_.type("val"), PathType::simple);
  EXPECT_EQ(store_.type("grp"), PathType::composite);
  EXPECT_EQ(store_.type("nothing"), PathType::not_found);
  EXPECT_EQ(store_.type(""), PathType::composite);  // the root
  store_.make_link("val", "to-val");
  store_.make_link("grp", "to-grp");
  store_.make_link("nothing", "to-nothing");
  store_.make_link("to-grp", "to-to-grp");
  EXPECT_EQ(store_.type("to-val"), PathType::simple);
  EXPECT_EQ(store_.type("to-grp"), PathType::composite);
  EXPECT_EQ(store_.type("to-to-grp"), PathType::composite);
  EXPECT_EQ(store_.type("to-nothing"), PathType::not_found);
}

// 4. make_link: reads the target, chains, creates parents, replaced.
TEST_F(PathStoreTest, B4_MakeLink) {
  store_.write("a/b", "value-ab");
  store_.make_link("a/b", "c");
  EXPECT_EQ(store_.read("c"), "value-ab");
  store_.make_link("c", "c2");  // c2 -> c -> a/b
  EXPECT_EQ(store_.read("c2"), "value-ab");
  EXPECT_EQ(store_.resolve("c2"), "a/b");

  // Missing parents of the new path become groups.
  store_.make_link("a/b", "x/y/z");
  EXPECT_EQ(store_.type("x"), PathType::composite);
  EXPECT_EQ(store_.type("x/y"), PathType::composite);
  EXPECT_EQ(store_.read("x/y/z"), "value-ab");
  EXPECT_EQ(store_.list("x"), (Names{"y"}));
  EXPECT_EQ(store_.list(""), (Names{"a", "c", "c2", "x"}));

  // A link to a missing path reads and types as not_found.
  store_.make_link("no/such/thing", "dangling");
  EXPECT_EQ(store_.read("dangling"), std::nullopt);
  EXPECT_EQ(store_.type("dangling"), PathType::not_found);
  // ... until the target appears.
  store_.write("top", "late");
  store_.make_link("top", "dangling2");
  EXPECT_EQ(store_.read("dangling2"), "late");

  // Relinking: a link replaced by a new link.
  store_.write("other", "value-other");
  store_.make_link("other", "c");
  EXPECT_EQ(store_.read("c"), "value-other");
  EXPECT_EQ(store_.read("c2"), "value-other");  // the chain follows
  // A value written over a link replaces the link, not its target.
  store_.write("c", "plain");
  EXPECT_EQ(store_.read("c"), "plain");
  EXPECT_EQ(store_.read("other"), "value-other");
  EXPECT_EQ(store_.read("c2"), "plain");
  EXPECT_EQ(store_.type("c"), PathType::simple);
  // A link written over a value.
  store_.make_link("a/b", "c");
  EXPECT_EQ(store_.read("c"), "value-ab");
}

// 5. Links in the middle of a path; resolve() prefix by prefix.
TEST_F(PathStoreTest, B5_LinksInMiddleOfPath) {
  store_.write("data/bar/baz", "v");
  store_.make_link("data/bar", "my-link");
  EXPECT_EQ(store_.read("my-link/baz"), "v");
  EXPECT_EQ(store_.read({"my-link", "baz"}), "v");
  EXPECT_EQ(store_.resolve("my-link/baz"), "data/bar/baz");
  EXPECT_EQ(store_.resolve("my-link"), "data/bar");
  // Nothing resolves: the path comes back (normalised).
  EXPECT_EQ(store_.resolve("data/bar/baz"), "data/bar/baz");
  EXPECT_EQ(store_.resolve("nope/x"), "nope/x");
  EXPECT_EQ(store_.resolve("//nope//x/"), "nope/x");
  EXPECT_EQ(store_.resolve(""), "");

  // A link to a group, then [link, child].
  store_.make_group("grp");
  store_.write("grp/child", "kid");
  store_.make_link("grp", "lg");
  EXPECT_EQ(store_.read({"lg", "child"}), "kid");
  EXPECT_EQ(store_.type({"lg", "child"}), PathType::simple);

  // Links at several prefixes, and a link whose target has a link prefix.
  store_.make_link("my-link", "outer");   // outer -> my-link -> data/bar
  EXPECT_EQ(store_.read("outer/baz"), "v");
  store_.make_link("outer/baz", "deep");   // target itself goes through links
  EXPECT_EQ(store_.read("deep"), "v");
  EXPECT_EQ(store_.resolve("deep"), "data/bar/baz");
  store_.make_group("m");
  store_.make_link("data", "m/d");
  EXPECT_EQ(store_.read("m/d/bar/baz"), "v");
  EXPECT_EQ(store_.resolve("m/d/bar/baz"), "data/bar/baz");

  // Writing below a linked group lands in the target.
  store_.write("my-link/new", "through");
  EXPECT_EQ(store_.read("data/bar/new"), "through");
  EXPECT_EQ(store_.list("data/bar"), (Names{"baz", "new"}));

  // Relinking a prefix changes every path below it.
  store_.write("data2/bar/baz", "v2");
  store_.make_link("data2", "m/d");
  EXPECT_EQ(store_.read("m/d/bar/baz"), "v2");
}

// 6. Cycles of every shape give not_found, quickly, at a bounded depth.
TEST_F(PathStoreTest, B6_Cycles) {
  // Self link.
  store_.make_link("self", "self");
  EXPECT_EQ(store_.read("self"), std::nullopt);
  EXPECT_EQ(store_.type("self"), PathType::not_found);
  EXPECT_EQ(store_.resolve("self"), std::nullopt);
  EXPECT_EQ(store_.list("self"), std::nullopt);
  EXPECT_EQ(store_.read("self/below"), std::nullopt);
  // Two-cycle and three-cycle.
  store_.make_link("b", "a");
  store_.make_link("a", "b");
  EXPECT_EQ(store_.read("a"), std::nullopt);
  EXPECT_EQ(store_.read("b"), std::nullopt);
  store_.make_link("q", "p");
  store_.make_link("r", "q");
  store_.make_link("p", "r");
  EXPECT_EQ(store_.type("p"), PathType::not_found);
  EXPECT_EQ(store_.resolve("q/x/y"), std::nullopt);
  // Through a path prefix: pre -> pre/sub grows the path at every hop.
  store_.make_link("pre/sub", "pre");
  EXPECT_EQ(store_.read("pre"), std::nullopt);
  EXPECT_EQ(store_.read("pre/sub/sub"), std::nullopt);
  EXPECT_EQ(store_.list("pre"), std::nullopt);
  // Through the middle of paths: x -> y/z and y -> x.
  store_.make_link("y/z", "x");
  store_.make_link("x", "y");
  EXPECT_EQ(store_.read("x/k"), std::nullopt);
  EXPECT_EQ(store_.type("y/z"), PathType::not_found);
  // A cycle reached through a chain.
  store_.make_link("a", "into-cycle");
  EXPECT_EQ(store_.read("into-cycle/v"), std::nullopt);
  // Writing below a cycle is refused, not looped on.
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.write("a/v", "x"));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.make_link("self", "self/z/w"));
  // Matching a cycle is fine (links compared as written).
  EXPECT_EQ(store_.match({{"self", "self"}}), Names{});
  // Breaking the cycle makes things resolve again.
  store_.write("b", "now a value");
  EXPECT_EQ(store_.read("a"), "now a value");
  EXPECT_EQ(store_.read("into-cycle"), "now a value");
}

TEST(PathStoreCycles, ChainLengthIsBounded) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  alder::PathStoreOptions o;
  o.max_link_hops = 10;
  PathStore s(env, o);
  s.write("end", "reached");
  std::string prev = "end";
  for (int i = 0; i < 12; ++i) {
    std::string name = "l" + std::to_string(i);
    s.make_link(prev, name);
    prev = name;
  }
  for (int round = 0; round < 2; ++round) {  // cold, then with a warm cache
    EXPECT_EQ(s.read("l9"), "reached");       // 10 hops
    EXPECT_EQ(s.read("l10"), std::nullopt);   // 11 hops: treated as a cycle
    EXPECT_EQ(s.read("l11"), std::nullopt);
    EXPECT_EQ(s.resolve("l9"), "end");
  }
  // Through a path prefix too: m -> l8 (9 hops), then m/x below it.
  s.make_group("grp");
  s.write("grp/x", "gx");
  s.make_link("grp", "l0");  // the chain now ends at a group
  s.make_link("l8", "m");    // m: 10 hops
  s.make_link("m", "n");     // n: 11 hops
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(s.read("m/x"), "gx");
    EXPECT_EQ(s.read("n/x"), std::nullopt);
  }
  alder::PathStoreOptions bad;
  bad.max_link_hops = 0;
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, PathStore(env, bad));
}

// 7. list: immediate children, sorted, unique, through links, root, paging.
TEST_F(PathStoreTest, B7_List) {
  store_.make_group("g");
  store_.write("g/b", "1");
  store_.write("g/a", "2");
  store_.write("g/c/deep/er", "3");  // only "c" is an immediate child
  store_.write("g/b", "again");      // rewrite: still one "b"
  store_.make_link("g/a", "g/d");
  EXPECT_EQ(store_.list("g"), (Names{"a", "b", "c", "d"}));
  EXPECT_EQ(store_.list("g/"), (Names{"a", "b", "c", "d"}));
  store_.make_link("g", "lnk");
  EXPECT_EQ(store_.list("lnk"), (Names{"a", "b", "c", "d"}));
  store_.make_group("empty");
  EXPECT_EQ(store_.list("empty"), Names{});
  EXPECT_EQ(store_.list("nothing"), std::nullopt);
  EXPECT_EQ(store_.list("g/a"), std::nullopt);  // a value
  EXPECT_EQ(store_.list(""), (Names{"empty", "g", "lnk"}));
  EXPECT_EQ(store_.list("/"), (Names{"empty", "g", "lnk"}));
  // Names that are prefixes of one another and bytes around '/' and '\0'.
  store_.make_group("n");
  for (const char* name : {"ab", "a", "a-b", "a.b", "b", "\x01", "\xff"}) {
    store_.write(std::string("n/") + name, "x");
  }
  store_.write("n/a/inner", "x");
  EXPECT_EQ(store_.list("n"), (Names{"\x01", "a", "a-b", "a.b", "ab", "b", "\xff"}));
  EXPECT_EQ(store_.list("n/a"), (Names{"inner"}));
}

TEST(PathStoreList, ThousandFiveHundredChildrenInFullAndInPages) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  PathStore s(env);
  Names want;
  {
    PathStore::Batch b = s.begin_batch();
    b.make_group("big");
    for (int i = 0; i < 1500; ++i) {
      std::string name = alder_test::num_key(std::uint64_t(i) * 7919 % 1500, 5, "child-");
      b.write("big/" + name, std::to_string(i));
      b.write("big/" + name + "/sub", "not listed at this level");
      want.push_back(name);
    }
    b.make_group("bigx");  // a sibling whose keys sort right after
    b.write("bigx/zzz", "1");
    b.commit();
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(s.list("big"), want);
  s.make_link("big", "big-link");
  EXPECT_EQ(s.list("big-link"), want);

  for (std::size_t limit : {1u, 7u, 100u, 1499u, 1500u, 5000u}) {
    // Forward pages.
    Names got;
    std::string from;
    int pages = 0;
    for (;;) {
      auto page = s.list("big-link", from, limit, Direction::forward);
      ASSERT_TRUE(page.has_value());
      ASSERT_LE(page->names.size(), limit);
      got.insert(got.end(), page->names.begin(), page->names.end());
      ++pages;
      if (!page->more) break;
      ASSERT_FALSE(page->names.empty());
      from = page->names.back();
    }
    EXPECT_EQ(got, want) << "limit " << limit;
    EXPECT_EQ(pages, int((1500 + limit - 1) / limit)) << "limit " << limit;
    // Reverse pages.
    Names rgot;
    from.clear();
    for (;;) {
      auto page = s.list("big", from, limit, Direction::reverse);
      ASSERT_TRUE(page.has_value());
      rgot.insert(rgot.end(), page->names.begin(), page->names.end());
      if (!page->more) break;
      from = page->names.back();
    }
    std::reverse(rgot.begin(), rgot.end());
    EXPECT_EQ(rgot, want) << "reverse, limit " << limit;
  }
  // Starting points between and beyond names.
  auto mid = s.list("big", want[10], 3);
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->names, (Names{want[11], want[12], want[13]}));
  auto rmid = s.list("big", want[10], 3, Direction::reverse);
  ASSERT_TRUE(rmid);
  EXPECT_EQ(rmid->names, (Names{want[9], want[8], want[7]}));
  auto past = s.list("big", "zzzz", 10);
  ASSERT_TRUE(past);
  EXPECT_TRUE(past->names.empty());
  EXPECT_FALSE(past->more);
  auto before = s.list("big", "a", 10, Direction::reverse);
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->names.empty());
  EXPECT_EQ(s.list("nothing", "", 10), std::nullopt);
  auto empty = s.list("", "", 10);  // the root
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->names, (Names{"big", "big-link", "bigx"}));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, s.list("big", "", 0));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, s.list("big", "a/b", 10));
}

// 8. read_many under one snapshot; batches commit atomically; visibility.
TEST_F(PathStoreTest, B8_ReadManyAndBatches) {
  store_.write("k1", "v1");
  store_.write("k2", "v2");
  store_.make_link("k2", "l2");
  std::vector<std::string_view> paths = {"k1", "l2", "missing", "k2", ""};
  auto got = store_.read_many(paths);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], "v1");
  EXPECT_EQ(got[1], "v2");
  EXPECT_EQ(got[2], std::nullopt);
  EXPECT_EQ(got[3], "v2");
  EXPECT_EQ(got[4], std::nullopt);  // the root has no value

  // A batch: invisible outside until committed, visible inside.
  PathStore::Batch b = store_.begin_batch();
  EXPECT_TRUE(b.open());
  b.make_group("bg");
  b.write("bg/x", "1");
  b.make_link("bg/x", "bl");
  b.write("k1", "v1-new");
  EXPECT_EQ(b.read("bl"), "1");
  EXPECT_EQ(b.type("bg"), PathType::composite);
  EXPECT_EQ(b.list("bg"), (Names{"x"}));
  EXPECT_EQ(b.resolve("bl"), "bg/x");
  EXPECT_EQ(store_.read("bl"), std::nullopt);  // not yet committed
  EXPECT_EQ(store_.read("k1"), "v1");
  // Writing through the store from the batch's own thread would deadlock.
  EXPECT_ALDER_ERROR(ErrorCode::busy, store_.write("z", "z"));
  EXPECT_ALDER_ERROR(ErrorCode::busy, store_.begin_batch());
  store_.commit_batch(b);
  EXPECT_FALSE(b.open());
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, b.write("y", "y"));
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, b.commit());
  EXPECT_EQ(store_.read("bl"), "1");
  EXPECT_EQ(store_.read("k1"), "v1-new");

  // An aborted (or dropped) batch leaves nothing behind.
  {
    PathStore::Batch b2 = store_.begin_batch();
    b2.write("gone", "1");
    b2.make_link("k1", "gone-link");
    b2.make_link("k2", "bl");
    EXPECT_EQ(b2.read("bl"), "v2");
  }
  EXPECT_EQ(store_.read("gone"), std::nullopt);
  EXPECT_EQ(store_.read("gone-link"), std::nullopt);
  EXPECT_EQ(store_.read("bl"), "1");
  store_.write("after", "ok");  // the store is writable again
  EXPECT_EQ(store_.read("after"), "ok");
}

TEST(PathStoreConcurrency, ReadManySeesOneSnapshot) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  PathStore s(env);
  {
    PathStore::Batch b = s.begin_batch();
    b.write("x", "0");
    b.write("y/z", "0");
    b.make_link("y/z", "lz");
    b.commit();
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 1; i <= 300; ++i) {
      PathStore::Batch b = s.begin_batch();
      b.write("x", std::to_string(i));
      b.write("y/z", std::to_string(i));
      b.commit();
    }
    stop = true;
  });
  std::vector<std::string_view> paths = {"x", "lz", "y/z"};
  int rounds = 0;
  bool consistent = true;
  while (consistent && (!stop.load() || rounds < 10)) {
    auto r = s.read_many(paths);
    consistent = r[0] && r[1] && r[2] && *r[0] == *r[1] && *r[1] == *r[2];
    ++rounds;
  }
  writer.join();
  EXPECT_TRUE(consistent) << "read_many mixed two commits";
  EXPECT_EQ(s.read("lz"), "300");
}

// 9. match: ids whose key links go exactly to the targets, from the index.
// Readers resolving links through one small cache (evictions, filter
// rebuilds) while a writer relinks: every read gives a value one of the
// links' targets held, never a mix; run under TSan with the Concurrency
// suites.
TEST(PathStoreConcurrency, CacheUnderReadsAndRelinks) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  alder::PathStoreOptions o;
  o.resolve_cache_entries = 8;
  PathStore s(env, o);
  {
    PathStore::Batch b = s.begin_batch();
    b.write("t/a", "a");
    b.write("t/b", "b");
    for (int i = 0; i < 32; ++i) b.make_link("t/a", "l" + std::to_string(i));
    b.commit();
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) s.make_link(i % 2 ? "t/a" : "t/b", "l" + std::to_string(i % 32));
    stop = true;
  });
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      for (int i = 0; !stop.load() || i < 200; ++i) {
        const std::string p = "l" + std::to_string((i * 7 + t) % 32);
        for (int twice = 0; twice < 2; ++twice) {  // the second read may hit
          auto v = s.read(p);
          if (!v || (*v != "a" && *v != "b")) ++bad;
        }
      }
    });
  }
  writer.join();
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(s.read("l7"), "a");  // the writer's last link of l7: i = 199, odd
  EXPECT_GT(s.cache_stats().hits, 0u);
}

TEST_F(PathStoreTest, B9_Match) {
  // Messages m1..m4 with links "author" and "topic".
  store_.make_link("users/alice", "msgs/m1/author");
  store_.make_link("topics/t1", "msgs/m1/topic");
  store_.make_link("users/alice", "msgs/m2/author");
  store_.make_link("topics/t2", "msgs/m2/topic");
  store_.make_link("users/bob", "msgs/m3/author");
  store_.make_link("topics/t1", "msgs/m3/topic");
  store_.make_link("users/alice", "msgs/m4/author");
  store_.make_link("topics/t1", "msgs/m4/topic");
  store_.write("msgs/m5/author", "users/alice");  // a value, not a link
  store_.make_link("users/alice", "author");      // at the top: X would be the root

  EXPECT_EQ(store_.match({{"author", "users/alice"}}), (Names{"msgs/m1", "msgs/m2", "msgs/m4"}));
  EXPECT_EQ(store_.match({{"author", "users/alice"}, {"topic", "topics/t1"}}),
            (Names{"msgs/m1", "msgs/m4"}));
  EXPECT_EQ(store_.match({{"topic", "/topics/t1/"}, {"author", "users/alice"}}),
            (Names{"msgs/m1", "msgs/m4"}));  // normalised, order-free
  EXPECT_EQ(store_.match({{"author", "users/carol"}}), Names{});
  EXPECT_EQ(store_.match({{"author", "users"}}), Names{});  // exact target only

  // Relinking and overwriting update the index.
  store_.make_link("users/bob", "msgs/m4/author");
  EXPECT_EQ(store_.match({{"author", "users/alice"}, {"topic", "topics/t1"}}), (Names{"msgs/m1"}));
  EXPECT_EQ(store_.match({{"author", "users/bob"}}), (Names{"msgs/m3", "msgs/m4"}));
  store_.write("msgs/m1/author", "plain value");
  EXPECT_EQ(store_.match({{"author", "users/alice"}}), (Names{"msgs/m2"}));

  // A key of several segments.
  store_.make_link("blobs/b1", "ids/i1/body/data");
  store_.make_link("blobs/b1", "ids/i2/body/data");
  store_.make_link("blobs/b1", "ids/i3/other/data");
  EXPECT_EQ(store_.match({{"body/data", "blobs/b1"}}), (Names{"ids/i1", "ids/i2"}));

  // Links written through a linked parent are indexed where they land.
  store_.make_link("msgs", "alias");
  store_.make_link("topics/t9", "alias/m2/tag");
  EXPECT_EQ(store_.match({{"tag", "topics/t9"}}), (Names{"msgs/m2"}));

  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.match({}));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.match({{"", "x"}}));
}

// 10. Values are any bytes: kind is out of band.
TEST_F(PathStoreTest, B10_ValuesAreAnyBytes) {
  std::vector<std::string> values = {
      "group", "link:", "link:a/b", "", std::string("\0\x01\xff", 3), "g", "l", "v",
      std::string(100000, 'x')};
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string p = "v" + std::to_string(i);
    store_.write(p, values[i]);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string p = "v" + std::to_string(i);
    EXPECT_EQ(store_.read(p), values[i]) << p;
    EXPECT_EQ(store_.type(p), PathType::simple) << p;
  }
  EXPECT_EQ(store_.type("v0"), PathType::simple);  // "group" is just bytes
  EXPECT_EQ(store_.list("v0"), std::nullopt);
  EXPECT_EQ(store_.resolve("v2"), "v2");            // "link:a/b" is not a link
  // Survives a reopen.
  store_ = PathStore(env_);
  EXPECT_EQ(store_.read("v1"), "link:");
}

// ----------------------------------------------------------------- edge cases

TEST_F(PathStoreTest, EmptyPathRootAndTrailingSlash) {
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.write("", "x"));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.write("/", "x"));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.write("//", "x"));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.make_group(""));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.make_link("a", ""));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.make_link("", "a"));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.write(std::string("a\0b", 3), "x"));
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, store_.read(std::string("a\0b", 3)));
  EXPECT_ALDER_ERROR(ErrorCode::key_too_large,
                     store_.write(std::string(store_.max_path_size() + 1, 'p'), "x"));
  store_.write(std::string(store_.max_path_size(), 'p'), "longest");
  EXPECT_EQ(store_.read(std::string(store_.max_path_size(), 'p')), "longest");
  EXPECT_EQ(store_.read(""), std::nullopt);
  EXPECT_EQ(store_.type("/"), PathType::composite);
  EXPECT_EQ(store_.list(""), (Names{std::string(store_.max_path_size(), 'p')}));

  // A path within the limit whose resolution is not: refused, nothing written.
  std::string long_target(store_.max_path_size() - 5, 'q');
  store_.make_link(long_target, "s");
  EXPECT_ALDER_ERROR(ErrorCode::key_too_large, store_.write("s/abcdefgh", "x"));
  {
    PathStore::Batch b = store_.begin_batch();
    EXPECT_ALDER_ERROR(ErrorCode::key_too_large, b.make_link("t", "s/abcdefgh/i"));
    b.write("s/ab", "fits");  // the batch goes on
    b.commit();
  }
  EXPECT_EQ(store_.read("s/ab"), "fits");
  // The failed make_link created none of its parent groups ("abcdefgh").
  EXPECT_EQ(store_.list(long_target), (Names{"ab"}));
  // Resolutions longer than any engine key (long targets nested through
  // links) are simply not found, never an engine error.
  std::string a(600, 'a'), b(600, 'b'), c(600, 'c');
  store_.make_link(a, "la");
  store_.make_link("la/" + std::string(50, 'y'), "lb");
  store_.make_link(b, a + "/" + std::string(50, 'y'));  // a/yyy -> b
  std::string deep = "lb/" + c;  // resolves to b/c: 1201 bytes
  EXPECT_EQ(store_.read(deep), std::nullopt);
  EXPECT_EQ(store_.resolve(deep), b + "/" + c);
  EXPECT_EQ(store_.type(deep), PathType::not_found);
  EXPECT_EQ(store_.list(deep), std::nullopt);
  EXPECT_EQ(store_.list(deep, "", 5), std::nullopt);
  EXPECT_ALDER_ERROR(ErrorCode::key_too_large, store_.write(deep, "x"));

  // Trailing, leading and doubled slashes name the same entry.
  store_.write("/t/u/", "tu");
  EXPECT_EQ(store_.read("t/u"), "tu");
  EXPECT_EQ(store_.read("t//u"), "tu");
  EXPECT_EQ(store_.read({"t", "u"}), "tu");
  EXPECT_EQ(store_.read({"/t/", "/u"}), "tu");
  EXPECT_EQ(store_.read(std::vector<std::string>{"t", "u"}), "tu");
  EXPECT_EQ(PathStore::normalise("//a///b/"), "a/b");
  EXPECT_EQ(PathStore::normalise("/"), "");
  // "." and ".." are names like any other.
  store_.write("t/../x", "dots");
  EXPECT_EQ(store_.read("x"), std::nullopt);
  EXPECT_EQ(store_.read("t/../x"), "dots");
}

TEST(PathStoreOpen, ReopenAndReadOnly) {
  TempDir dir;
  {
    alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
    PathStore s(env);
    s.make_link("a/b", "l");
    s.write("a/b", "persisted");
  }
  {
    alder::EnvOptions ro = alder_test::fast_options();
    ro.read_only = true;
    alder::Env env = alder::Env::open(dir.file(), ro);
    PathStore s(env);
    EXPECT_EQ(s.read("l"), "persisted");
    EXPECT_ALDER_ERROR(ErrorCode::read_only, s.write("x", "y"));
  }
  TempDir other;
  {
    alder::Env env = alder::Env::open(other.file(), alder_test::fast_options());
    env.close();
  }
  alder::EnvOptions ro = alder_test::fast_options();
  ro.read_only = true;
  alder::Env env = alder::Env::open(other.file(), ro);
  EXPECT_ALDER_ERROR(ErrorCode::read_only, PathStore s2(env));
}

// --------------------------------------------------------- resolution cache

// The cache must never answer with a resolution that a later change made
// wrong: every answer of a cached store is checked against an uncached one
// on the same env after each kind of change that can affect resolution.
TEST(PathStoreCache, NeverStale) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  alder::PathStoreOptions small;
  small.resolve_cache_entries = 8;  // small: eviction happens too
  PathStore cached(env, small);
  alder::PathStoreOptions off;
  off.resolve_cache_entries = 0;
  PathStore plain(env, off);

  auto same = [&](const std::string& p) {
    EXPECT_EQ(cached.read(p), plain.read(p)) << p;
    EXPECT_EQ(cached.resolve(p), plain.resolve(p)) << p;
    EXPECT_EQ(cached.type(p), plain.type(p)) << p;
    EXPECT_EQ(cached.list(p), plain.list(p)) << p;
  };
  std::vector<std::string> probe = {"l1/x/v", "l2/v", "g/x/v", "l1", "l2", "g/x", "h/x/v",
                                    "chain/v", "g", "mid/x/v"};
  auto all_same = [&] {
    for (int round = 0; round < 3; ++round) {  // warm, then hit
      for (const auto& p : probe) same(p);
    }
  };

  cached.write("g/x/v", "1");
  cached.write("h/x/v", "2");
  cached.make_link("g", "l1");
  cached.make_link("l1/x", "l2");
  cached.make_link("l2", "chain");
  cached.make_link("h", "mid");
  all_same();
  EXPECT_EQ(cached.read("l1/x/v"), "1");
  EXPECT_EQ(cached.read("chain/v"), "1");
  // Relink a link in the middle of the chain.
  plain.make_link("h", "l1");  // through the *other* store: coherence too
  all_same();
  EXPECT_EQ(cached.read("chain/v"), "2");
  // Replace a link by a value, then by a group.
  cached.write("l1", "now a value");
  all_same();
  EXPECT_EQ(cached.read("chain/v"), std::nullopt);
  cached.make_group("l1");
  cached.write("l1/x/v", "3");
  all_same();
  EXPECT_EQ(cached.read("chain/v"), "3");
  // Turn a group on the path into a link.
  cached.make_link("h/x", "g/x");
  all_same();
  EXPECT_EQ(cached.read("g/x/v"), "2");
  // Replace that link with a group again.
  cached.make_group("g/x");
  all_same();
  // A batch that changes links and is aborted must leave no trace in the cache.
  {
    PathStore::Batch b = cached.begin_batch();
    b.make_link("g", "h");
    EXPECT_EQ(b.read("h/x/v"), "1");  // sees its own change (h -> g)
    b.abort();
  }
  all_same();
  // A committed batch.
  {
    PathStore::Batch b = cached.begin_batch();
    b.make_link("g", "h");
    b.write("g/x/v", "4");
    EXPECT_EQ(b.read("mid/x/v"), "4");
    b.commit();
  }
  all_same();
  EXPECT_EQ(cached.read("mid/x/v"), "4");
  auto st = cached.cache_stats();
  EXPECT_GT(st.hits, 0u);
  EXPECT_GT(st.invalidations, 0u);
  EXPECT_LE(st.entries, 8u);
}

// Random operations over a small name space; after every change, a cached
// store and an uncached one must agree on every path of the space.
class PathStoreCacheRandom : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(PathStoreCacheRandom, AgreesWithUncached) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  alder::PathStoreOptions small;
  small.resolve_cache_entries = 16;
  small.max_link_hops = GetParam();
  PathStore cached(env, small);
  alder::PathStoreOptions off;
  off.resolve_cache_entries = 0;
  off.max_link_hops = GetParam();
  PathStore plain(env, off);
  std::mt19937_64 rng(6 + GetParam());
  const std::vector<std::string> names = {"a", "b", "c"};
  auto random_path = [&] {
    std::string p;
    int depth = 1 + int(rng() % 3);
    for (int i = 0; i < depth; ++i) p += (i ? "/" : "") + names[rng() % names.size()];
    return p;
  };
  std::vector<std::string> space;
  for (const auto& x : names) {
    space.push_back(x);
    for (const auto& y : names) {
      space.push_back(x + "/" + y);
      for (const auto& z : names) space.push_back(x + "/" + y + "/" + z);
    }
  }
  for (int step = 0; step < 300; ++step) {
    std::string p = random_path();
    PathStore& w = (rng() % 2) ? cached : plain;
    try {
      switch (rng() % 4) {
        case 0: w.write(p, "v" + std::to_string(step)); break;
        case 1: w.make_group(p); break;
        default: w.make_link(random_path(), p); break;
      }
    } catch (const alder::Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();  // a cycle below p
    }
    for (const auto& q : space) {
      ASSERT_EQ(cached.read(q), plain.read(q)) << "step " << step << " path " << q;
      ASSERT_EQ(cached.resolve(q), plain.resolve(q)) << "step " << step << " path " << q;
    }
  }
  EXPECT_GT(cached.cache_stats().hits, 0u);
}

// The cache's filter (resolve_cache.h) lets a lookup miss without the lock
// when the path was never held; it must not hide a path that is held: after
// many evictions (each `capacity` of them rebuild the filter) and after an
// invalidation, a path read twice is a hit the second time.
TEST(PathStoreCache, FilterNeverHidesAHeldPath) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  alder::PathStoreOptions o;
  o.resolve_cache_entries = 8;
  PathStore s(env, o);
  s.make_group("d");
  for (int i = 0; i < 50; ++i) {
    s.write("d/" + std::to_string(i), std::to_string(i));
    s.make_link("d/" + std::to_string(i), "l" + std::to_string(i));
  }
  auto hit_on_second_read = [&](const std::string& p, const std::string& want) {
    EXPECT_EQ(s.read(p), want);
    std::uint64_t hits = s.cache_stats().hits;
    EXPECT_EQ(s.read(p), want);
    EXPECT_GT(s.cache_stats().hits, hits) << p;
  };
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 50; ++i) EXPECT_EQ(s.read("l" + std::to_string(i)), std::to_string(i));
    hit_on_second_read("l7", "7");
    hit_on_second_read("l49", "49");
  }
  EXPECT_LE(s.cache_stats().entries, 8u);
  s.make_link("d/1", "l7");  // a link change empties the cache
  EXPECT_EQ(s.read("l7"), "1");
  hit_on_second_read("l7", "1");
  hit_on_second_read("l3", "3");
}

// Default hop bound, and a tiny one where cached and uncached hop counts
// must agree exactly at the boundary.
INSTANTIATE_TEST_SUITE_P(HopBounds, PathStoreCacheRandom, ::testing::Values(64u, 3u, 1u));

}  // namespace
