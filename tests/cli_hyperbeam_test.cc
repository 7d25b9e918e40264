// Tests of `alder import-hyperbeam` and `alder export-hyperbeam` (tools/),
// run as a child process on hb_store_lmdb databases built with python3-lmdb
// (as a HyperBEAM node writes them: one unnamed db, "group" and
// "link:<target>" values), read back with alder::PathStore and liblmdb.
#include <alder/path_store.hpp>
#include <gtest/gtest.h>
#include <lmdb.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

#ifndef ALDER_CLI_PATH

TEST(CliHyperbeam, NotBuilt) { GTEST_SKIP() << "the alder tool (tools/) is not part of this build"; }

#else

namespace {

using Records = std::map<std::string, std::string>;

constexpr const char* kPython = "/usr/bin/python3";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string q(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

/// Every record of the main db of the LMDB env in directory dir.
Records read_lmdb(const std::string& dir) {
  Records out;
  MDB_env* env = nullptr;
  EXPECT_EQ(mdb_env_create(&env), 0);
  EXPECT_EQ(mdb_env_open(env, dir.c_str(), MDB_RDONLY, 0644), 0);
  MDB_txn* txn = nullptr;
  EXPECT_EQ(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), 0);
  MDB_dbi dbi;
  EXPECT_EQ(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
  MDB_cursor* c = nullptr;
  EXPECT_EQ(mdb_cursor_open(txn, dbi, &c), 0);
  MDB_val k, v;
  for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    out.emplace(std::string(static_cast<char*>(k.mv_data), k.mv_size),
                std::string(static_cast<char*>(v.mv_data), v.mv_size));
  }
  mdb_cursor_close(c);
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return out;
}

struct Result {
  int rc = -1;
  std::string out, err;
};

class CliHyperbeamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system((std::string(kPython) + " -c 'import lmdb' 2>/dev/null").c_str()) != 0) {
      GTEST_SKIP() << "needs python3-lmdb (scripts/setup.sh)";
    }
    char tmpl[] = "/tmp/alder-hb-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string p(const std::string& name) const { return dir_ + "/" + name; }

  Result sh(const std::string& cmd) {
    const std::string o = p(".out"), e = p(".err");
    const int st = std::system((cmd + " >" + q(o) + " 2>" + q(e)).c_str());
    Result r;
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    r.out = slurp(o);
    r.err = slurp(e);
    return r;
  }
  Result alder(const std::string& args) { return sh(q(ALDER_CLI_PATH) + " --no-progress " + args); }
  std::string ok(const std::string& args) {
    Result r = alder(args);
    EXPECT_EQ(r.rc, 0) << "alder " << args << "\nstderr: " << r.err;
    return r.out;
  }
  void expect_clean_failure(const Result& r, const std::string& want, const std::string& what) {
    EXPECT_NE(r.rc, 0) << what;
    EXPECT_LT(r.rc, 128) << what;
    EXPECT_EQ(r.err.rfind("alder: ", 0), 0u) << what << ": " << r.err;
    EXPECT_NE(r.err.find(want), std::string::npos) << what << ": want '" << want << "' in: " << r.err;
  }
  /// Builds an hb_store_lmdb database in directory `name` with python3-lmdb
  /// from Python statements that call put(key, value) (bytes).
  void make_hb_db(const std::string& name, const std::string& puts) {
    const std::string script = p(name + ".py");
    std::ofstream(script) << "import lmdb, os, sys\n"
                          << "env = lmdb.open(sys.argv[1], map_size=1 << 30)\n"
                          << "with env.begin(write=True) as t:\n"
                          << "    put = lambda k, v: t.put(k, v)\n"
                          << puts << "env.close()\n";
    Result r = sh(std::string(kPython) + " " + q(script) + " " + q(p(name)));
    ASSERT_EQ(r.rc, 0) << r.err;
  }

  std::string dir_;
};

// A node's store: groups, values, links to groups and to values, a link in
// the middle of a read path, a link whose parents are missing, a cycle,
// marker look-alikes, a large value and a wide group.
const char* kNodeDb =
    "    put(b'data', b'group')\n"
    "    put(b'data/bar', b'group')\n"
    "    put(b'data/bar/baz', b'Bam')\n"
    "    put(b'msg/key', b'value')\n"
    "    put(b'my-link', b'link:data/bar')\n"
    "    put(b'alias', b'link:msg/key')\n"
    "    put(b'mid', b'group')\n"
    "    put(b'mid/link', b'link:data')\n"
    "    put(b'deep/a/b/l', b'link:data/bar/baz')\n"
    "    put(b'c1', b'link:c2')\n"
    "    put(b'c2', b'link:c1')\n"
    "    put(b'looks', b'link:')\n"
    "    put(b'empty', b'')\n"
    "    put(b'g2', b'group')\n"
    "    put(b'big', bytes(range(256)) * 12288)\n"
    "    put(b'items', b'group')\n"
    "    for i in range(1000): put(b'items/%d' % i, b'v%d' % i)\n";

