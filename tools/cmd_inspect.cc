// stat, get, put, del, scan, list-dbs, drop, verify.
#include "common.h"
#include "progress.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace alder_cli {

namespace {

struct Opts {
  std::string path;
  std::string db;
  bool all = false;
  bool readers = false;
  bool hex = false;
  bool no_newline = false;
  bool no_overwrite = false;
  std::string key, value;
  std::optional<std::string> prefix, from, to;
  bool reverse = false;
  std::uint64_t limit = 0;
  bool keys_only = false;
};

// A key/value given on the command line: raw bytes, or hex with --hex.
std::string arg_bytes(const Opts& o, const std::string& arg, const char* what) {
  if (!o.hex) return arg;
  std::string out;
  if (!from_hex(arg, out)) throw CliError(std::string("bad hex in ") + what + ": '" + arg + "'");
  return out;
}

void out_write(const std::string& s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) {
    throw CliError("stdout: write failed");
  }
}

void print_db_stat(const std::string& title, const alder::DbStat& s) {
  std::cout << title << "\n"
            << "  Tree depth:      " << s.depth << "\n"
            << "  Branch pages:    " << s.branch_pages << "\n"
            << "  Leaf pages:      " << s.leaf_pages << "\n"
            << "  Overflow pages:  " << s.overflow_pages << "\n"
            << "  Entries:         " << s.entries << "\n";
}

// Compression and where the values' bytes go (a walk over the db).
void print_db_space(alder::Txn& txn, alder::Dbi dbi) {
  const alder::DbSpace sp = txn.db_space(dbi);
  std::cout << "  Compression:     " << alder::compression_name(sp.compression);
  if (sp.compression != alder::Compression::none) {
    std::cout << " (level " << sp.level << ", values under " << sp.min_size << " bytes raw";
    if (sp.dictionary_bytes) std::cout << ", dictionary " << sp.dictionary_bytes << " bytes";
    std::cout << ")";
  }
  char ratio[32] = "-";
  if (sp.raw_value_bytes)
    std::snprintf(ratio, sizeof ratio, "%.1f%%",
                  100.0 * double(sp.stored_value_bytes) / double(sp.raw_value_bytes));
  std::cout << "\n"
            << "  Value bytes:     " << sp.raw_value_bytes << " raw, " << sp.stored_value_bytes
            << " stored (" << ratio << "), " << sp.compressed_values << " values compressed\n"
            << "  Overflow values: " << sp.overflow_values << ", " << sp.overflow_slack_bytes
            << " bytes unused in their runs' last pages\n";
}

void print_readers(alder::Env& env) {
  const std::vector<alder::ReaderInfo> rs = env.readers();
  std::cout << "Readers: " << rs.size()
            << " (read txns of other processes, from the lock file)\n";
  for (const alder::ReaderInfo& r : rs) {
    std::cout << "  pid " << r.pid << "  txn " << r.txnid << "  pages held alone " << r.pages_held;
    if (r.thread) std::cout << "  thread " << r.thread;
    if (r.age_seconds >= 0) std::cout << "  age " << r.age_seconds << " s";
    std::cout << "\n";
  }
}

void cmd_stat(const Opts& o) {
  alder::Env env = open_existing_read_only(o.path);
  const alder::EnvStat st = env.stat();
  if (o.readers) {
    print_readers(env);  // before this command's own read txn
    return;
  }
  alder::Txn txn = env.begin_read();
  std::cout << "Environment: " << o.path << "\n"
            << "  File size:       " << st.file_size << " (" << human_bytes(st.file_size) << ")\n"
            << "  Page size:       " << st.page_size << "\n"
            << "  Used pages:      " << st.used_pages << " (high-water mark, incl. 2 meta)\n"
            << "  Free pages:      " << st.free_pages << "\n"
            << "  Last txn:        " << st.last_txn_id << "\n"
            << "  Named dbs:       " << st.named_dbs << "\n"
            << "  Max key size:    " << env.max_key_size() << "\n";
  if (!o.db.empty()) {
    const alder::Dbi dbi = open_named(txn, o.path, o.db);
    print_db_stat("Database '" + printable(o.db) + "':", txn.db_stat(dbi));
    print_db_space(txn, dbi);
    return;
  }
  print_db_stat("Main db:", st.main);
  print_db_space(txn, alder::kMainDbi);
  if (o.all) {
    for (const std::string& name : txn.list_dbs()) {
      const alder::Dbi dbi = txn.open_db(name);
      print_db_stat("Database '" + printable(name) + "':", txn.db_stat(dbi));
      print_db_space(txn, dbi);
    }
  }
}

