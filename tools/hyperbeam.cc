// hb_store_lmdb's format, the LMDB handle, the store walk and the two-way
// check shared by import-hyperbeam and export-hyperbeam (hyperbeam.h).
#include "hyperbeam.h"

#include "common.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace alder_cli::hb {

namespace {
constexpr std::string_view kGroup = "group";
constexpr std::string_view kLink = "link:";
}  // namespace

alder::PathEntry decode(std::string_view stored) {
  alder::PathEntry e;
  if (stored == kGroup) {
    e.kind = alder::PathEntry::Kind::group;
  } else if (stored.size() > kLink.size() && stored.starts_with(kLink)) {
    e.kind = alder::PathEntry::Kind::link;
    e.data = alder::PathStore::normalise(stored.substr(kLink.size()));
  } else {
    e.kind = alder::PathEntry::Kind::value;
    e.data.assign(stored);
  }
  return e;
}

std::string encode(const alder::PathEntry& e) {
  switch (e.kind) {
    case alder::PathEntry::Kind::group: return std::string(kGroup);
    case alder::PathEntry::Kind::link: return std::string(kLink) + e.data;
    default: return e.data;
  }
}

Lmdb::Lmdb(const std::string& path, bool create, std::uint64_t map_size) : path_(path) {
  unsigned flags = MDB_NOTLS;
  if (create) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      throw CliError(path + ": " + std::strerror(errno));
    }
  } else {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throw CliError(path + ": " + std::strerror(errno));
    flags |= MDB_RDONLY;
    if (!S_ISDIR(st.st_mode)) flags |= MDB_NOSUBDIR;
  }
  check(mdb_env_create(&env_), "mdb_env_create");
  if (map_size) check(mdb_env_set_mapsize(env_, map_size), "mdb_env_set_mapsize");
  int rc = mdb_env_open(env_, path.c_str(), flags, 0644);
  if (rc == MDB_INVALID) throw CliError(path + ": not an LMDB environment");
  check(rc, "mdb_env_open");
  check(mdb_txn_begin(env_, nullptr, create ? 0 : MDB_RDONLY, &txn_), "mdb_txn_begin");
  check(mdb_dbi_open(txn_, nullptr, 0, &dbi_), "open main db");
  unsigned f = 0;
  check(mdb_dbi_flags(txn_, dbi_, &f), "mdb_dbi_flags");
  if (f & (MDB_DUPSORT | MDB_INTEGERKEY | MDB_REVERSEKEY)) {
    throw CliError(path + ": the main db uses DUPSORT/INTEGERKEY/REVERSEKEY: not an hb_store_lmdb db");
  }
}

Lmdb::~Lmdb() {
  if (txn_) mdb_txn_abort(txn_);
  if (env_) mdb_env_close(env_);
}

void Lmdb::check(int rc, const std::string& what) const {
  if (rc != MDB_SUCCESS) throw CliError(path_ + ": " + what + ": " + mdb_strerror(rc));
}

void Lmdb::scan(const std::function<void(std::string_view, std::string_view)>& f) {
  MDB_cursor* c = nullptr;
  check(mdb_cursor_open(txn_, dbi_, &c), "mdb_cursor_open");
  MDB_val k, v;
  int rc;
  try {
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
      f(sv(k), sv(v));
    }
  } catch (...) {
    mdb_cursor_close(c);
    throw;
  }
  mdb_cursor_close(c);
  if (rc != MDB_NOTFOUND) check(rc, "scan main db");
}

std::optional<std::string_view> Lmdb::get(std::string_view key) {
  if (key.empty() || key.size() > static_cast<std::size_t>(mdb_env_get_maxkeysize(env_))) return std::nullopt;
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  int rc = mdb_get(txn_, dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "mdb_get");
  return sv(v);
}

void Lmdb::put(std::string_view key, std::string_view value) {
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  int rc = mdb_put(txn_, dbi_, &k, &v, 0);
  if (rc == MDB_MAP_FULL) throw CliError(path_ + ": the LMDB map is full (raise --map-size)");
  check(rc, "mdb_put '" + printable(key.substr(0, 64)) + "'");
}

