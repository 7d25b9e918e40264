// copy and compact.
//
// Consistency: copy and copy --compact read one snapshot through a
// read-only env, which registers in the lock file's reader table, so they
// run beside a writer in another process and the copy is one committed
// state: Env::copy of the snapshot's pages (copy) or every entry of one read
// txn (copy --compact). compact rewrites the file in place, so it opens the
// env for writing: no other writer can be live (it fails with `locked`).
// See docs/CLI.md on concurrency.
#include "common.h"
#include "loader.h"
#include "progress.h"

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace alder_cli {

namespace {

struct CopyOpts {
  std::string src, dst;
  bool compact = false;
  CompressSpec compress;
};

// Every entry of every db of src's snapshot into dst, keys in order (so the
// loader appends: dense pages, no free pages).
void copy_entries(alder::Txn& src, LoadTarget& dst, const std::string& label) {
  struct Db {
    std::string name;
    alder::Dbi dbi;
  };
  std::vector<Db> dbs{{"", alder::kMainDbi}};
  for (const std::string& n : src.list_dbs()) dbs.push_back({n, src.open_db(n)});
  std::uint64_t total = 0;
  for (const Db& d : dbs) total += src.db_stat(d.dbi).entries;
  Progress progress(label, total, Progress::Unit::items);
  std::uint64_t n = 0;
  for (const Db& d : dbs) {
    const alder::DbOptions keep = src.db_options(d.dbi);
    const alder::Dbi to =
        dst.db(d.name.empty() ? std::nullopt : std::optional<std::string>(d.name), &keep);
    alder::Cursor c = src.cursor(d.dbi);
    for (bool ok = c.first(); ok; ok = c.next()) {
      dst.put(to, c.key(), c.value());
      progress.update(++n);
    }
  }
  progress.finish();
}

void raw_copy(const std::string& src, const std::string& dst) {
  if (path_exists(dst)) throw CliError(dst + ": already exists (refusing to overwrite)");
  alder::Env env = open_existing_read_only(src);
  Progress progress("copy " + src, 0, Progress::Unit::bytes);
  set_context(dst);
  env.copy(dst, [&](std::uint64_t done, std::uint64_t total) {
    progress.set_total(total);
    progress.update(done);
  });
  progress.finish();
}

void cmd_copy(const CopyOpts& o) {
  if (o.compress.given() && !o.compact) throw CliError("--compress needs --compact (a raw copy keeps the pages as they are)");
  if (o.compress.given()) o.compress.options();  // a bad codec: before any file is touched
  if (!o.compact) {
    raw_copy(o.src, o.dst);
  } else {
    alder::Env env = open_existing_read_only(o.src);
    alder::Txn txn = env.begin_read();
    LoadTarget dst(o.dst, LoadTarget::Mode::new_only, env.page_size());
    dst.set_compression(o.compress);
    copy_entries(txn, dst, "copy " + o.src);
    dst.commit();
  }
  if (!globals().quiet) {
    std::cout << o.src << " -> " << o.dst << (o.compact ? " (compact)" : "") << ": "
              << with_commas(file_size_or_zero(o.src)) << " -> "
              << with_commas(file_size_or_zero(o.dst)) << " bytes\n";
  }
}

void cmd_compact(const std::string& path, bool online) {
  alder::Env env = open_existing_read_write(path);  // the writer lock: nobody commits meanwhile
  const std::uint64_t before = file_size_or_zero(path);
  if (online) {
    env.compact();  // pages moved in place: readers of other processes keep reading
  } else {
    alder::Txn txn = env.begin_read();
    LoadTarget dst(path, LoadTarget::Mode::replace, env.page_size());
    copy_entries(txn, dst, "compact " + path);
    dst.commit();  // fsync, rename over path (while we still hold the writer lock)
    txn.abort();
  }
  env.close();
  const std::uint64_t after = file_size_or_zero(path);
  if (!globals().quiet) {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%+.1f%%",
                  before ? 100.0 * (static_cast<double>(after) - static_cast<double>(before)) /
                               static_cast<double>(before)
                         : 0.0);
    std::cout << path << ": compacted, " << with_commas(before) << " -> " << with_commas(after)
              << " bytes (" << pct << ")\n";
  }
}

}  // namespace

void add_copy_commands(CLI::App& app) {
  auto o = std::make_shared<CopyOpts>();
  CLI::App* s = app.add_subcommand("copy", "consistent copy of SRC to a new file DST");
  s->add_option("SRC", o->src, "alder database file")->required();
  s->add_option("DST", o->dst, "new file (must not exist)")->required();
  s->add_flag("--compact,-c", o->compact,
              "dense copy: every entry re-inserted in key order, no free pages; each db keeps its "
              "compression unless --compress says otherwise");
  add_compress_options(s, &o->compress);
  s->callback([o] { cmd_copy(*o); });

  auto path = std::make_shared<std::string>();
  auto online = std::make_shared<bool>(false);
  s = app.add_subcommand("compact", "rewrite PATH densely (compact copy, fsync, atomic rename)");
  s->add_option("PATH", *path, "alder database file")->required();
  s->add_flag("--online", *online,
              "shrink PATH in place instead (Env::compact: pages moved toward the front, then the "
              "free end cut off); readers in other processes keep reading");
  s->callback([path, online] { cmd_compact(*path, *online); });
}

}  // namespace alder_cli
