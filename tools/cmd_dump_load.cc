// dump and load, in the mdb_dump / db_dump text format (dump_format.h).
#include "common.h"
#include "dump_format.h"
#include "loader.h"
#include "progress.h"

#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace alder_cli {

namespace {

struct DumpOpts {
  std::string path, db, output;
  bool all = false, print = false;
};

struct LoadOpts {
  std::string path, db, input;
  bool plain_text = false, no_overwrite = false;
  std::uint32_t page_size = 4096;
  CompressSpec compress;
};

// The mapsize= hint written for mdb_load: LMDB needs a map larger than its
// data; alder has no such limit, so write a generous one (LMDB does not
// allocate it up front).
std::uint64_t mapsize_hint(std::uint64_t file_size) {
  const std::uint64_t mib = 1u << 20;
  std::uint64_t m = std::max<std::uint64_t>(file_size * 4, std::uint64_t{1} << 30);
  return (m + mib - 1) / mib * mib;
}

void cmd_dump(const DumpOpts& o) {
  alder::Env env = open_existing_read_only(o.path);
  const std::uint64_t mapsize = mapsize_hint(file_size_or_zero(o.path));
  alder::Txn txn = env.begin_read();  // one snapshot for every db

  struct Section {
    std::optional<std::string> name;
    alder::Dbi dbi;
  };
  std::vector<Section> sections;
  if (!o.db.empty()) {
    sections.push_back({o.db, open_named(txn, o.path, o.db)});
  } else {
    const std::vector<std::string> names = o.all ? txn.list_dbs() : std::vector<std::string>{};
    // The main db is written unless --all finds it empty next to named dbs
    // (as mdb_dump -a, which never writes the main db).
    if (!o.all || names.empty() || txn.db_stat(alder::kMainDbi).entries > 0) {
      sections.push_back({std::nullopt, alder::kMainDbi});
    }
    for (const std::string& n : names) sections.push_back({n, txn.open_db(n)});
  }
  std::uint64_t total = 0;
  for (const Section& s : sections) {
    if (s.name && s.name->find('\n') != std::string::npos) {
      throw CliError(o.path + ": db name with a newline cannot be written in the dump format");
    }
    total += txn.db_stat(s.dbi).entries;
  }

  AtomicOutput out(o.output);
  DumpWriter w(out, o.print);
  Progress progress("dump " + o.path, total, Progress::Unit::items);
  std::uint64_t n = 0;
  for (const Section& s : sections) {
    w.begin_section(s.name, mapsize);
    alder::Cursor c = txn.cursor(s.dbi);
    for (bool ok = c.first(); ok; ok = c.next()) {
      w.record(c.key(), c.value());
      progress.update(++n);
    }
    w.end_section();
  }
  progress.finish();
  out.commit();
}

void cmd_load(const LoadOpts& o) {
  if (o.compress.given()) o.compress.options();  // a bad codec: before any file is touched
  std::vector<char> buffer(1 << 20);
  std::ifstream file;
  std::istream* in = &std::cin;
  std::string source = "stdin";
  std::uint64_t total = 0;
  if (!o.input.empty() && o.input != "-") {
    source = o.input;
    set_context(o.input);
    struct stat st;
    if (::stat(o.input.c_str(), &st) != 0) {
      throw CliError(o.input + ": " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) throw CliError(o.input + ": is a directory");
    file.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    file.open(o.input, std::ios::binary);
    if (!file) throw CliError(o.input + ": cannot open: " + std::strerror(errno));
    if (S_ISREG(st.st_mode)) total = static_cast<std::uint64_t>(st.st_size);
    in = &file;
  } else {
    // std::cin is unbuffered-ish when synced with stdio: read fd 0 through
    // a buffered filebuf instead.
    file.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    file.open("/dev/stdin", std::ios::binary);
    if (file) in = &file;
  }

  DumpReader reader(*in, source, o.plain_text);
  LoadTarget target(o.path, LoadTarget::Mode::into_existing_or_new, o.page_size);
  target.set_compression(o.compress);
  Progress progress("load " + o.path, total, Progress::Unit::bytes);
  DumpHeader header;
  std::string key, value;
  std::uint64_t sections = 0, skipped = 0;
  std::set<std::string> dbs;
  while (reader.next_section(header)) {
    ++sections;
    std::optional<std::string> name = header.database;
    if (!o.db.empty()) name = o.db;
    alder::Dbi dbi;
    try {
      dbi = target.db(name);
    } catch (const alder::Error& e) {
      throw CliError(reader.where() + ": db '" + printable(name.value_or("")) + "': " + e.what());
    }
    dbs.insert(name.value_or(""));
    while (reader.next_record(key, value)) {
      try {
        if (!target.put(dbi, key, value, o.no_overwrite)) ++skipped;
      } catch (const CliError& e) {
        throw CliError(reader.where() + ": " + e.what());
      } catch (const alder::Error& e) {
        throw CliError(reader.where() + ": " + e.what() + " [" + alder::error_name(e.code()) + "]");
      }
      progress.update(reader.bytes_read());
    }
  }
  if (sections == 0) throw CliError(source + ": empty input (no dump section)");
  progress.finish();
  const bool fresh = target.new_file();
  target.commit();
  if (!globals().quiet) {
    std::cout << o.path << ": loaded " << with_commas(target.records()) << " records into "
              << dbs.size() << " db(s) from " << sections << " section(s)"
              << (skipped ? ", " + with_commas(skipped) + " existing keys kept (-N)" : "")
              << (fresh ? " (new file, renamed into place)" : " (one write txn)") << "\n";
  }
}

}  // namespace

void add_dump_load_commands(CLI::App& app) {
  auto d = std::make_shared<DumpOpts>();
  CLI::App* s = app.add_subcommand("dump", "write dbs in the mdb_dump text format");
  s->add_option("PATH", d->path, "alder database file")->required();
  CLI::Option* db = s->add_option("--db,-s", d->db, "only this named db");
  CLI::Option* all = s->add_flag("--all,-a", d->all, "the main db (when not empty) and every named db");
  db->excludes(all);
  s->add_flag("-p,--print", d->print, "format=print (printable bytes as is) instead of bytevalue");
  s->add_option("-o,--output", d->output,
                "write to FILE (atomically: temp file, fsync, rename) instead of stdout");
  s->callback([d] { cmd_dump(*d); });

  auto l = std::make_shared<LoadOpts>();
  s = app.add_subcommand("load", "read the mdb_dump text format into PATH");
  s->add_option("PATH", l->path, "alder database file (created if missing)")->required();
  s->add_option("--db,-s", l->db, "load every section into this named db (overrides database=)");
  s->add_flag("-T,--text", l->plain_text, "plain text input: key and value lines (mdb_load -T)");
  s->add_option("-f,--file", l->input, "read FILE instead of stdin");
  s->add_flag("-N,--no-overwrite", l->no_overwrite, "keep existing values of existing keys");
  s->add_option("--page-size", l->page_size, "page size of a new file")->capture_default_str();
  add_compress_options(s, &l->compress);
  s->callback([l] { cmd_load(*l); });
}

}  // namespace alder_cli