void cmd_get(const Opts& o) {
  alder::Env env = open_existing_read_only(o.path);
  alder::Txn txn = env.begin_read();
  const alder::Dbi dbi = open_named(txn, o.path, o.db);
  const std::string key = arg_bytes(o, o.key, "key");
  if (key.empty()) throw CliError(o.path + ": empty key");
  const std::optional<std::string_view> v = txn.get(dbi, key);
  if (!v) throw CliError(o.path + ": key not found: " + printable(key));
  std::string out = o.hex ? to_hex(*v) : std::string(*v);
  if (!o.no_newline) out.push_back('\n');
  out_write(out);
}

void cmd_put(const Opts& o) {
  set_context(o.path);
  alder::EnvOptions eo;  // creates the file when it is missing
  alder::Env env = alder::Env::open(o.path, eo);
  alder::Txn txn = env.begin_write();
  const alder::Dbi dbi = o.db.empty() ? alder::kMainDbi : txn.open_db(o.db, alder::DbFlags::create);
  const std::string key = arg_bytes(o, o.key, "key");
  const std::string value = arg_bytes(o, o.value, "value");
  if (key.size() > env.max_key_size()) {
    throw CliError(o.path + ": key too long: " + std::to_string(key.size()) + " bytes (max " +
                   std::to_string(env.max_key_size()) + ")");
  }
  const bool stored = txn.put(dbi, key, value,
                              o.no_overwrite ? alder::PutFlags::no_overwrite : alder::PutFlags::none);
  txn.commit();
  if (!stored) throw CliError(o.path + ": key exists, not overwritten: " + printable(key));
}

void cmd_del(const Opts& o) {
  alder::Env env = open_existing_read_write(o.path);
  alder::Txn txn = env.begin_write();
  const alder::Dbi dbi = open_named(txn, o.path, o.db);
  const std::string key = arg_bytes(o, o.key, "key");
  if (key.empty()) throw CliError(o.path + ": empty key");
  const bool existed = txn.del(dbi, key);
  txn.commit();
  if (!existed) throw CliError(o.path + ": key not found: " + printable(key));
}

void cmd_scan(const Opts& o) {
  alder::Env env = open_existing_read_only(o.path);
  alder::Txn txn = env.begin_read();
  const alder::Dbi dbi = open_named(txn, o.path, o.db);
  const alder::Direction dir = o.reverse ? alder::Direction::reverse : alder::Direction::forward;
  std::optional<alder::Range> range;
  if (o.prefix) {
    range.emplace(txn.prefix(dbi, arg_bytes(o, *o.prefix, "prefix"), dir));
  } else {
    const std::string lo = o.from ? arg_bytes(o, *o.from, "--from") : std::string();
    std::optional<std::string> hi;
    if (o.to) hi = arg_bytes(o, *o.to, "--to");
    range.emplace(txn.range(dbi, lo, hi ? std::optional<std::string_view>(*hi) : std::nullopt, dir));
  }
  std::string buf;
  std::uint64_t n = 0;
  for (alder::Entry e : *range) {
    if (o.limit && n == o.limit) break;
    ++n;
    if (o.hex) {
      append_hex(buf, e.key);
    } else {
      append_printable(buf, e.key);
    }
    if (!o.keys_only) {
      buf.push_back('\t');
      if (o.hex) {
        append_hex(buf, e.value);
      } else {
        append_printable(buf, e.value);
      }
    }
    buf.push_back('\n');
    if (buf.size() > (1u << 16)) {
      out_write(buf);
      buf.clear();
    }
  }
  out_write(buf);
}

void cmd_list_dbs(const Opts& o) {
  alder::Env env = open_existing_read_only(o.path);
  alder::Txn txn = env.begin_read();
  std::string buf;
  for (const std::string& name : txn.list_dbs()) buf += printable(name) + "\n";
  out_write(buf);
}

void cmd_drop(const Opts& o) {
  if (o.db.empty()) throw CliError(o.path + ": the main db cannot be dropped (give --db NAME)");
  alder::Env env = open_existing_read_write(o.path);
  alder::Txn txn = env.begin_write();
  const alder::Dbi dbi = open_named(txn, o.path, o.db);
  txn.drop_db(dbi);
  txn.commit();
}

