// Tests of the `alder` command-line tool (tools/), run as a child process,
// against LMDB's mdb_dump / mdb_load (lmdb-utils) and liblmdb.
//
// Dump texts are compared after dropping the header lines that describe an
// environment rather than a db (mapsize=, maxreaders=, db_pagesize=,
// mapaddr=): alder has no map size or reader limit to report. Everything
// else, every record line included, must be byte-for-byte the same.
#include <alder/alder.hpp>
#include <gtest/gtest.h>
#include <lmdb.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace fs = std::filesystem;

#ifndef ALDER_CLI_PATH

TEST(Cli, NotBuilt) { GTEST_SKIP() << "the alder tool (tools/) is not part of this build"; }

#else

namespace {

using Records = std::map<std::string, std::string>;
using Dbs = std::map<std::string, Records>;  // "" = main db

struct Result {
  int rc = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string q(const std::string& s) {  // shell quoting
  std::string r = "'";
  for (char c : s) {
    if (c == '\'') {
      r += "'\\''";
    } else {
      r += c;
    }
  }
  return r + "'";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/alder-cli-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string p(const std::string& name) const { return dir_ + "/" + name; }

  // Runs a shell command line; stdout and stderr captured.
  Result sh(const std::string& cmd) {
    const std::string o = p(".out"), e = p(".err");
    const int st = std::system((cmd + " >" + q(o) + " 2>" + q(e)).c_str());
    Result r;
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    r.out = slurp(o);
    r.err = slurp(e);
    return r;
  }
  Result alder(const std::string& args) {
    return sh(std::string(q(ALDER_CLI_PATH)) + " --no-progress " + args);
  }
  // The alder tool must succeed.
  std::string ok(const std::string& args) {
    Result r = alder(args);
    EXPECT_EQ(r.rc, 0) << "alder " << args << "\nstderr: " << r.err;
    return r.out;
  }
  std::string sh_ok(const std::string& cmd) {
    Result r = sh(cmd);
    EXPECT_EQ(r.rc, 0) << cmd << "\nstderr: " << r.err;
    return r.out;
  }
  // A failed command: non-zero exit, one line on stderr starting "alder: "
  // and containing every `want`, no crash or stack trace.
  void expect_clean_failure(const Result& r, const std::vector<std::string>& want,
                            const std::string& what) {
    EXPECT_NE(r.rc, 0) << what;
    EXPECT_LT(r.rc, 128) << what;
    EXPECT_EQ(r.err.rfind("alder: ", 0), 0u) << what << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
    EXPECT_EQ(r.err.find("terminate"), std::string::npos) << what;
    for (const std::string& w : want) {
      EXPECT_NE(r.err.find(w), std::string::npos) << what << ": want '" << w << "' in: " << r.err;
    }
  }

  std::string dir_;
};

// Drops the environment lines of a dump header (see the top of the file).
std::string normalize(const std::string& dump) {
  std::istringstream in(dump);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("mapsize=", 0) == 0 || line.rfind("maxreaders=", 0) == 0 ||
        line.rfind("db_pagesize=", 0) == 0 || line.rfind("mapaddr=", 0) == 0) {
      continue;
    }
    out += line + "\n";
  }
  return out;
}

// Equality of two dump texts, reported as the first differing line (the
// texts are large).
::testing::AssertionResult same_text(const std::string& a, const std::string& b) {
  if (a == b) return ::testing::AssertionSuccess();
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(ia, la));
    const bool gb = static_cast<bool>(std::getline(ib, lb));
    if (!ga || !gb || la != lb) {
      return ::testing::AssertionFailure()
             << "texts differ at line " << line << " (sizes " << a.size() << " and " << b.size()
             << "):\n  " << (ga ? la.substr(0, 120) : "<end>") << "\n  "
             << (gb ? lb.substr(0, 120) : "<end>");
    }
  }
}

std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string r;
  for (unsigned char c : s) {
    r += d[c >> 4];
    r += d[c & 15];
  }
  return r;
}

// A bytevalue dump of dbs as mdb_load reads it (named dbs sorted, as
// mdb_dump -a writes them; the main db first when present).
std::string make_dump(const Dbs& dbs) {
  std::string t;
  for (const auto& [name, recs] : dbs) {
    t += "VERSION=3\nformat=bytevalue\n";
    if (!name.empty()) t += "database=" + name + "\n";
    t += "type=btree\nmapsize=268435456\nHEADER=END\n";
    for (const auto& [k, v] : recs) t += " " + hex(k) + "\n " + hex(v) + "\n";
    t += "DATA=END\n";
  }
  return t;
}

