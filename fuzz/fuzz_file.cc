// fuzz_file: libFuzzer target (a) of issue #3. The input is a data file:
//   byte 0   mode bits (kReseal, kReadWrite, kWrite, kSpill below)
//   rest     the file's bytes, written to a scratch file
// The file is opened read-only, then (kReadWrite) read-write, and each time
// verify()'d, every db (main + every name in the catalog) scanned forward and
// backward, and looked up (keys seen in the scan plus some absent ones); with
// kWrite a small write txn (put, overflow put, del) is committed, and the file
// reopened and read once more.
//
// Anything but alder::Error is a finding: a crash, an ASan/UBSan report, a
// hang (libFuzzer -timeout), another exception type. And when verify() says
// the file is sound, reading it must raise no error at all and be coherent:
// forward scan strictly ascending, reverse scan its mirror image, get() of
// every scanned key returns the scanned value, entry count = verify's; a
// commit on a sound file keeps it sound and its writes readable after reopen.
//
// Checksums sit in the parents, so random bytes rarely pass them; kReseal
// first recomputes every checksum (pages bottom-up, then both metas) along
// the references as the file holds them, so damaged structures inside
// checksum-valid pages reach the page parser and verify() too, as they
// would from a crafted file.
#include <alder/alder.hpp>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "page/node.h"
#include "page/page.h"
#include "txn/meta.h"

namespace {

using namespace alder_fuzz;
using alder::ErrorCode;

enum Mode : uint8_t {
  kReseal = 1,     // recompute checksums before opening
  kReadWrite = 2,  // also open read-write
  kWrite = 4,      // ... and commit a small write txn
  kSpill = 8,      // ... spilling its dirty pages (spill_bytes of one page)
};

// ---- resealing --------------------------------------------------------------

class Resealer {
 public:
  Resealer(std::vector<uint8_t>& f, uint32_t ps) : f_(f), ps_(ps) {}

  void meta(uint64_t off) {
    if (off + sizeof(alder::txn::Meta) > f_.size()) return;
    alder::txn::Meta m;
    std::memcpy(&m, f_.data() + off, sizeof m);
    if (m.magic != alder::txn::kMagic) return;
    tree(m.main, false);
    tree(m.catalog, true);
    tree(m.free, false);
    size_t extra = size_t(m.inline_free_words) * 8;
    if (extra > ps_ - sizeof m || off + sizeof m + extra > f_.size()) extra = 0;
    m.checksum = 0;
    std::memcpy(f_.data() + off, &m, sizeof m);
    uint64_t c = alder::page::checksum(f_.data() + off, sizeof m + extra, 0);
    std::memcpy(f_.data() + off + offsetof(alder::txn::Meta, checksum), &c, 8);
  }

 private:
  void tree(alder::page::TreeRef& r, bool catalog) {
    if (r.root) r.root_csum = node(r.root, catalog, 0);
  }

  uint8_t* page(uint64_t pgno) {
    if (pgno < 2 || pgno > f_.size() / ps_ || (pgno + 1) * ps_ > f_.size()) return nullptr;
    return f_.data() + pgno * ps_;
  }

  // Reseals the subtree at pgno; returns the page's checksum (0 when the
  // page is outside the file).
  uint64_t node(uint64_t pgno, bool catalog, int depth) {
    uint8_t* p = page(pgno);
    if (!p) return 0;
    if (auto it = done_.find(pgno); it != done_.end()) return it->second;
    if (depth > 45 || !on_path_.insert(pgno).second) return alder::page::checksum(p, ps_, pgno);
    const auto* h = alder::page::header(p);
    const uint32_t base = alder::page::kHeaderSize + ((h->prefix_len + 3u) & ~3u);
    if ((h->type == alder::page::kBranch || h->type == alder::page::kLeaf) && base <= ps_) {
      const uint32_t n = std::min<uint32_t>(h->count, (ps_ - base) / 8);
      for (uint32_t i = 0; i < n; i++) {
        alder::page::Slot s;
        std::memcpy(&s, p + base + 8 * i, 8);
        const uint32_t at = uint32_t(s.off) + (s.klen & alder::page::kSlotLenMask);
        if (h->type == alder::page::kBranch) {
          if (at + 24 > ps_) continue;
          uint64_t child;
          std::memcpy(&child, p + at, 8);
          uint64_t c = node(child, catalog, depth + 1);
          std::memcpy(p + at + 16, &c, 8);
        } else if (s.klen & alder::page::kSlotOverflow) {
          if (at + 32 > ps_) continue;
          uint64_t vlen, first;
          std::memcpy(&vlen, p + at, 8);
          std::memcpy(&first, p + at + 8, 8);
          const uint64_t pages = f_.size() / ps_;
          if (vlen > f_.size() || first < 2 || first > pages) continue;
          uint64_t np = (16 + vlen + ps_ - 1) / ps_;
          if (np == 0 || np > pages - first) continue;
          uint64_t c = alder::page::checksum(f_.data() + first * ps_, np * ps_, first);
          std::memcpy(p + at + 24, &c, 8);
        } else if (catalog && at + 2 + 64 <= ps_) {
          uint16_t vlen;
          std::memcpy(&vlen, p + at, 2);
          if (vlen != sizeof(alder::page::TreeRef)) continue;
          alder::page::TreeRef r;
          std::memcpy(&r, p + at + 2, sizeof r);
          tree(r, false);
          std::memcpy(p + at + 2, &r, sizeof r);
        }
      }
    }
    on_path_.erase(pgno);
    uint64_t c = alder::page::checksum(p, ps_, pgno);
    done_[pgno] = c;
    return c;
  }

