// copy and compact.
//
// Consistency: the source is opened read-only, which takes alder's shared
// file lock. A process writing the file holds the exclusive lock, so while
// the copy runs no other process can commit (it gets `locked`), and the copy
// is one committed state: a byte copy of the file (copy) or every entry of
// one read txn (copy --compact, compact). See docs/CLI.md on concurrency.
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
    const alder::Dbi to = dst.db(d.name.empty() ? std::nullopt : std::optional<std::string>(d.name));
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
  alder::Env env = open_existing_read_only(src);  // shared lock: no writer
  alder::Txn snapshot = env.begin_read();
  const int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw CliError(src + ": " + std::strerror(errno));
  struct stat st;
  ::fstat(in, &st);
  const std::uint64_t total = static_cast<std::uint64_t>(st.st_size);
  const std::string tmp = temp_name_next_to(dst);
  const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    const int e = errno;
    ::close(in);
    throw CliError(dst + ": cannot create " + tmp + ": " + std::strerror(e));
  }
  struct Cleanup {
    int in, out;
    std::string tmp;
    bool keep = false;
    ~Cleanup() {
      ::close(in);
      if (out >= 0) ::close(out);
      if (!keep) ::unlink(tmp.c_str());
    }
  } cleanup{in, out, tmp};
  Progress progress("copy " + src, total, Progress::Unit::bytes);
  std::uint64_t done = 0;
  std::vector<char> buf(1 << 20);
  while (done < total) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw CliError(src + ": read: " + std::strerror(errno));
    if (n == 0) break;
    for (ssize_t w = 0; w < n;) {
      const ssize_t k = ::write(out, buf.data() + w, static_cast<std::size_t>(n - w));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) throw CliError(dst + ": write: " + std::strerror(errno));
      w += k;
    }
    done += static_cast<std::uint64_t>(n);
    progress.update(done);
  }
  progress.finish();
  if (::fsync(out) != 0) throw CliError(dst + ": fsync: " + std::strerror(errno));
  ::close(cleanup.out);
  cleanup.out = -1;
  {  // the copy must open as an alder file before it gets its name
    alder::EnvOptions o;
    o.read_only = true;
    o.create = false;
    alder::Env check = alder::Env::open(tmp, o);
  }
  rename_file(tmp, dst, true);
  cleanup.keep = true;
}

void cmd_copy(const CopyOpts& o) {
  if (!o.compact) {
    raw_copy(o.src, o.dst);
  } else {
    alder::Env env = open_existing_read_only(o.src);
    alder::Txn txn = env.begin_read();
    LoadTarget dst(o.dst, LoadTarget::Mode::new_only, env.page_size());
    copy_entries(txn, dst, "copy " + o.src);
    dst.commit();
  }
  if (!globals().quiet) {
    std::cout << o.src << " -> " << o.dst << (o.compact ? " (compact)" : "") << ": "
              << with_commas(file_size_or_zero(o.src)) << " -> "
              << with_commas(file_size_or_zero(o.dst)) << " bytes\n";
  }
}

void cmd_compact(const std::string& path) {
  alder::Env env = open_existing_read_only(path);
  const std::uint64_t before = file_size_or_zero(path);
  alder::Txn txn = env.begin_read();
  LoadTarget dst(path, LoadTarget::Mode::replace, env.page_size());
  copy_entries(txn, dst, "compact " + path);
  dst.commit();  // fsync, rename over path (while we still hold the shared lock)
  txn.abort();
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
  s->add_flag("--compact,-c", o->compact, "dense copy: every entry re-inserted in key order, no free pages");
  s->callback([o] { cmd_copy(*o); });

  auto path = std::make_shared<std::string>();
  s = app.add_subcommand("compact", "rewrite PATH densely (compact copy, fsync, atomic rename)");
  s->add_option("PATH", *path, "alder database file")->required();
  s->callback([path] { cmd_compact(*path); });
}

}  // namespace alder_cli
