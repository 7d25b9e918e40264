// Tests of the path store's layout 2 (docs/PATH_STORE.md, "Layout"): listing
// by a skip-scan of the tree (against a model, in full and in pages both
// ways), the parent memo of a batch, and the conversion of layout-1 files
// (or their refusal).
#include <alder/path_store.hpp>

#include <set>

#include "test_util.h"

namespace {

using alder::Direction;
using alder::ErrorCode;
using alder::PathStore;
using alder::PathType;
using alder_test::TempDir;
using Names = std::vector<std::string>;

/// Children of `parent` in a set of stored paths (what list() must give):
/// every first segment below parent, once, sorted bytewise.
Names model_children(const std::set<std::string>& paths, const std::string& parent) {
  std::set<std::string> names;
  const std::string prefix = parent.empty() ? "" : parent + "/";
  for (const std::string& p : paths) {
    if (p.size() <= prefix.size() || p.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = p.substr(prefix.size());
    names.insert(rest.substr(0, rest.find('/')));
  }
  return Names(names.begin(), names.end());
}

/// All pages of list(path) with `limit`, in one direction, concatenated.
Names paged(PathStore& s, const std::string& path, std::size_t limit, Direction dir) {
  Names out;
  std::string from;
  for (int guard = 0; guard < 10000; ++guard) {
    auto page = s.list(path, from, limit, dir);
    if (!page) return {"<nullopt>"};
    out.insert(out.end(), page->names.begin(), page->names.end());
    if (!page->more) return out;
    EXPECT_EQ(page->names.size(), limit);
    from = page->names.back();
  }
  ADD_FAILURE() << "paging did not end";
  return out;
}

// Names that sort around each other and around the separator: "a" with a
// deep subtree, then "a-x", "a\x01" and "a0", which sort between a's key and
// the keys of a's subtree with '/' as separator ('-' < '/' < '0'), so the
// listing must neither repeat "a" nor interleave; implicit parents (written
// below without an entry of their own) are listed too.
TEST(PathStoreLayout, ListSkipsSubtreesAndKeepsOrder) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  PathStore s(env);
  s.make_group("g");
  s.make_group("g/a");
  s.write("g/a/b/c", "1");
  s.write("g/a/b/d", "2");
  s.write("g/a/e", "3");
  s.write("g/a-x", "4");
  s.write(std::string("g/a\x01"), "5");
  s.write("g/a0/deep/er", "6");  // implicit parents g/a0, g/a0/deep
  s.write("g/b", "7");
  const Names want = {"a", "a-x", std::string("a\x01"), "a0", "b"};
  std::set<std::string> sorted(want.begin(), want.end());
  const Names want_sorted(sorted.begin(), sorted.end());
  EXPECT_EQ(s.list("g"), want_sorted);
  EXPECT_EQ(s.list("g/a"), (Names{"b", "e"}));
  EXPECT_EQ(s.list("g/a0"), (Names{"deep"}));
  EXPECT_EQ(s.type("g/a0"), PathType::not_found);  // listed, but no entry of its own
  EXPECT_EQ(s.list(""), (Names{"g"}));
  for (std::size_t limit : {1u, 2u, 3u, 10u}) {
    EXPECT_EQ(paged(s, "g", limit, Direction::forward), want_sorted) << limit;
    Names rev(want_sorted.rbegin(), want_sorted.rend());
    EXPECT_EQ(paged(s, "g", limit, Direction::reverse), rev) << limit;
  }
  // A value with entries below it lists them; a value without none.
  s.write("v", "x");
  EXPECT_EQ(s.list("v"), std::nullopt);
  s.write("v/w", "y");
  EXPECT_EQ(s.list("v"), (Names{"w"}));
}

// Random trees: list() of every node, in full and paged both ways, agrees
// with the model built from the set of written paths.
TEST(PathStoreLayout, ListAgreesWithModel) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  PathStore s(env);
  std::mt19937_64 rng(7);
  // A small alphabet (with '-', '0' and '\x01' around '/') makes names that
  // are prefixes of one another, the hard case for a skip-scan.
  const std::string alphabet = std::string("a-0\x01") + "b";
  auto name = [&] {
    std::string n;
    std::size_t len = 1 + rng() % 3;
    for (std::size_t i = 0; i < len; ++i) n.push_back(alphabet[rng() % alphabet.size()]);
    return n;
  };
  std::set<std::string> paths;  // every stored path and all its prefixes' names
  std::set<std::string> nodes{""};
  {
    PathStore::Batch b = s.begin_batch();
    for (int i = 0; i < 400; ++i) {
      std::string p;
      std::size_t depth = 1 + rng() % 4;
      for (std::size_t d = 0; d < depth; ++d) {
        if (!p.empty()) p.push_back('/');
        p += name();
        nodes.insert(p);
      }
      if (rng() % 4 == 0) {
        b.make_group(p);
      } else {
        b.write(p, "v");
      }
      paths.insert(p);
    }
    b.commit();
  }
  int listed = 0;
  for (const std::string& n : nodes) {
    Names want = model_children(paths, n);
    auto got = s.list(n);
    if (want.empty()) {
      // An entry without children: a group lists as empty, a value as nullopt.
      if (got) {
        EXPECT_TRUE(got->empty()) << n;
      }
      continue;
    }
    ASSERT_TRUE(got) << n;
    EXPECT_EQ(*got, want) << n;
    ++listed;
    for (std::size_t limit : {1u, 3u}) {
      EXPECT_EQ(paged(s, n, limit, Direction::forward), want) << n << " " << limit;
      Names rev(want.rbegin(), want.rend());
      EXPECT_EQ(paged(s, n, limit, Direction::reverse), rev) << n << " " << limit;
    }
  }
  EXPECT_GT(listed, 100);  // the tree has that many inner nodes
}