// Binary keys (every byte value, NULs included), empty values, values larger
// than a page, and a run of ordinary ones. Without backslashes when
// `no_backslash` (LMDB 0.9.24's mdb_dump -p writes '\' unescaped, so print
// format cannot carry it; see docs/CLI.md).
Records make_records(unsigned seed, int n, bool no_backslash) {
  std::mt19937 rng(seed);
  Records r;
  auto byte = [&] {
    for (;;) {
      const char c = static_cast<char>(rng() & 0xff);
      if (!(no_backslash && c == '\\')) return c;
    }
  };
  std::string all;
  for (int c = 0; c < 256; ++c) {
    if (!(no_backslash && c == '\\')) all.push_back(static_cast<char>(c));
  }
  r[all] = "every byte value";
  r[std::string(1, '\0')] = "";
  r[std::string(2, '\xff')] = std::string(1, '\0');
  r["large"] = std::string(10000, 'L');
  r["larger"] = std::string(70000, '\x01');
  for (int i = 0; i < n; ++i) {
    std::string k(1 + rng() % 40, ' ');
    for (char& c : k) c = byte();
    std::string v(rng() % 3 == 0 ? 0 : rng() % 300, ' ');
    for (char& c : v) c = byte();
    r[k] = v;
  }
  return r;
}

Dbs make_dbs(unsigned seed, bool no_backslash, bool with_main) {
  Dbs d;
  if (with_main) d[""] = make_records(seed, 300, no_backslash);
  d["alpha"] = make_records(seed + 1, 1500, no_backslash);
  d["beta"] = make_records(seed + 2, 10, no_backslash);
  d["gamma db"] = make_records(seed + 3, 400, no_backslash);
  return d;
}

// ---------------------------------------------------------------------------
// Round trips with LMDB.

// mdb_load -> LMDB -> mdb_dump -> alder load -> alder dump: identical text.
TEST_F(CliTest, RoundTripFromLmdbBytevalueNamedDbs) {
  const Dbs dbs = make_dbs(1, false, false);
  spit(p("in.dump"), make_dump(dbs));
  sh_ok("mdb_load -n -f " + q(p("in.dump")) + " " + q(p("lmdb.mdb")));
  const std::string d1 = sh_ok("mdb_dump -n -a " + q(p("lmdb.mdb")));
  spit(p("d1"), d1);
  ok("load " + q(p("a.alder")) + " -f " + q(p("d1")));
  const std::string d2 = ok("dump --all " + q(p("a.alder")));
  EXPECT_TRUE(same_text(normalize(d1), normalize(d2)));
  EXPECT_TRUE(same_text(normalize(d2), normalize(make_dump(dbs))));
  // Per db too, with -s / --db.
  EXPECT_TRUE(same_text(normalize(sh_ok("mdb_dump -n -s beta " + q(p("lmdb.mdb")))),
            normalize(ok("dump --db beta " + q(p("a.alder"))))));
}

TEST_F(CliTest, RoundTripFromLmdbPrintNamedDbs) {
  const Dbs dbs = make_dbs(2, true, false);
  spit(p("in.dump"), make_dump(dbs));
  sh_ok("mdb_load -n -f " + q(p("in.dump")) + " " + q(p("lmdb.mdb")));
  const std::string d1 = sh_ok("mdb_dump -n -a -p " + q(p("lmdb.mdb")));
  spit(p("d1"), d1);
  ok("load " + q(p("a.alder")) + " -f " + q(p("d1")));
  const std::string d2 = ok("dump --all -p " + q(p("a.alder")));
  EXPECT_TRUE(same_text(normalize(d1), normalize(d2)));
  // And the same records as the bytevalue dump.
  EXPECT_TRUE(same_text(normalize(ok("dump --all " + q(p("a.alder")))), normalize(make_dump(dbs))));
}

TEST_F(CliTest, RoundTripFromLmdbMainDbBothFormats) {
  Dbs dbs;
  dbs[""] = make_records(3, 2000, true);
  spit(p("in.dump"), make_dump(dbs));
  sh_ok("mdb_load -n -f " + q(p("in.dump")) + " " + q(p("lmdb.mdb")));
  for (const char* flag : {"", "-p"}) {
    const std::string d1 = sh_ok(std::string("mdb_dump -n ") + flag + " " + q(p("lmdb.mdb")));
    spit(p("d1"), d1);
    fs::remove(p("a.alder"));
    ok("load " + q(p("a.alder")) + " -f " + q(p("d1")));
    EXPECT_TRUE(same_text(normalize(d1), normalize(ok(std::string("dump ") + flag + " " + q(p("a.alder"))))))
        << "format flag '" << flag << "'";
  }
}