  std::vector<uint8_t>& f_;
  uint32_t ps_;
  std::map<uint64_t, uint64_t> done_;
  std::set<uint64_t> on_path_;
};

void reseal(std::vector<uint8_t>& f) {
  if (f.size() < sizeof(alder::txn::Meta)) return;
  uint32_t ps;
  std::memcpy(&ps, f.data() + 12, 4);
  if (ps < 512 || ps > 65536 || (ps & (ps - 1))) return;
  Resealer(f, ps).meta(0);
  Resealer(f, ps).meta(ps);
}

// ---- checks -----------------------------------------------------------------

using Entries = std::vector<std::pair<std::string, std::string>>;

struct Seen {
  bool sound = false;  // verify() said ok
  std::map<std::string, Entries> dbs;
};

// The longest scan a file of this size can justify (every entry takes at
// least a slot): more means the scan is going round in circles.
uint64_t scan_cap(uint64_t file_size) { return file_size / 8 + 16; }

// Reads everything of one db; throws alder::Error as the engine does.
void read_db(alder::Txn& t, alder::Dbi d, const std::string& name, uint64_t cap, bool sound,
             Entries* out) {
  Entries fwd, back;
  alder::Cursor c = t.cursor(d);
  for (bool ok = c.first(); ok; ok = c.next()) {
    fwd.emplace_back(c.key(), c.value());
    if (fwd.size() > cap) finding("forward scan of db '%s' does not end", name.c_str());
  }
  for (bool ok = c.last(); ok; ok = c.prev()) {
    back.emplace_back(c.key(), c.value());
    if (back.size() > cap) finding("reverse scan of db '%s' does not end", name.c_str());
  }
  std::reverse(back.begin(), back.end());
  // Gets: of keys seen (coherent with the scan when the file is sound), and
  // of a few absent or odd ones (never an error but corrupted).
  for (size_t i = 0; i < fwd.size() && i < 64; i++) {
    auto v = t.get(d, fwd[i].first);
    if (sound && (!v || *v != fwd[i].second))
      finding("db '%s': get of scanned key #%zu disagrees with the scan", name.c_str(), i);
  }
  for (std::string k : {std::string("a"), std::string("zzzz"), std::string(1, '\0'),
                        std::string("k05")}) {
    auto v = t.get(d, k);
    if (sound) {
      auto it = std::find_if(fwd.begin(), fwd.end(), [&](auto& e) { return e.first == k; });
      if (bool(v) != (it != fwd.end()) || (v && *v != it->second))
        finding("db '%s': get disagrees with the scan", name.c_str());
    }
  }
  if (sound) {
    for (size_t i = 1; i < fwd.size(); i++)
      if (!(fwd[i - 1].first < fwd[i].first))
        finding("db '%s': scan not strictly ascending at %zu on a verified file", name.c_str(), i);
    if (fwd != back) finding("db '%s': reverse scan differs from forward scan", name.c_str());
  }
  if (out) *out = std::move(fwd);
}

// Opens path with o and reads everything. Returns what it saw (nullopt when
// the open failed). alder::Error is fine unless the file verified as sound.
std::optional<Seen> check_file(const std::string& path, alder::EnvOptions o, uint64_t size,
                               std::optional<alder::Env>* keep = nullptr) {
  std::optional<alder::Env> env;
  try {
    env.emplace(alder::Env::open(path, o));
  } catch (const alder::Error&) {
    return std::nullopt;
  }
  Seen seen;
  try {
    alder::VerifyResult v = env->verify();
    seen.sound = v.ok();
    uint64_t cap = scan_cap(std::max<uint64_t>(size, env->stat().file_size));
    alder::Txn t = env->begin_read();
    uint64_t total = 0;
    try {
      read_db(t, alder::kMainDbi, "", cap, seen.sound, &seen.dbs[""]);
      total += seen.dbs[""].size();
      std::vector<std::string> names = t.list_dbs();
      if (names.size() > cap) finding("list_dbs returns more names than the file can hold");
      for (const std::string& n : names) {
        alder::Dbi d = t.open_db(n);
        read_db(t, d, n, cap, seen.sound, &seen.dbs[n]);
        total += seen.dbs[n].size();
      }
    } catch (const alder::Error& e) {
      if (seen.sound)
        finding("verify() passed, then reading failed: %s: %s", alder::error_name(e.code()), e.what());
      throw;
    }
    if (seen.sound && total != v.entries)
      finding("verify() counted %llu entries, the scans %llu", (unsigned long long)v.entries,
              (unsigned long long)total);
    t.abort();
    (void)env->stat();
  } catch (const alder::Error&) {
  }
  if (keep) *keep = std::move(env);
  return seen;
}

// A small write txn on a read-write env: a put over a seen key (or a new
// one), an overflow value, a del; on a sound file it must commit and keep
// the file sound, and its writes must be there after a reopen.
void write_and_recheck(const std::string& path, alder::EnvOptions o, uint64_t size,
                       std::optional<alder::Env>& env, const Seen& seen) {
  const std::string big(3 * o.page_size + 17, 'B');
  std::string k1 = "fuzz-new-key", k2 = "fuzz-big", del_key;
  const auto& main_db = seen.dbs.count("") ? seen.dbs.at("") : Entries{};
  if (!main_db.empty()) {
    k1 = main_db.front().first;
    del_key = main_db.back().first;
    if (del_key == k1) del_key.clear();
  }
  bool committed = false;
  if (std::getenv("ALDER_FUZZ_TRACE"))  // to turn a finding into a test
    std::fprintf(stderr, "write txn: put(\"%s\", \"v1\"), put(\"%s\", %zu bytes), del(\"%s\")\n",
                 k1.c_str(), k2.c_str(), big.size(), del_key.c_str());
  try {
    alder::Txn w = env->begin_write();
    w.put(k1, "v1");
    w.put(k2, big);
    if (!del_key.empty()) w.del(del_key);
    w.commit();
    committed = true;
    alder::VerifyResult v = env->verify();
    if (seen.sound && !v.ok())
      finding("a commit on a verified file made verify() fail: %s", v.error.c_str());
    env->close();
  } catch (const alder::Error& e) {
    if (seen.sound && e.code() != ErrorCode::key_too_large)
      finding("writing to a verified file failed: %s: %s", alder::error_name(e.code()), e.what());
  }
  env.reset();
  o.read_only = true;
  std::optional<alder::Env> again;
  std::optional<Seen> after = check_file(path, o, size, &again);
  if (seen.sound && committed) {
    if (!after || !after->sound)
      finding("a verified file with one more commit no longer %s",
              after ? "verifies" : "opens");
    const Entries& m = after->dbs[""];
    auto has = [&](const std::string& k, const std::string& v) {
      return std::find(m.begin(), m.end(), std::make_pair(k, v)) != m.end();
    };
    if (!has(k1, "v1") || !has(k2, big))
      finding("a committed put is missing after reopen");
    if (!del_key.empty() && std::find_if(m.begin(), m.end(), [&](auto& e) {
                              return e.first == del_key;
                            }) != m.end())
      finding("a committed del is undone after reopen");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  std::vector<uint8_t> file(data + 1, data + size);
  if (mode & kReseal) reseal(file);
  // ALDER_FUZZ_DUMP_FILE=path: also write the data file as opened (after
  // resealing) there, to turn a finding into a plain alder file for a test.
  if (const char* dump = std::getenv("ALDER_FUZZ_DUMP_FILE")) {
    std::ofstream out(dump, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(file.data()), std::streamsize(file.size()));
  }
  clean_scratch();
  const std::string path = scratch_dir() + "/file.alder";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(file.data()), std::streamsize(file.size()));
    if (!out) finding("cannot write the scratch file %s", path.c_str());
  }
  alder::EnvOptions o;
  o.create = false;
  o.max_size = 64ull << 20;
  o.read_only = true;
  try {
    check_file(path, o, file.size());
    if (mode & kReadWrite) {
      o.read_only = false;
      if (mode & kSpill) o.spill_bytes = 1;  // every write spills
      o.durability = alder::Durability::no_sync;  // close() syncs
      std::optional<alder::Env> env;
      std::optional<Seen> seen = check_file(path, o, file.size(), &env);
      if (seen && env && (mode & kWrite)) write_and_recheck(path, o, file.size(), env, *seen);
    }
  } catch (const alder::Error& e) {
    finding("alder::Error escaped the checks: %s", e.what());  // (they catch it)
  } catch (const std::exception& e) {
    finding("non-alder exception: %s", e.what());
  }
  clean_scratch();  // tmpfs stays small
  return 0;
}