// A batch resolves a repeated parent once (the parent memo), but a link
// written in the batch makes it resolve again: the writes after the link
// land where a fresh resolution would put them.
TEST(PathStoreLayout, BatchParentMemoFollowsLinkChanges) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  PathStore s(env);
  s.make_group("t1");
  s.make_group("t2");
  PathStore::Batch b = s.begin_batch();
  b.make_link("t1", "p");
  b.write("p/x", "1");  // -> t1/x
  b.make_link("t2", "p");
  b.write("p/y", "2");  // -> t2/y, not t1/y
  b.write("p", "value");  // p is a value now: p/z has no resolved parent link
  b.write("p/z", "3");    // -> p/z literally
  b.commit();
  EXPECT_EQ(s.read("t1/x"), "1");
  EXPECT_EQ(s.read("t2/y"), "2");
  EXPECT_EQ(s.read("t1/y"), std::nullopt);
  EXPECT_EQ(s.list("p"), (Names{"z"}));
  EXPECT_EQ(s.snapshot().entry("p/z")->data, "3");
}

// ------------------------------------------------------------ layout 1

/// Writes a layout-1 path store by hand with the engine API, as alder 0.1
/// before layout 2 stored it: entries keyed by the normalised path with a
/// kind byte, a children index (parent \0 name), the link index (name \0
/// target \0 parent), meta version "1" and a link generation.
void write_layout1(alder::Env& env, std::string_view version = "1",
                   std::string_view bad_entry = "") {
  alder::Txn t = env.begin_write();
  alder::Dbi entries = t.open_db("path_store.entries", alder::DbFlags::create);
  alder::Dbi children = t.open_db("path_store.children", alder::DbFlags::create);
  alder::Dbi links = t.open_db("path_store.links", alder::DbFlags::create);
  alder::Dbi meta = t.open_db("path_store.meta", alder::DbFlags::create);
  auto child = [&](std::string_view parent, std::string_view name) {
    t.put(children, std::string(parent) + '\0' + std::string(name), "");
  };
  t.put(entries, "msgs", "g");
  child("", "msgs");
  t.put(entries, "msgs/1", "vhello");
  child("msgs", "1");
  t.put(entries, "msgs/1-a", "vgroup");  // a value that looks like a marker
  child("msgs", "1-a");
  t.put(entries, "msgs/1/part", "vnested");  // below a value
  child("msgs/1", "part");
  t.put(entries, "free/x", "vimplicit");  // no entry for "free"
  child("", "free");
  child("free", "x");
  t.put(entries, "id1", "g");
  child("", "id1");
  t.put(entries, "id1/latest", "lmsgs/1");
  child("id1", "latest");
  t.put(links, std::string("latest") + '\0' + "msgs/1" + '\0' + "id1", "");
  if (!bad_entry.empty()) t.put(entries, "bad", bad_entry);
  std::string gen(8, '\0');
  gen[0] = 3;
  t.put(meta, "link_gen", gen);
  t.put(meta, "version", version);
  t.commit();
}