// alder dump -> mdb_load -> mdb_dump: identical text, no warnings.
TEST_F(CliTest, RoundTripIntoLmdbBothFormats) {
  const Dbs dbs = make_dbs(4, false, false);  // backslashes included
  spit(p("in.dump"), make_dump(dbs));
  ok("load " + q(p("a.alder")) + " -f " + q(p("in.dump")));
  for (const char* flag : {"", "-p"}) {
    const std::string mdb = p(std::string("lmdb") + flag + ".mdb");
    const std::string d = ok(std::string("dump --all ") + flag + " " + q(p("a.alder")));
    spit(p("d"), d);
    Result r = sh("mdb_load -n -f " + q(p("d")) + " " + q(mdb));
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.err, "") << "mdb_load warned";
    // The records arrive intact: LMDB's bytevalue dump equals alder's.
    EXPECT_TRUE(same_text(normalize(sh_ok("mdb_dump -n -a " + q(mdb))),
              normalize(ok("dump --all " + q(p("a.alder"))))))
        << "format flag '" << flag << "'";
  }
  // Print format, data without backslashes: mdb_dump -p gives alder's text.
  const Dbs plain = make_dbs(5, true, false);
  spit(p("in2.dump"), make_dump(plain));
  ok("load " + q(p("b.alder")) + " -f " + q(p("in2.dump")));
  const std::string d = ok("dump --all -p " + q(p("b.alder")));
  spit(p("d2"), d);
  sh_ok("mdb_load -n -f " + q(p("d2")) + " " + q(p("lmdb2.mdb")));
  EXPECT_TRUE(same_text(normalize(sh_ok("mdb_dump -n -a -p " + q(p("lmdb2.mdb")))), normalize(d)));
}

// Main db and named dbs in one stream: both tools put each section where
// its database= line says.
TEST_F(CliTest, RoundTripMainAndNamedIntoLmdb) {
  const Dbs dbs = make_dbs(6, false, true);
  spit(p("in.dump"), make_dump(dbs));
  ok("load " + q(p("a.alder")) + " -f " + q(p("in.dump")));
  const std::string d = ok("dump --all " + q(p("a.alder")));
  EXPECT_TRUE(same_text(normalize(d), normalize(make_dump(dbs))));
  spit(p("d"), d);
  sh_ok("mdb_load -n -f " + q(p("d")) + " " + q(p("lmdb.mdb")));
  EXPECT_TRUE(same_text(normalize(sh_ok("mdb_dump -n -s alpha " + q(p("lmdb.mdb")))),
            normalize(ok("dump --db alpha " + q(p("a.alder"))))));
}

TEST_F(CliTest, PlainTextLoad) {
  // mdb_load -T input: key line, value line; \hh escapes, "\\" a backslash.
  spit(p("t.txt"), "apple\nred\nb\\00x\n\nback\\\\slash\nv\\5c\n");
  ok("load -T " + q(p("a.alder")) + " -f " + q(p("t.txt")));
  EXPECT_EQ(ok("scan --hex " + q(p("a.alder"))),
            hex("apple") + "\t" + hex("red") + "\n" + hex(std::string("b\0x", 3)) + "\t\n" +
                hex("back\\slash") + "\t" + hex("v\\") + "\n");
  sh_ok("mdb_load -n -T -f " + q(p("t.txt")) + " " + q(p("lmdb.mdb")));
  EXPECT_TRUE(same_text(normalize(sh_ok("mdb_dump -n " + q(p("lmdb.mdb")))), normalize(ok("dump " + q(p("a.alder"))))));
}

// ---------------------------------------------------------------------------
// import-lmdb

