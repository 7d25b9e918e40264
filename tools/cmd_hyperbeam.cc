// import-hyperbeam / export-hyperbeam: move a HyperBEAM node's store between
// hb_store_lmdb's LMDB database and an alder path store (hyperbeam.h), with
// the same groups, links and values, checked both ways before the result
// is put in place.
#include "common.h"
#include "hyperbeam.h"
#include "progress.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace alder_cli {

namespace {

using Kind = alder::PathEntry::Kind;

struct ImportOpts {
  std::string lmdb_dir, file;
  bool skip_shadowed = false;
};

struct ExportOpts {
  std::string file, lmdb_dir;
  std::uint64_t map_size = std::uint64_t{64} << 30;
};

/// The normalised path of an LMDB key, or a CliError naming the key.
std::string normalised(const std::string& src, std::string_view key) {
  try {
    std::string p = alder::PathStore::normalise(key);
    if (p.empty()) throw CliError("the root");
    return p;
  } catch (const std::exception& e) {
    throw CliError(src + ": key '" + printable(key.substr(0, 64)) + "' is not a store path (" + e.what() + ")");
  }
}

/// Whether a proper prefix of path is in links.
bool under_link(const std::string& path, const std::unordered_set<std::string>& links) {
  for (std::size_t i = path.find('/'); i != std::string::npos; i = path.find('/', i + 1)) {
    if (links.contains(path.substr(0, i))) return true;
  }
  return false;
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::filesystem::remove(alder::Env::lock_path(path), ec);
}

void cmd_import(const ImportOpts& o) {
  if (path_exists(o.file)) throw CliError(o.file + ": exists (import-hyperbeam makes a new file)");
  set_context(o.lmdb_dir);
  hb::Lmdb db(o.lmdb_dir, false);

  // Pass 1: every key's path and kind; links and clashes.
  std::unordered_set<std::string> links;
  std::unordered_map<std::string, std::string> raw_of;  // normalised -> raw key
  std::uint64_t total = 0;
  db.scan([&](std::string_view key, std::string_view value) {
    std::string p = normalised(o.lmdb_dir, key);
    auto [it, fresh] = raw_of.emplace(p, std::string(key));
    if (!fresh) {
      throw CliError(o.lmdb_dir + ": keys '" + printable(it->second) + "' and '" + printable(key) +
                     "' are the same path '" + printable(p) + "'");
    }
    if (hb::decode(value).kind == Kind::link) links.insert(p);
    ++total;
  });
  // A key below a link is hidden in the path store, which resolves the link.
  std::unordered_set<std::string> shadowed;
  std::string examples;
  for (const auto& [p, raw] : raw_of) {
    if (!under_link(p, links)) continue;
    shadowed.insert(raw);
    if (shadowed.size() <= 3) examples += (examples.empty() ? "'" : ", '") + printable(raw) + "'";
  }
  if (!shadowed.empty() && !o.skip_shadowed) {
    throw CliError(o.lmdb_dir + ": " + with_commas(shadowed.size()) + " key(s) lie below a link (" + examples +
                   "); the path store would read them through the link. --skip-shadowed leaves them out");
  }

  // Pass 2: values and groups, then links (so no write goes through a link),
  // in one batch, into a new file renamed into place after the check.
  const std::string tmp = temp_name_next_to(o.file);
  struct Cleanup {
    std::string path;
    bool armed = true;
    ~Cleanup() {
      if (armed) remove_quietly(path);
    }
  } cleanup{tmp};
  std::uint64_t values = 0, groups = 0, linked = 0, value_bytes = 0;
  std::unordered_set<std::string> made_groups;  // parents make_link adds
  hb::Checked checked;
  {
    alder::EnvOptions eo;
    eo.durability = alder::Durability::no_sync;
    alder::Env env = alder::Env::open(tmp, eo);
    alder::PathStore store(env);
    Progress progress("import " + o.lmdb_dir, total, Progress::Unit::items);
    std::uint64_t n = 0;
    {
      alder::PathStore::Batch b = store.begin_batch();
      auto failed = [&](std::string_view key, const std::exception& e) {
        return CliError(o.lmdb_dir + ": key '" + printable(key.substr(0, 64)) + "': " + e.what());
      };
      std::vector<std::pair<std::string, std::string>> link_list;  // new path, target
      db.scan([&](std::string_view key, std::string_view value) {
        if (shadowed.contains(std::string(key))) return;
        const std::string p = alder::PathStore::normalise(key);
        alder::PathEntry e = hb::decode(value);
        try {
          if (e.kind == Kind::group) {
            b.make_group(p);
            ++groups;
          } else if (e.kind == Kind::value) {
            b.write(p, value);
            ++values;
            value_bytes += value.size();
          } else {
            link_list.emplace_back(p, std::move(e.data));
            return;
          }
        } catch (const std::exception& ex) {
          throw failed(key, ex);
        }
        progress.update(++n);
      });
      for (const auto& [p, target] : link_list) {
        // make_link makes every parent without an entry a group (as
        // hb_store_lmdb's link does); note them for the check.
        for (std::size_t i = p.find('/'); i != std::string::npos; i = p.find('/', i + 1)) {
          std::string parent = p.substr(0, i);
          if (!raw_of.contains(parent)) made_groups.insert(std::move(parent));
        }
        try {
          b.make_link(target, p);
          ++linked;
        } catch (const std::exception& ex) {
          throw failed(raw_of[p], ex);
        }
        progress.update(++n);
      }
      b.commit();
    }
    progress.finish();
    alder::PathStore::Snapshot s = store.snapshot();
    checked = hb::verify(db, s, shadowed, made_groups);
    s.end();
    env.close();
  }
  rename_file(tmp, o.file, true);
  std::error_code ec;
  std::filesystem::remove(alder::Env::lock_path(tmp), ec);
  fsync_parent_dir(o.file);
  cleanup.armed = false;
  if (!globals().quiet) {
    std::cout << o.file << ": imported " << with_commas(values) << " values (" << human_bytes(value_bytes)
              << "), " << with_commas(groups) << " groups, " << with_commas(linked) << " links from "
              << o.lmdb_dir << "\n"
              << o.file << ": checked both ways: " << with_commas(checked.source_entries)
              << " LMDB entries read back, " << with_commas(checked.store_entries) << " store entries and "
              << with_commas(checked.implicit) << " parent paths listed"
              << (made_groups.empty() ? "" : "; " + with_commas(made_groups.size()) + " parent groups made for links")
              << (shadowed.empty() ? "" : "; skipped " + with_commas(shadowed.size()) + " keys below links")
              << "\n";
  }
}

void cmd_export(const ExportOpts& o) {
  set_context(o.file);
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(o.lmdb_dir, ec) && !(fs::is_directory(o.lmdb_dir, ec) && fs::is_empty(o.lmdb_dir, ec))) {
    throw CliError(o.lmdb_dir + ": exists and is not an empty directory");
  }
  alder::Env env = open_existing_read_only(o.file);
  alder::PathStore store(env);
  alder::PathStore::Snapshot s = store.snapshot();
  const std::string tmp = temp_name_next_to(o.lmdb_dir);
  struct Cleanup {
    std::string dir;
    bool armed = true;
    ~Cleanup() {
      std::error_code e;
      if (armed) std::filesystem::remove_all(dir, e);
    }
  } cleanup{tmp};
  std::uint64_t values = 0, groups = 0, links = 0, bytes = 0;
  hb::Checked checked;
  {
    hb::Lmdb db(tmp, true, o.map_size);
    Progress progress("export " + o.file, 0, Progress::Unit::items);
    std::uint64_t n = 0;
    hb::walk(s, [&](const std::string& path, const std::optional<alder::PathEntry>& e) {
      if (!e) return;  // only entries below it: hb_store_lmdb lists it from their keys
      const std::string v = hb::encode(*e);
      db.put(path, v);
      if (e->kind == Kind::value) {
        ++values;
        bytes += v.size();
      } else {
        ++(e->kind == Kind::group ? groups : links);
      }
      progress.update(++n);
    });
    db.commit();
    progress.finish();
    checked = hb::verify(db, s, {}, {});
  }
  std::error_code e2;
  fs::remove(o.lmdb_dir, e2);  // an empty directory, if any
  fs::rename(tmp, o.lmdb_dir, e2);
  if (e2) throw CliError(o.lmdb_dir + ": rename from " + tmp + ": " + e2.message());
  fsync_parent_dir(o.lmdb_dir);
  cleanup.armed = false;
  if (!globals().quiet) {
    std::cout << o.lmdb_dir << ": exported " << with_commas(values) << " values (" << human_bytes(bytes) << "), "
              << with_commas(groups) << " groups, " << with_commas(links) << " links from " << o.file << "\n"
              << o.lmdb_dir << ": checked both ways: " << with_commas(checked.source_entries)
              << " LMDB entries read back, " << with_commas(checked.store_entries) << " store entries and "
              << with_commas(checked.implicit) << " parent paths listed\n";
  }
}

}  // namespace

void add_hyperbeam_commands(CLI::App& app) {
  auto i = std::make_shared<ImportOpts>();
  CLI::App* s = app.add_subcommand(
      "import-hyperbeam", "copy a HyperBEAM node's hb_store_lmdb database into a new alder path store FILE");
  s->add_option("LMDB_DIR", i->lmdb_dir, "hb_store_lmdb's directory (or its data.mdb)")->required();
  s->add_option("FILE", i->file, "new alder database file (must not exist)")->required();
  s->add_flag("--skip-shadowed", i->skip_shadowed,
              "leave out keys that lie below a link (the path store reads such paths through the link)");
  s->callback([i] { cmd_import(*i); });

  auto x = std::make_shared<ExportOpts>();
  CLI::App* t = app.add_subcommand(
      "export-hyperbeam", "copy an alder path store FILE into a new hb_store_lmdb database LMDB_DIR");
  t->add_option("FILE", x->file, "alder database file holding a path store")->required();
  t->add_option("LMDB_DIR", x->lmdb_dir, "new directory (absent or empty)")->required();
  t->add_option("--map-size", x->map_size, "LMDB map size in bytes")->capture_default_str();
  t->callback([x] { cmd_export(*x); });
}

}  // namespace alder_cli