std::vector<std::string> db_names(alder::Env& env) {
  alder::Txn t = env.begin_read();
  return t.list_dbs();
}

TEST(PathStoreLayout, Layout1IsConvertedOnOpen) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  write_layout1(env);
  PathStore s(env);
  EXPECT_EQ(db_names(env),
            (Names{"path_store.links", "path_store.meta", "path_store.tree"}));
  EXPECT_EQ(s.read("msgs/1"), "hello");
  EXPECT_EQ(s.read("msgs/1-a"), "group");
  EXPECT_EQ(s.read("msgs/1/part"), "nested");
  EXPECT_EQ(s.read("id1/latest"), "hello");
  EXPECT_EQ(s.resolve("id1/latest"), "msgs/1");
  EXPECT_EQ(s.type("msgs"), PathType::composite);
  EXPECT_EQ(s.type("free"), PathType::not_found);
  EXPECT_EQ(s.list(""), (Names{"free", "id1", "msgs"}));
  EXPECT_EQ(s.list("msgs"), (Names{"1", "1-a"}));
  EXPECT_EQ(s.list("free"), (Names{"x"}));
  EXPECT_EQ(s.match({{"latest", "msgs/1"}}), (Names{"id1"}));
  // It goes on as a layout-2 store, and a second open finds it converted.
  s.make_link("msgs/1-a", "id1/latest");
  EXPECT_EQ(s.read("id1/latest"), "group");
  EXPECT_EQ(s.match({{"latest", "msgs/1"}}), Names{});
  PathStore again(env);
  EXPECT_EQ(again.read("msgs/1"), "hello");
  {
    alder::Txn t = env.begin_read();
    alder::Dbi meta = t.open_db("path_store.meta");
    EXPECT_EQ(t.get(meta, "version"), "2");
  }
  EXPECT_TRUE(env.verify().ok());
}

TEST(PathStoreLayout, Layout1OnAReadOnlyEnvIsRefused) {
  TempDir dir;
  {
    alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
    write_layout1(env);
  }
  alder::EnvOptions ro = alder_test::fast_options();
  ro.read_only = true;
  {
    alder::Env env = alder::Env::open(dir.file(), ro);
    EXPECT_ALDER_ERROR(ErrorCode::version_mismatch, PathStore s(env));
  }
  // Nothing was changed: a writable open converts it.
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  EXPECT_TRUE(std::find(db_names(env).begin(), db_names(env).end(), "path_store.entries") !=
              db_names(env).end());
  PathStore s(env);
  EXPECT_EQ(s.read("msgs/1"), "hello");
}

TEST(PathStoreLayout, UnknownVersionAndBadLayout1EntryLeaveTheFileAsItWas) {
  TempDir dir;
  alder::Env env = alder::Env::open(dir.file(), alder_test::fast_options());
  write_layout1(env, "7");
  EXPECT_ALDER_ERROR(ErrorCode::version_mismatch, PathStore s(env));
  TempDir dir2;
  alder::Env env2 = alder::Env::open(dir2.file(), alder_test::fast_options());
  write_layout1(env2, "1", "?no kind");
  const Names before = db_names(env2);
  EXPECT_ALDER_ERROR(ErrorCode::corrupted, PathStore s(env2));
  EXPECT_EQ(db_names(env2), before);  // the conversion's txn was aborted
  alder::Txn t = env2.begin_read();
  EXPECT_EQ(t.get(t.open_db("path_store.meta"), "version"), "1");
}

}  // namespace