void write_lmdb(const std::string& path, const Dbs& dbs, unsigned flags = MDB_NOSUBDIR) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 16);
  mdb_env_set_mapsize(env, std::size_t{1} << 28);
  ASSERT_EQ(mdb_env_open(env, path.c_str(), flags, 0644), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  for (const auto& [name, recs] : dbs) {
    MDB_dbi dbi;
    ASSERT_EQ(mdb_dbi_open(txn, name.empty() ? nullptr : name.c_str(), MDB_CREATE, &dbi), 0);
    for (const auto& [k, v] : recs) {
      MDB_val key{k.size(), const_cast<char*>(k.data())};
      MDB_val val{v.size(), const_cast<char*>(v.data())};
      ASSERT_EQ(mdb_put(txn, dbi, &key, &val, 0), 0);
    }
  }
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

TEST_F(CliTest, ImportLmdbEqualsDumpAndLoad) {
  const Dbs dbs = make_dbs(7, false, false);
  write_lmdb(p("lmdb.mdb"), dbs);
  ok("import-lmdb " + q(p("lmdb.mdb")) + " " + q(p("imported.alder")));
  spit(p("d"), sh_ok("mdb_dump -n -a " + q(p("lmdb.mdb"))));
  ok("load " + q(p("loaded.alder")) + " -f " + q(p("d")));
  const std::string a = ok("dump --all " + q(p("imported.alder")));
  EXPECT_TRUE(same_text(a, ok("dump --all " + q(p("loaded.alder")))));
  EXPECT_TRUE(same_text(normalize(a), normalize(make_dump(dbs))));
  EXPECT_EQ(ok("-q verify " + q(p("imported.alder"))), "");
}

TEST_F(CliTest, ImportLmdbMainAndNamedDbsAndDirectoryEnv) {
  // Plain records in the main db next to named dbs; an env directory.
  const Dbs dbs = make_dbs(8, false, true);
  fs::create_directory(p("envdir"));
  write_lmdb(p("envdir"), dbs, 0);
  ok("import-lmdb " + q(p("envdir")) + " " + q(p("i.alder")));
  EXPECT_TRUE(same_text(normalize(ok("dump --all " + q(p("i.alder")))), normalize(make_dump(dbs))));
}

TEST_F(CliTest, ImportLmdbBadInput) {
  expect_clean_failure(alder("import-lmdb " + q(p("missing.mdb")) + " " + q(p("x.alder"))),
                       {p("missing.mdb"), "No such file"}, "missing lmdb");
  spit(p("junk.mdb"), std::string(20000, 'j'));
  expect_clean_failure(alder("import-lmdb " + q(p("junk.mdb")) + " " + q(p("x.alder"))),
                       {p("junk.mdb")}, "junk lmdb");
  EXPECT_FALSE(fs::exists(p("x.alder")));
}

// ---------------------------------------------------------------------------
// copy, compact, verify

// A file with many free pages: 20,000 records, then 90 % deleted.
void make_holey(CliTest& t, const std::string& path) {
  alder::Env env = alder::Env::open(path);
  {
    alder::Txn w = env.begin_write();
    alder::Dbi side = w.open_db("side", alder::DbFlags::create);
    for (int i = 0; i < 20000; ++i) {
      char k[32];
      std::snprintf(k, sizeof k, "key%08d", i * 7919 % 20000);
      w.put(alder::kMainDbi, k, std::string(200, static_cast<char>('a' + i % 26)));
      if (i % 10 == 0) w.put(side, k, std::string(5000, 'S'));
    }
    w.commit();
  }
  {
    alder::Txn w = env.begin_write();
    for (int i = 0; i < 20000; ++i) {
      if (i % 10 == 3) continue;
      char k[32];
      std::snprintf(k, sizeof k, "key%08d", i);
      w.del(k);
    }
    w.commit();
  }
  env.close();
  (void)t;
}

TEST_F(CliTest, CopyCompactIsSmallerAndDumpsIdentically) {
  make_holey(*this, p("holey.alder"));
  const std::string before = ok("dump --all " + q(p("holey.alder")));
  ok("copy --compact " + q(p("holey.alder")) + " " + q(p("compact.alder")));
  ok("copy " + q(p("holey.alder")) + " " + q(p("raw.alder")));
  EXPECT_LT(fs::file_size(p("compact.alder")), fs::file_size(p("holey.alder")));
  EXPECT_EQ(fs::file_size(p("raw.alder")), fs::file_size(p("holey.alder")));
  EXPECT_TRUE(same_text(ok("dump --all " + q(p("compact.alder"))), before));
  EXPECT_TRUE(same_text(ok("dump --all " + q(p("raw.alder"))), before));
  ok("verify " + q(p("compact.alder")));
  ok("verify " + q(p("raw.alder")));
  {
    alder::EnvOptions ro;
    ro.read_only = true;
    alder::Env c = alder::Env::open(p("compact.alder"), ro);
    EXPECT_EQ(c.stat().free_pages, 0u);
  }
  // Refuses to overwrite an existing destination.
  expect_clean_failure(alder("copy " + q(p("holey.alder")) + " " + q(p("raw.alder"))),
                       {p("raw.alder"), "exists"}, "copy onto an existing file");
  // compact --online (Env::compact, pages moved in place): smaller, same dump.
  fs::copy_file(p("holey.alder"), p("online.alder"));
  ok("compact --online " + q(p("online.alder")));
  EXPECT_LT(fs::file_size(p("online.alder")), fs::file_size(p("holey.alder")));
  EXPECT_TRUE(same_text(ok("dump --all " + q(p("online.alder"))), before));
  ok("verify " + q(p("online.alder")));
  // compact in place: smaller, same dump, reports both sizes.
  const auto size0 = fs::file_size(p("holey.alder"));
  const std::string out = ok("compact " + q(p("holey.alder")));
  EXPECT_LT(fs::file_size(p("holey.alder")), size0);
  EXPECT_NE(out.find(std::to_string(size0).substr(0, 2)), std::string::npos) << out;
  EXPECT_TRUE(same_text(ok("dump --all " + q(p("holey.alder"))), before));
  ok("verify " + q(p("holey.alder")));
  for (const auto& de : fs::directory_iterator(dir_)) {
    EXPECT_EQ(de.path().filename().string().find(".tmp-"), std::string::npos)
        << "temp file left behind: " << de.path();
  }
}

// copy and copy --compact run beside a writer in another process (here:
// this test process, committing in a thread): each copy verifies and holds
// exactly one committed state (every commit sets all 200 keys to its own
// number). compact, which rewrites the file in place, refuses to run then.
TEST_F(CliTest, CopyDuringWritesInAnotherProcessIsOneCommittedState) {
  alder::EnvOptions wo;
  wo.durability = alder::Durability::no_sync;
  alder::Env env = alder::Env::open(p("busy.alder"), wo);
  auto commit_round = [&](std::uint64_t round) {
    alder::Txn w = env.begin_write();
    for (int k = 0; k < 200; k++)
      w.put(alder_test::num_key(std::uint64_t(k), 4), std::to_string(round) + std::string(300, '.'));
    w.commit();
  };
  commit_round(0);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> rounds{0};
  std::thread writer([&] {
    for (std::uint64_t r = 1; !stop.load(); r++) {
      commit_round(r);
      rounds.store(r);
    }
  });
  std::vector<std::string> copies;
  for (int i = 0; i < 4; i++) {
    const std::string raw = p("copy" + std::to_string(i) + ".alder");
    const std::string dense = p("dense" + std::to_string(i) + ".alder");
    ok("copy " + q(p("busy.alder")) + " " + q(raw));
    ok("copy --compact " + q(p("busy.alder")) + " " + q(dense));
    copies.push_back(raw);
    copies.push_back(dense);
  }
  expect_clean_failure(alder("compact " + q(p("busy.alder"))), {p("busy.alder"), "lock"},
                       "compact while another process writes");
  stop.store(true);
  writer.join();
  EXPECT_GT(rounds.load(), 0u) << "the writer never committed during the copies";
  for (const std::string& c : copies) {
    ok("verify " + q(c));
    alder::EnvOptions ro;
    ro.read_only = true;
    alder::Env copy = alder::Env::open(c, ro);
    alder::Txn r = copy.begin_read();
    alder_test::Dump d = alder_test::dump_forward(r);
    ASSERT_EQ(d.size(), 200u) << c;
    for (const auto& [k, v] : d)
      ASSERT_EQ(v, d.front().second) << c << ": key " << k << " is from another commit";
  }
}

TEST_F(CliTest, VerifyNamesTheFirstBadPage) {
  {
    alder::Env env = alder::Env::open(p("v.alder"));
    alder::Txn w = env.begin_write();
    for (int i = 0; i < 3000; ++i) w.put("key" + std::to_string(i), std::string(100, 'v'));
    w.commit();
  }
  EXPECT_NE(ok("verify " + q(p("v.alder"))).find("ok"), std::string::npos);
  // Flip bytes in the middle of every page but the two meta pages.
  const auto size = fs::file_size(p("v.alder"));
  {
    std::fstream f(p("v.alder"), std::ios::in | std::ios::out | std::ios::binary);
    for (std::uint64_t off = 2 * 4096 + 2000; off + 8 < size; off += 4096) {
      f.seekp(static_cast<std::streamoff>(off));
      f.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
    }
  }
  Result r = alder("verify " + q(p("v.alder")));
  expect_clean_failure(r, {p("v.alder")}, "verify of a damaged file");
  EXPECT_NE(r.err.find("page"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------
// get put del scan list-dbs drop stat

TEST_F(CliTest, PointCommandsAndScan) {
  const std::string f = q(p("a.alder"));
  for (const char* k : {"apple", "apricot", "banana", "blueberry", "cherry"}) {
    ok(std::string("put ") + f + " " + k + " " + k + "-value");
  }
  ok("put --db other " + f + " x y");
  ok("put --hex " + f + " 00ff 0a0b");
  EXPECT_EQ(ok("get " + f + " banana"), "banana-value\n");
  EXPECT_EQ(ok("get -n " + f + " banana"), "banana-value");
  EXPECT_EQ(ok("get --hex " + f + " 00ff"), "0a0b\n");
  EXPECT_EQ(ok("get --db other " + f + " x"), "y\n");
  EXPECT_EQ(ok("scan --keys-only --prefix ap " + f), "apple\napricot\n");
  EXPECT_EQ(ok("scan --keys-only --prefix b --reverse " + f), "blueberry\nbanana\n");
  EXPECT_EQ(ok("scan --keys-only --from apricot --to blueberry " + f), "apricot\nbanana\n");
  EXPECT_EQ(ok("scan --keys-only --limit 2 " + f), "\\00\\ff\napple\n");
  EXPECT_EQ(ok("scan --prefix ch " + f), "cherry\tcherry-value\n");
  EXPECT_EQ(ok("list-dbs " + f), "other\n");
  const std::string st = ok("stat --all " + f);
  EXPECT_NE(st.find("Entries:         6"), std::string::npos) << st;
  EXPECT_NE(st.find("Database 'other'"), std::string::npos) << st;
  ok("del " + f + " banana");
  expect_clean_failure(alder("get " + f + " banana"), {"not found", "banana"}, "get deleted");
  expect_clean_failure(alder("del " + f + " banana"), {"not found"}, "del missing");
  expect_clean_failure(alder("put -N " + f + " apple x"), {"exists"}, "put -N existing");
  EXPECT_EQ(ok("get " + f + " apple"), "apple-value\n");
  ok("drop --db other " + f);
  EXPECT_EQ(ok("list-dbs " + f), "");
  expect_clean_failure(alder("scan --prefix a --from b " + f), {}, "--prefix with --from");
}

// stat --readers lists a read snapshot another process holds (this test
// process, through a read-only env and the lock file).
TEST_F(CliTest, StatReadersListsAnotherProcesssSnapshot) {
  const std::string f = p("r.alder");
  ok("put " + q(f) + " a 1");
  EXPECT_NE(ok("stat --readers " + q(f)).find("Readers: 0"), std::string::npos);
  alder::EnvOptions ro;
  ro.read_only = true;
  alder::Env env = alder::Env::open(f, ro);
  alder::Txn r = env.begin_read();
  const std::string out = ok("stat --readers " + q(f));
  EXPECT_NE(out.find("Readers: 1"), std::string::npos) << out;
  EXPECT_NE(out.find("pid " + std::to_string(::getpid()) + "  txn " + std::to_string(r.id())),
            std::string::npos)
      << out;
  r.reset();
  EXPECT_NE(ok("stat --readers " + q(f)).find("Readers: 0"), std::string::npos);
}

// Every subcommand's help, read as a new user would: each upper-case word
// its summary names (KEY, VALUE, PATH, SRC, DST, FILE, ...) is an argument
// of its usage line or an option's placeholder, and every positional has a
// description. (put's summary once said "KEY=VALUE" for two arguments.)
TEST_F(CliTest, EverySubcommandsHelpMatchesItsUsage) {
  const std::string top = ok("--help");
  const size_t subs = top.find("Subcommands:");
  ASSERT_NE(subs, std::string::npos) << top;
  std::istringstream lines(top.substr(subs));
  std::string line;
  std::getline(lines, line);
  int checked = 0;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    const std::string help = ok(name + " --help");
    const size_t u = help.find("Usage:");
    ASSERT_NE(u, std::string::npos) << help;
    const std::string summary = help.substr(0, u);
    const std::string usage = help.substr(u, help.find('\n', u) - u);
    EXPECT_EQ(summary.find('='), std::string::npos) << name << ": " << summary;
    std::regex upper("\\b[A-Z][A-Z_]+\\b");
    for (std::sregex_iterator it(summary.begin(), summary.end(), upper), end; it != end; ++it) {
      const std::string w = it->str();
      EXPECT_TRUE(usage.find(" " + w) != std::string::npos || help.find(" " + w + " ") != std::string::npos)
          << name << ": summary names " << w << " but usage is: " << usage;
    }
    // Positionals: "  NAME TEXT REQUIRED   description" -- the description is not empty.
    const size_t pos = help.find("Positionals:");
    if (pos != std::string::npos) {
      std::istringstream pl(help.substr(pos, help.find("Options:") - pos));
      std::string l;
      std::getline(pl, l);
      while (std::getline(pl, l)) {
        if (l.find_first_not_of(' ') == std::string::npos) continue;
        const size_t req = l.find("REQUIRED");
        const std::string rest = req == std::string::npos ? "" : l.substr(req + 8);
        EXPECT_NE(rest.find_first_not_of(' '), std::string::npos) << name << ": undocumented " << l;
      }
    }
    checked++;
  }
  EXPECT_GE(checked, 17);
}

// ---------------------------------------------------------------------------
// Bad input: one clear line, non-zero exit, nothing half-written.

TEST_F(CliTest, MissingAndForeignFiles) {
  for (const char* cmd : {"stat", "verify", "dump", "list-dbs", "scan"}) {
    expect_clean_failure(alder(std::string(cmd) + " " + q(p("nope.alder"))),
                         {p("nope.alder"), "No such file"}, cmd);
  }
  EXPECT_FALSE(fs::exists(p("nope.alder")));
  expect_clean_failure(alder("load " + q(p("x.alder")) + " -f " + q(p("nope.dump"))),
                       {p("nope.dump"), "No such file"}, "load of a missing dump");
  EXPECT_FALSE(fs::exists(p("x.alder")));

  const std::string text = "this is not an alder database\n" + std::string(9000, 'z');
  spit(p("text.file"), text);
  for (const char* cmd : {"stat", "verify", "dump", "get", "copy"}) {
    std::string extra = std::string(cmd) == "get" ? " k" : std::string(cmd) == "copy" ? " " + q(p("c")) : "";
    expect_clean_failure(alder(std::string(cmd) + " " + q(p("text.file")) + extra),
                         {p("text.file"), "not an alder"}, cmd);
  }
  spit(p("good.dump"), make_dump({{"", {{"k", "v"}}}}));
  expect_clean_failure(alder("load " + q(p("text.file")) + " -f " + q(p("good.dump"))),
                       {p("text.file"), "not an alder"}, "load into a foreign file");
  EXPECT_EQ(slurp(p("text.file")), text);
  EXPECT_FALSE(fs::exists(p("c")));
}

TEST_F(CliTest, CorruptDumpTextLeavesNothingBehind) {
  const std::string head = "VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n";
  const std::string good = head + " 6b31\n 7631\n 6b32\n 7632\nDATA=END\n";
  struct Case {
    const char* what;
    std::string text;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"bad hex digit", head + " 6b31\n 76zz\nDATA=END\n", {":6:", "bad hex"}},
      {"odd hex length", head + " 6b3\n 76\nDATA=END\n", {":5:", "bad hex", "odd"}},
      {"missing HEADER=END", "VERSION=3\nformat=bytevalue\ntype=btree\n 6b31\n 7631\nDATA=END\n",
       {":4:", "HEADER=END"}},
      {"truncated header", "VERSION=3\nformat=bytevalue\n", {"HEADER=END"}},
      {"truncated data", head + " 6b31\n 7631\n 6b32\n", {"truncated", "DATA=END"}},
      {"truncated in the middle of a record", head + " 6b31\n 7631\n 6b32\nDATA=END\n",
       {":8:", "without a value"}},
      {"second section truncated", good + head + " 6b33\n", {"truncated"}},
      {"bad print escape", "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n k\\zz\n v\nDATA=END\n",
       {":5:", "bad escape"}},
      {"unsupported version", "VERSION=2\nformat=bytevalue\ntype=btree\nHEADER=END\nDATA=END\n",
       {":1:", "VERSION"}},
      {"duplicates", "VERSION=3\nformat=bytevalue\nduplicates=1\ntype=btree\nHEADER=END\nDATA=END\n",
       {":3:", "duplicates"}},
      {"garbage line", head + " 6b31\n 7631\nhello\n", {":7:", "DATA=END"}},
      {"empty key", head + " \n 7631\nDATA=END\n", {":6:", "empty key"}},
      {"key too long", head + " " + std::string(2 * 1400, 'a') + "\n 76\nDATA=END\n",
       {":6:", "key too long", "1400"}},
      {"empty input", "", {"empty input"}},
  };
  // Into a new file: nothing may appear.
  for (const Case& c : cases) {
    spit(p("bad.dump"), c.text);
    std::vector<std::string> want = c.want;
    want.push_back(p("bad.dump"));
    expect_clean_failure(alder("load " + q(p("new.alder")) + " -f " + q(p("bad.dump"))), want, c.what);
    EXPECT_FALSE(fs::exists(p("new.alder"))) << c.what;
    for (const auto& de : fs::directory_iterator(dir_)) {
      EXPECT_EQ(de.path().filename().string().find(".tmp-"), std::string::npos)
          << c.what << ": temp file left behind: " << de.path();
    }
  }
  // Into an existing file: the load is one txn, the file keeps its records.
  spit(p("good.dump"), make_dump({{"", {{"orig", "1"}}}, {"side", {{"s", "2"}}}}));
  ok("load " + q(p("old.alder")) + " -f " + q(p("good.dump")));
  const std::string before = ok("dump --all " + q(p("old.alder")));
  for (const Case& c : cases) {
    if (c.text.empty()) continue;  // good + "" is a valid stream
    spit(p("bad.dump"), good + c.text);  // good records first: must not stick
    EXPECT_NE(alder("load " + q(p("old.alder")) + " -f " + q(p("bad.dump"))).rc, 0) << c.what;
    EXPECT_EQ(ok("dump --all " + q(p("old.alder"))), before) << c.what;
  }
  // stdin works, and is named in messages.
  Result r = sh("printf 'VERSION=3\\nformat=bytevalue\\ntype=btree\\nHEADER=END\\n 6x\\n' | " +
                q(ALDER_CLI_PATH) + " load " + q(p("s.alder")));
  expect_clean_failure(r, {"stdin:5", "bad hex"}, "stdin");
  EXPECT_FALSE(fs::exists(p("s.alder")));
}

TEST_F(CliTest, UnknownDbAndKeyTooLong) {
  const std::string f = q(p("a.alder"));
  ok("put " + f + " k v");
  for (const std::string& cmd : {"get --db nosuch " + f + " k", "dump --db nosuch " + f,
                                 "scan --db nosuch " + f, "stat --db nosuch " + f,
                                 "drop --db nosuch " + f, "del --db nosuch " + f + " k"}) {
    expect_clean_failure(alder(cmd), {p("a.alder"), "no database named 'nosuch'"}, cmd);
  }
  expect_clean_failure(alder("put " + f + " " + std::string(1400, 'k') + " v"),
                       {p("a.alder"), "key too long"}, "put of a long key");
  expect_clean_failure(alder("get --hex " + f + " 6"), {"bad hex"}, "odd hex key");
  EXPECT_EQ(ok("dump " + f), ok("dump " + f));
}

// ---------------------------------------------------------------------------
// The Debian package index as real input (small: the dpkg status file).

TEST_F(CliTest, DebianIndexDumpAndDirectLoadAgree) {
  if (!fs::exists("/var/lib/dpkg/status")) GTEST_SKIP() << "no /var/lib/dpkg/status";
  ok("-q debian-dump --input /var/lib/dpkg/status -o " + q(p("deb.dump")));
  ok("load " + q(p("a.alder")) + " -f " + q(p("deb.dump")));
  ok("load-debian " + q(p("b.alder")) + " --input /var/lib/dpkg/status");
  const std::string a = ok("dump --all " + q(p("a.alder")));
  EXPECT_TRUE(same_text(a, ok("dump --all " + q(p("b.alder")))));
  EXPECT_TRUE(same_text(normalize(a), normalize(slurp(p("deb.dump")))));
  // LMDB reads the same stream.
  sh_ok("mdb_load -n -f " + q(p("deb.dump")) + " " + q(p("deb.mdb")));
  EXPECT_TRUE(same_text(normalize(sh_ok("mdb_dump -n -s by_section " + q(p("deb.mdb")))),
            normalize(ok("dump --db by_section " + q(p("a.alder"))))));
  EXPECT_EQ(ok("get -n " + q(p("a.alder")) + " dpkg").rfind("Package: dpkg", 0), 0u);
}

// --compress on load, copy --compact and load-debian: the dump is the same,
// stat names the codec and shows fewer stored than raw bytes, copy
// --compact keeps a db's compression (dictionary included), a bad codec
// leaves no file behind, and an existing db refuses another codec.
TEST_F(CliTest, CompressOnLoadCopyAndStat) {
  spit(p("in.dump"), make_dump(make_dbs(11, false, true)));
  const std::string want = normalize(slurp(p("in.dump")));
  for (const std::string codec : {"lz4", "zstd", "zstd-dict"}) {
    SCOPED_TRACE(codec);
    const std::string db = p(codec + ".alder");
    ok("load " + q(db) + " -f " + q(p("in.dump")) + " --compress " + codec + " --dict-size 4096");
    EXPECT_TRUE(same_text(normalize(ok("dump --all " + q(db))), want));
    ok("verify " + q(db));
    const std::string st = ok("stat --all " + q(db));
    EXPECT_NE(st.find("Compression:     " + std::string(codec == "lz4" ? "lz4" : "zstd")),
              std::string::npos) << st;
    EXPECT_NE(st.find("Value bytes:"), std::string::npos) << st;
    ok("copy --compact " + q(db) + " " + q(p(codec + ".copy")));
    EXPECT_TRUE(same_text(normalize(ok("dump --all " + q(p(codec + ".copy")))), want));
    const std::string cst = ok("stat --all " + q(p(codec + ".copy")));
    EXPECT_EQ(cst.substr(cst.find("Main db:")), st.substr(st.find("Main db:")))
        << "copy --compact changed the dbs' compression or sizes";
  }
  ok("copy --compact --compress none " + q(p("zstd.alder")) + " " + q(p("plain.copy")));
  EXPECT_NE(ok("stat " + q(p("plain.copy"))).find("Compression:     none"), std::string::npos);
  expect_clean_failure(alder("load " + q(p("bad.alder")) + " -f " + q(p("in.dump")) + " --compress brotli"),
                       {"unknown --compress codec 'brotli'"}, "unknown codec");
  EXPECT_FALSE(fs::exists(p("bad.alder")));
  const std::string before = slurp(p("lz4.alder"));
  expect_clean_failure(alder("load " + q(p("lz4.alder")) + " -f " + q(p("in.dump")) + " --compress zstd"),
                       {"was created with lz4"}, "another codec for an existing db");
  EXPECT_TRUE(slurp(p("lz4.alder")) == before);
  if (!fs::exists("/var/lib/dpkg/status")) return;
  ok("load-debian " + q(p("deb.alder")) + " --input /var/lib/dpkg/status --compress zstd-dict");
  ok("load-debian " + q(p("deb0.alder")) + " --input /var/lib/dpkg/status");
  EXPECT_TRUE(same_text(ok("dump --all " + q(p("deb.alder"))), ok("dump --all " + q(p("deb0.alder")))));
  EXPECT_LT(fs::file_size(p("deb.alder")), fs::file_size(p("deb0.alder")));
}

}  // namespace

#endif  // ALDER_CLI_PATH
