// import-lmdb: every db of an LMDB environment, read through liblmdb in one
// read txn, into an alder file (loader.h: one write txn, or a new file
// renamed into place).
#include "common.h"
#include "loader.h"
#include "progress.h"

#include <CLI/CLI.hpp>
#include <lmdb.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace alder_cli {

namespace {

struct ImportOpts {
  std::string lmdb_path, path;
  std::uint32_t page_size = 4096;
  CompressSpec compress;
};

std::string_view sv(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Owns the LMDB handles.
struct Lmdb {
  MDB_env* env = nullptr;
  MDB_txn* txn = nullptr;
  MDB_cursor* cur = nullptr;
  std::string path;
  ~Lmdb() {
    if (cur) mdb_cursor_close(cur);
    if (txn) mdb_txn_abort(txn);
    if (env) mdb_env_close(env);
  }
  void check(int rc, const std::string& what) const {
    if (rc != MDB_SUCCESS) throw CliError(path + ": " + what + ": " + mdb_strerror(rc));
  }
};

void cmd_import(const ImportOpts& o) {
  if (o.compress.given()) o.compress.options();  // a bad codec: before any file is touched
  Lmdb l;
  l.path = o.lmdb_path;
  set_context(o.lmdb_path);
  struct stat st;
  if (::stat(o.lmdb_path.c_str(), &st) != 0) {
    throw CliError(o.lmdb_path + ": " + std::strerror(errno));
  }
  unsigned flags = MDB_RDONLY | MDB_NOTLS;
  if (!S_ISDIR(st.st_mode)) flags |= MDB_NOSUBDIR;
  l.check(mdb_env_create(&l.env), "mdb_env_create");
  l.check(mdb_env_set_maxdbs(l.env, 32767), "mdb_env_set_maxdbs");
  int rc = mdb_env_open(l.env, o.lmdb_path.c_str(), flags, 0644);
  if (rc == MDB_INVALID) throw CliError(o.lmdb_path + ": not an LMDB environment");
  l.check(rc, "mdb_env_open");
  l.check(mdb_txn_begin(l.env, nullptr, MDB_RDONLY, &l.txn), "mdb_txn_begin");
  MDB_dbi main_dbi;
  l.check(mdb_dbi_open(l.txn, nullptr, 0, &main_dbi), "open main db");
  unsigned main_flags = 0;
  mdb_dbi_flags(l.txn, main_dbi, &main_flags);

  // The main db holds both plain records and the named dbs' catalog
  // records; a key that opens as a db is a named db.
  struct Named {
    std::string name;
    MDB_dbi dbi;
  };
  std::vector<Named> named;
  std::uint64_t plain = 0;
  l.check(mdb_cursor_open(l.txn, main_dbi, &l.cur), "mdb_cursor_open");
  MDB_val k, v;
  for (rc = mdb_cursor_get(l.cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
       rc = mdb_cursor_get(l.cur, &k, &v, MDB_NEXT)) {
    const std::string_view key = sv(k);
    MDB_dbi d;
    if (key.find('\0') == std::string_view::npos &&
        mdb_dbi_open(l.txn, std::string(key).c_str(), 0, &d) == MDB_SUCCESS) {
      named.push_back({std::string(key), d});
    } else {
      ++plain;
    }
  }
  if (rc != MDB_NOTFOUND) l.check(rc, "scan main db");

  MDB_stat ms;
  std::uint64_t total = plain;
  auto check_flags = [&](MDB_dbi d, const std::string& name) {
    unsigned f = 0;
    l.check(mdb_dbi_flags(l.txn, d, &f), "mdb_dbi_flags");
    if (f & (MDB_DUPSORT | MDB_INTEGERKEY | MDB_REVERSEKEY)) {
      throw CliError(o.lmdb_path + ": db '" + printable(name) +
                     "' uses MDB_DUPSORT/INTEGERKEY/REVERSEKEY, which alder does not support");
    }
  };
  check_flags(main_dbi, "(main)");
  for (const Named& n : named) {
    check_flags(n.dbi, n.name);
    l.check(mdb_stat(l.txn, n.dbi, &ms), "mdb_stat");
    total += ms.ms_entries;
  }

  LoadTarget target(o.path, LoadTarget::Mode::into_existing_or_new, o.page_size);
  target.set_compression(o.compress);
  Progress progress("import " + o.lmdb_path, total, Progress::Unit::items);
  std::uint64_t n = 0;
  auto store = [&](alder::Dbi to, std::string_view key, std::string_view value, const std::string& db) {
    try {
      target.put(to, key, value);
    } catch (const std::exception& e) {
      throw CliError(o.lmdb_path + ": db '" + printable(db) + "', key '" +
                     printable(key.substr(0, 64)) + "': " + e.what());
    }
    progress.update(++n);
  };
  std::set<std::string> named_set;
  for (const Named& nd : named) named_set.insert(nd.name);
  if (plain > 0) {
    const alder::Dbi to = target.db(std::nullopt);
    for (rc = mdb_cursor_get(l.cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(l.cur, &k, &v, MDB_NEXT)) {
      if (!named_set.contains(std::string(sv(k)))) store(to, sv(k), sv(v), "");
    }
    if (rc != MDB_NOTFOUND) l.check(rc, "scan main db");
  }
  for (const Named& nd : named) {
    const alder::Dbi to = target.db(nd.name);
    MDB_cursor* c = nullptr;
    l.check(mdb_cursor_open(l.txn, nd.dbi, &c), "mdb_cursor_open");
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
      try {
        store(to, sv(k), sv(v), nd.name);
      } catch (...) {
        mdb_cursor_close(c);
        throw;
      }
    }
    mdb_cursor_close(c);
    if (rc != MDB_NOTFOUND) l.check(rc, "scan db " + nd.name);
  }
  progress.finish();
  const bool fresh = target.new_file();
  target.commit();
  if (!globals().quiet) {
    std::cout << o.path << ": imported " << with_commas(target.records()) << " records ("
              << with_commas(plain) << " in the main db, " << named.size()
              << " named db(s)) from " << o.lmdb_path
              << (fresh ? " (new file, renamed into place)" : " (one write txn)") << "\n";
  }
}

}  // namespace

void add_lmdb_commands(CLI::App& app) {
  auto o = std::make_shared<ImportOpts>();
  CLI::App* s = app.add_subcommand("import-lmdb", "copy every db of an LMDB environment into PATH");
  s->add_option("LMDB_PATH", o->lmdb_path, "LMDB environment: a directory, or a data file (MDB_NOSUBDIR)")
      ->required();
  s->add_option("PATH", o->path, "alder database file (created if missing)")->required();
  s->add_option("--page-size", o->page_size, "page size of a new file")->capture_default_str();
  add_compress_options(s, &o->compress);
  s->callback([o] { cmd_import(*o); });
}

}  // namespace alder_cli