TEST_F(CliHyperbeamTest, ImportThenExportRoundTrip) {
  make_hb_db("node", kNodeDb);
  const std::string out = ok("import-hyperbeam " + q(p("node")) + " " + q(p("store.alder")));
  EXPECT_NE(out.find("imported 1,005 values"), std::string::npos) << out;
  EXPECT_NE(out.find("5 groups, 6 links"), std::string::npos) << out;
  EXPECT_NE(out.find("checked both ways"), std::string::npos) << out;
  EXPECT_NE(out.find("3 parent groups made for links"), std::string::npos) << out;
  {
    alder::Env env = alder::Env::open(p("store.alder"));
    alder::PathStore s(env);
    EXPECT_EQ(s.read("my-link/baz"), "Bam");           // link to a group
    EXPECT_EQ(s.read("mid/link/bar/baz"), "Bam");      // link in mid-path
    EXPECT_EQ(s.read("alias"), "value");               // link to a value
    EXPECT_EQ(s.read("deep/a/b/l"), "Bam");
    EXPECT_EQ(s.type("deep/a"), alder::PathType::composite);  // made for the link
    EXPECT_EQ(s.type("my-link"), alder::PathType::composite);
    EXPECT_EQ(s.list("my-link"), std::vector<std::string>{"baz"});
    EXPECT_EQ(s.read("c1"), std::nullopt);             // a cycle
    EXPECT_EQ(s.read("looks"), "link:");               // not a link: no target
    EXPECT_EQ(s.read("empty"), "");
    EXPECT_EQ(s.list("g2"), std::vector<std::string>{});
    std::string big;
    for (int r = 0; r < 12288; ++r) {
      for (int b = 0; b < 256; ++b) big.push_back(static_cast<char>(b));
    }
    EXPECT_EQ(s.read("big"), big);
    EXPECT_EQ(s.list("items")->size(), 1000u);
    EXPECT_EQ(s.read("items/999"), "v999");
  }
  const std::string ex = ok("export-hyperbeam " + q(p("store.alder")) + " " + q(p("back")));
  EXPECT_NE(ex.find("exported 1,005 values"), std::string::npos) << ex;
  Records src = read_lmdb(p("node"));
  Records back = read_lmdb(p("back"));
  // What comes back is the source plus the groups the links' parents became.
  src["deep"] = src["deep/a"] = src["deep/a/b"] = "group";
  EXPECT_EQ(back.size(), src.size());
  EXPECT_TRUE(back == src);
  // The exported db imports again to the same store.
  ok("import-hyperbeam " + q(p("back")) + " " + q(p("again.alder")));
}

TEST_F(CliHyperbeamTest, KeysBelowALinkAreRefusedOrSkipped) {
  make_hb_db("shadow", "    put(b'data/x', b'1')\n    put(b'lnk', b'link:data')\n    put(b'lnk/y', b'hidden')\n");
  expect_clean_failure(alder("import-hyperbeam " + q(p("shadow")) + " " + q(p("s.alder"))), "below a link",
                       "shadowed key");
  EXPECT_FALSE(fs::exists(p("s.alder")));
  const std::string out = ok("import-hyperbeam --skip-shadowed " + q(p("shadow")) + " " + q(p("s.alder")));
  EXPECT_NE(out.find("skipped 1 keys below links"), std::string::npos) << out;
  alder::Env env = alder::Env::open(p("s.alder"));
  alder::PathStore s(env);
  EXPECT_EQ(s.read("lnk/x"), "1");
  EXPECT_EQ(s.read("lnk/y"), std::nullopt);
}

TEST_F(CliHyperbeamTest, BadInput) {
  expect_clean_failure(alder("import-hyperbeam " + q(p("missing")) + " " + q(p("x.alder"))), "No such file",
                       "missing db");
  make_hb_db("clash", "    put(b'a/b', b'1')\n    put(b'a//b', b'2')\n");
  expect_clean_failure(alder("import-hyperbeam " + q(p("clash")) + " " + q(p("x.alder"))), "same path",
                       "two keys, one path");
  make_hb_db("ok", "    put(b'k', b'v')\n");
  std::ofstream(p("exists.alder")) << "x";
  expect_clean_failure(alder("import-hyperbeam " + q(p("ok")) + " " + q(p("exists.alder"))), "exists",
                       "existing target");
  ok("import-hyperbeam " + q(p("ok")) + " " + q(p("ok.alder")));
  fs::create_directory(p("full"));
  std::ofstream(p("full/file")) << "x";
  expect_clean_failure(alder("export-hyperbeam " + q(p("ok.alder")) + " " + q(p("full"))), "not an empty",
                       "non-empty export dir");
  expect_clean_failure(alder("export-hyperbeam " + q(p("nope.alder")) + " " + q(p("out"))), "nope.alder",
                       "missing store");
  EXPECT_FALSE(fs::exists(p("x.alder")));
  EXPECT_FALSE(fs::exists(p("out")));
}

}  // namespace

#endif