void cmd_verify(const Opts& o) {
  alder::Env env = open_existing_read_only(o.path);
  Progress progress("verify " + o.path, 0, Progress::Unit::items);
  const alder::VerifyResult r = progress.while_running([&] { return env.verify(); });
  progress.finish();
  if (!r.ok()) {
    throw CliError(o.path + ": verify FAILED at page " + std::to_string(r.bad_page) +
                   (r.bad_page_kind.empty() ? "" : " (" + r.bad_page_kind + ")") + ": " +
                   r.error);
  }
  if (!globals().quiet) {
    std::cout << o.path << ": ok, " << with_commas(r.pages_checked) << " pages checked, "
              << with_commas(r.entries) << " entries\n";
  }
}

CLI::App* sub(CLI::App& app, const char* name, const char* help, std::shared_ptr<Opts> o) {
  CLI::App* s = app.add_subcommand(name, help);
  s->add_option("PATH", o->path, "alder database file")->required();
  return s;
}

}  // namespace

void add_inspect_commands(CLI::App& app) {
  auto o = std::make_shared<Opts>();

  CLI::App* s = sub(app, "stat", "environment and db figures", o);
  s->add_option("--db", o->db, "only this named db");
  s->add_flag("--all", o->all, "every named db too");
  s->add_flag("--readers", o->readers,
              "instead: the live read snapshots of other processes (pid, txn id, pages only "
              "each keeps from reuse)");
  s->callback([o] { cmd_stat(*o); });

  s = sub(app, "get", "print the value stored under KEY (exit 1 when KEY is absent)", o);
  s->add_option("KEY", o->key, "the key")->required();
  s->add_option("--db", o->db, "named db (default: the main db)");
  s->add_flag("--hex", o->hex, "KEY is hex; print the value in hex");
  s->add_flag("-n,--no-newline", o->no_newline, "no newline after the value");
  s->callback([o] { cmd_get(*o); });

  s = sub(app, "put", "store VALUE under KEY (creates the file and the db if needed)", o);
  s->add_option("KEY", o->key, "the key")->required();
  s->add_option("VALUE", o->value, "the value (replaces one stored under KEY)")->required();
  s->add_option("--db", o->db, "named db (created if missing)");
  s->add_flag("--hex", o->hex, "KEY and VALUE are hex");
  s->add_flag("-N,--no-overwrite", o->no_overwrite, "keep a value already under KEY and exit 1");
  s->callback([o] { cmd_put(*o); });

  s = sub(app, "del", "delete KEY and its value (exit 1 when KEY is absent)", o);
  s->add_option("KEY", o->key, "the key")->required();
  s->add_option("--db", o->db, "named db (default: the main db)");
  s->add_flag("--hex", o->hex, "KEY is hex");
  s->callback([o] { cmd_del(*o); });

  s = sub(app, "scan", "print entries in key order, one a line: the key, a tab, the value", o);
  s->add_option("--db", o->db, "named db (default: the main db)");
  CLI::Option* prefix = s->add_option("--prefix", o->prefix, "keys starting with P")->type_name("P");
  CLI::Option* from = s->add_option("--from", o->from, "first key (inclusive)")->type_name("KEY");
  CLI::Option* to = s->add_option("--to", o->to, "end key (exclusive)")->type_name("KEY");
  prefix->excludes(from)->excludes(to);
  s->add_flag("--reverse", o->reverse, "descending order");
  s->add_option("--limit", o->limit, "at most N entries (0: all)")->type_name("N");
  s->add_flag("--keys-only", o->keys_only, "print keys only");
  s->add_flag("--hex", o->hex, "arguments are hex; print keys and values in hex "
                                "(otherwise printable bytes as is, others as \\hh)");
  s->callback([o] { cmd_scan(*o); });

  s = sub(app, "list-dbs", "names of the named dbs, one a line", o);
  s->callback([o] { cmd_list_dbs(*o); });

  s = sub(app, "drop", "delete a named db and free its pages", o);
  s->add_option("--db", o->db, "the db to drop")->required();
  s->callback([o] { cmd_drop(*o); });

  s = sub(app, "verify", "check every page (checksums, structure); exit 0 only when clean", o);
  s->callback([o] { cmd_verify(*o); });
}

}  // namespace alder_cli