void Lmdb::commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  check(rc, "mdb_txn_commit");
  check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn_), "mdb_txn_begin");
}

std::uint64_t Lmdb::entries() {
  MDB_stat st;
  check(mdb_stat(txn_, dbi_, &st), "mdb_stat");
  return st.ms_entries;
}

void walk(alder::PathStore::Snapshot& s,
          const std::function<void(const std::string&, const std::optional<alder::PathEntry>&)>& f) {
  std::vector<std::string> stack{""};
  while (!stack.empty()) {
    const std::string parent = std::move(stack.back());
    stack.pop_back();
    std::optional<std::vector<std::string>> names = s.list(parent);
    if (!names) continue;
    // Reverse so that children come off the stack in order.
    for (auto it = names->rbegin(); it != names->rend(); ++it) {
      std::string path = parent.empty() ? *it : parent + "/" + *it;
      std::optional<alder::PathEntry> e = s.entry(path);
      f(path, e);
      if (!e || e->kind != alder::PathEntry::Kind::link) stack.push_back(std::move(path));
    }
  }
}

namespace {

const char* kind_name(alder::PathEntry::Kind k) {
  switch (k) {
    case alder::PathEntry::Kind::group: return "group";
    case alder::PathEntry::Kind::link: return "link";
    default: return "value";
  }
}

bool same(const alder::PathEntry& a, const alder::PathEntry& b) {
  return a.kind == b.kind && a.data == b.data;
}

}  // namespace

Checked verify(Lmdb& db, alder::PathStore::Snapshot& s, const std::unordered_set<std::string>& skipped,
               const std::unordered_set<std::string>& extra_groups) {
  Checked c;
  std::unordered_map<std::string, alder::PathEntry> source;  // normalised path -> entry
  std::unordered_set<std::string> prefixes;                  // proper prefixes of source paths
  auto differ = [&](const std::string& path, const std::string& what) {
    throw CliError("check failed at '" + printable(path) + "': " + what);
  };
  // LMDB -> store: each entry, and each value read back through read().
  db.scan([&](std::string_view key, std::string_view value) {
    if (skipped.contains(std::string(key))) return;
    const std::string path = alder::PathStore::normalise(key);
    alder::PathEntry want = decode(value);
    std::optional<alder::PathEntry> got = s.entry(path);
    if (!got) differ(path, std::string("a ") + kind_name(want.kind) + " in LMDB, nothing in the store");
    if (!same(want, *got)) {
      differ(path, std::string("LMDB has a ") + kind_name(want.kind) + ", the store a " +
                       kind_name(got->kind) + " (or other bytes)");
    }
    if (want.kind == alder::PathEntry::Kind::value && s.read(path) != want.data) {
      differ(path, "read() gives other bytes");
    }
    for (std::size_t i = path.find('/'); i != std::string::npos; i = path.find('/', i + 1)) {
      prefixes.insert(path.substr(0, i));
    }
    source.emplace(path, std::move(want));
    ++c.source_entries;
  });
  // Store -> LMDB: every listed path.
  walk(s, [&](const std::string& path, const std::optional<alder::PathEntry>& e) {
    if (!e) {
      if (!prefixes.contains(path)) differ(path, "listed by the store, no LMDB key below it");
      ++c.implicit;
      return;
    }
    ++c.store_entries;
    auto it = source.find(path);
    if (it == source.end()) {
      if (e->kind == alder::PathEntry::Kind::group && extra_groups.contains(path)) return;
      differ(path, std::string("a ") + kind_name(e->kind) + " in the store, no such LMDB key");
    }
    if (!same(it->second, *e)) differ(path, "the store's entry differs from LMDB's");
  });
  if (c.store_entries != c.source_entries + extra_groups.size()) {
    throw CliError("check failed: the store lists " + with_commas(c.store_entries) + " entries, LMDB has " +
                   with_commas(c.source_entries) + " (+" + with_commas(extra_groups.size()) +
                   " parent groups made for links)");
  }
  return c;
}

}  // namespace alder_cli::hb
