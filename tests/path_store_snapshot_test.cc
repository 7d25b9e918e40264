// Tests of alder::PathStore::Snapshot: reads of one committed state kept
// open across calls (the Erlang NIF's per-scheduler cached reads).
#include <alder/path_store.hpp>

#include "test_util.h"

namespace {

using alder::ErrorCode;
using alder::PathStore;
using alder::PathType;
using alder_test::TempDir;
using Names = std::vector<std::string>;

class PathStoreSnapshotTest : public ::testing::Test {
 protected:
  PathStoreSnapshotTest()
      : env_(alder::Env::open(dir_.file(), alder_test::fast_options())), store_(env_) {}
  TempDir dir_;
  alder::Env env_;
  PathStore store_;
};

TEST_F(PathStoreSnapshotTest, AnswersAsThePathStore) {
  store_.write("data/a", "1");
  store_.make_group("g");
  store_.write("g/x", "2");
  store_.make_link("g", "l");
  store_.make_link("l2", "l1");
  store_.make_link("l1", "l2");  // a cycle
  PathStore::Snapshot s = store_.snapshot();
  EXPECT_EQ(s.read("data/a"), "1");
  EXPECT_EQ(s.read({"l", "x"}), "2");
  EXPECT_EQ(s.read("g"), std::nullopt);
  EXPECT_EQ(s.read("l1"), std::nullopt);
  std::string seen;
  EXPECT_TRUE(s.read_with("l/x", [&](std::string_view v) { seen = v; }));
  EXPECT_EQ(seen, "2");
  EXPECT_FALSE(s.read_with("missing", [&](std::string_view) { ADD_FAILURE(); }));
  EXPECT_EQ(s.type("l"), PathType::composite);
  EXPECT_EQ(s.type("data/a"), PathType::simple);
  EXPECT_EQ(s.type("nope"), PathType::not_found);
  EXPECT_EQ(s.resolve("l/x"), "g/x");
  EXPECT_EQ(s.resolve("l1"), std::nullopt);
  EXPECT_EQ(s.list("l"), (Names{"x"}));
  EXPECT_EQ(s.list(""), (Names{"data", "g", "l", "l1", "l2"}));
  EXPECT_EQ(s.list("nope"), std::nullopt);
  auto page = s.list("", "", 2);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->names, (Names{"data", "g"}));
  EXPECT_TRUE(page->more);
  EXPECT_THROW(s.read(std::string("a\0b", 3)), alder::Error);
}

TEST_F(PathStoreSnapshotTest, EntryIsTakenLiterally) {
  store_.write("data/v", "bytes");
  store_.make_group("g");
  store_.make_link("data", "g/l");  // g/l -> data
  store_.write("group", "group");   // a value that looks like a marker
  PathStore::Snapshot s = store_.snapshot();
  auto v = s.entry("/data//v/");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->kind, alder::PathEntry::Kind::value);
  EXPECT_EQ(v->data, "bytes");
  auto g = s.entry("g");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->kind, alder::PathEntry::Kind::group);
  EXPECT_EQ(g->data, "");
  auto l = s.entry({"g", "l"});
  ASSERT_TRUE(l);
  EXPECT_EQ(l->kind, alder::PathEntry::Kind::link);
  EXPECT_EQ(l->data, "data");
  EXPECT_EQ(s.entry("g/l/v"), std::nullopt);  // through a link: not followed
  EXPECT_EQ(s.entry("data"), std::nullopt);   // only entries below it
  EXPECT_EQ(s.entry(""), std::nullopt);       // the root
  EXPECT_EQ(s.entry("group")->kind, alder::PathEntry::Kind::value);
  EXPECT_THROW(s.entry(std::string(700, 'k')), alder::Error);
}

TEST_F(PathStoreSnapshotTest, SeesOneStateAndIdAdvancesWithCommits) {
  store_.write("k", "old");
  PathStore::Snapshot s = store_.snapshot();
  const std::uint64_t id = s.id();
  store_.write("k", "new");
  store_.make_link("k", "alias");
  EXPECT_EQ(s.read("k"), "old");             // the snapshot's state
  EXPECT_EQ(s.type("alias"), PathType::not_found);
  PathStore::Snapshot t = store_.snapshot();
  EXPECT_GT(t.id(), id);
  EXPECT_EQ(t.read("alias"), "new");
  EXPECT_EQ(store_.read("k"), "new");
}

TEST_F(PathStoreSnapshotTest, EndedSnapshotThrowsAndEnvCanClose) {
  PathStore::Snapshot s = store_.snapshot();
  EXPECT_TRUE(s.live());
  EXPECT_THROW(env_.close(), alder::Error);  // busy: a live read txn
  s.end();
  s.end();  // idempotent
  EXPECT_FALSE(s.live());
  try {
    s.read("k");
    ADD_FAILURE() << "read after end";
  } catch (const alder::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::txn_finished);
  }
  PathStore::Snapshot moved = store_.snapshot();
  s = std::move(moved);
  EXPECT_TRUE(s.live());
  s.end();
  env_.close();
}

}  // namespace
