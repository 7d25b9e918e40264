// Opening an env: create the file atomically if asked, read both meta pages,
// and recover: take the newest meta whose own checksum holds and whose pages
// written since its synced base check out against the checksums their
// parents hold; otherwise fall back to the other meta. See docs/FORMAT.md.
#include "env/env.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "page/node.h"
#include "util/check.h"

namespace alder::detail {

static void validate(const EnvOptions& o) {
  uint32_t ps = o.page_size;
  if (ps < page::kMinPageSize || ps > page::kMaxPageSize || (ps & (ps - 1)))
    throw Error(ErrorCode::invalid_argument,
                "page_size must be a power of two from 512 to 65536, got " + std::to_string(ps));
  if (o.max_size < uint64_t(ps) * 8)
    throw Error(ErrorCode::invalid_argument, "max_size must be at least 8 pages");
  if (o.max_dbs > 65535) throw Error(ErrorCode::invalid_argument, "max_dbs above 65535");
}

static void create_file(const std::string& path, const EnvOptions& o, io::FaultHook* hook) {
  std::vector<uint8_t> buf(2 * size_t(o.page_size));
  txn::Meta m;
  m.page_size = o.page_size;
  m.txnid = 0;
  txn::encode_meta(m, {}, buf.data(), o.page_size);
  m.txnid = 1;
  txn::encode_meta(m, {}, buf.data() + o.page_size, o.page_size);
  io::File::create_atomically(path, o.file_mode, buf.data(), buf.size(), hook);
}

namespace {
struct Candidate {
  txn::Meta meta;
  int slot;
  std::vector<uint64_t> inline_free;
};
}  // namespace

// Reads the two meta slots. The page size comes from slot 0, or, if slot 0
// is damaged, from whichever power of two finds a valid slot 1.
static std::vector<Candidate> read_metas(io::File& f, uint64_t size, const std::string& path) {
  if (size == 0) throw Error(ErrorCode::not_alder_file, path + ": empty file, not an alder database");
  std::vector<uint8_t> head(std::min<uint64_t>(size, 2 * page::kMaxPageSize));
  f.pread(head.data(), head.size(), 0);
  std::vector<Candidate> out;
  txn::MetaProblem p0, p1 = txn::MetaProblem::foreign;
  std::vector<uint64_t> w0;
  txn::Meta m0 = txn::decode_meta(head.data(), head.size(), &p0, &w0);
  uint32_t ps = 0;
  if (p0 == txn::MetaProblem::none) {
    ps = m0.page_size;
    out.push_back({m0, 0, std::move(w0)});
  }
  for (uint32_t cand = page::kMinPageSize; cand <= page::kMaxPageSize; cand *= 2) {
    if (ps && cand != ps) continue;
    if (cand >= head.size()) break;
    txn::MetaProblem p;
    std::vector<uint64_t> w1;
    txn::Meta m1 = txn::decode_meta(head.data() + cand, head.size() - cand, &p, &w1);
    if (p == txn::MetaProblem::none && m1.page_size == cand && (!ps || m1.page_size == ps)) {
      out.push_back({m1, 1, std::move(w1)});
      p1 = p;
      break;
    }
    if (p != txn::MetaProblem::foreign) p1 = p;
  }
  if (out.empty()) {
    if (p0 == txn::MetaProblem::version || p1 == txn::MetaProblem::version)
      throw Error(ErrorCode::version_mismatch,
                  path + ": file format version " +
                      std::to_string(p0 == txn::MetaProblem::version ? m0.version : 0) +
                      "; this build reads versions " + std::to_string(txn::kFormatVersion) +
                      " to " + std::to_string(txn::kNewestFormatVersion) +
                      " (written by a newer alder)");
    if (p0 == txn::MetaProblem::foreign && p1 == txn::MetaProblem::foreign)
      throw Error(ErrorCode::not_alder_file, path + ": not an alder database (no alder meta page)");
    throw Error(ErrorCode::corrupted, path + ": both meta pages are damaged");
  }
  std::sort(out.begin(), out.end(),
            [](const Candidate& a, const Candidate& b) { return a.meta.txnid > b.meta.txnid; });
  return out;
}

std::shared_ptr<EnvImpl> EnvImpl::open(const std::string& path, const EnvOptions& o,
                                       io::FaultHook* hook) {
  validate(o);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) io::throw_errno("stat " + path, errno);
    if (!o.create || o.read_only) io::throw_errno("open " + path, ENOENT);
    create_file(path, o, hook);
  }
  io::File probe;
  probe.open(path, o.read_only, hook);
  if (!o.read_only) probe.lock(true);  // one writing env per file
  uint64_t size = probe.size();
  std::vector<Candidate> metas = read_metas(probe, size, path);
  const uint32_t ps = metas[0].meta.page_size;
  // The lock file lets read-only envs of other processes read beside the
  // writer. A read-only env that cannot have one (read-only media) takes a
  // shared flock instead, which keeps writers out while it is open.
  std::unique_ptr<txn::SharedReaders> shared;
  try {
    shared = txn::SharedReaders::open(Env::lock_path(path), o.file_mode);
  } catch (const Error&) {
    if (!o.read_only) throw;
  }
  if (o.read_only && !shared) probe.lock(false);
  // A live writer recovered the file when it opened and keeps rewriting
  // free pages: a read-only env then must not walk (pages of an unregistered
  // snapshot may be reused under it); its first read txn takes the writer's
  // newest commit from the lock file instead.
  const bool writer_live = o.read_only && shared && probe.locked_by_writer();

  auto impl = std::shared_ptr<EnvImpl>(new EnvImpl());
  impl->st_ = std::make_unique<txn::EnvState>(ps);
  txn::EnvState& s = *impl->st_;
  // Not open until recovery succeeds: a failed open must not sync, copy a
  // meta or truncate anything on its way out (see close()).
  s.closed.store(true);
  s.path = path;
  s.file = std::move(probe);
  s.shared = std::move(shared);
  // MDB_WRITEMAP | MDB_MAPASYNC: commits do not sync (EnvOptions::map_async).
  s.durability = o.write_map && o.map_async ? Durability::no_sync : o.durability;
  s.read_only = o.read_only;
  s.verify_checksums = o.verify_checksums;
  s.max_dbs = o.max_dbs;
  s.autosync_bytes = o.autosync_bytes;
  s.spill_bytes = o.spill_bytes ? o.spill_bytes : uint64_t{256} << 20;
  s.shrink_threshold = o.shrink_threshold;
  txn::Writer::Guard w = s.writer.lock();  // nobody else has the env yet
  w->file_size = size;
  const uint64_t need = (size + ps - 1) / ps * ps;
  uint64_t max_bytes = std::max((o.max_size + ps - 1) / ps * ps, need);
  s.map.map(s.file.fd(), max_bytes, need, false, o.no_readahead, hook);
  max_bytes = s.map.reserved();
  if (!o.read_only) {
    s.meta_map.map(s.file.fd(), 2 * uint64_t(ps), 2 * uint64_t(ps), true, false, hook);
    w->dirty = std::make_unique<btree::DirtyPages>(ps, std::max<uint64_t>(64, (16 << 20) / ps));
    w->free_space = std::make_unique<txn::FreeSpace>(ps);
    if (s.durability == Durability::no_sync)
      w->flusher = std::make_unique<txn::Flusher>(s.file.fd(), txn::Flusher::kDefaultStep);
  }
  s.max_pages = max_bytes / ps;

  std::string why;
  const Candidate* chosen = nullptr;
  for (const Candidate& c : metas) {
    // Division, not npages * ps: a damaged count must not wrap around.
    if (c.meta.npages < 2 || c.meta.npages > size / ps || c.meta.npages > s.max_pages) {
      why = "meta " + std::to_string(c.slot) + " names " + std::to_string(c.meta.npages) +
            " pages but the file is shorter (truncated)";
      continue;
    }
    if (writer_live) {
      chosen = &c;
      break;
    }
    VerifyResult r = walk_meta(c.meta, c.inline_free, s.map.data(), ps, c.meta.synced_base);
    if (r.ok()) {
      chosen = &c;
      break;
    }
    why = "txn " + std::to_string(c.meta.txnid) + ": " + r.error;
  }
  if (!chosen) {
    bool truncated = why.find("truncated") != std::string::npos;
    throw Error(truncated ? ErrorCode::not_alder_file : ErrorCode::corrupted,
                path + ": no meta page recovers: " + why);
  }
  s.meta_bounds.reset(chosen->meta.npages);  // durable after the datasync below
  w->last = chosen->meta;
  w->last_inline = chosen->inline_free;
  w->last_slot = chosen->slot;
  s.group.reset(chosen->meta.txnid, chosen->slot);
  // What is in the page cache (say, from a crashed process) is now made
  // durable, so the recovered state is the synced one.
  if (!o.read_only) s.file.datasync();
  s.publish(w->last, w->last_inline);
  if (!o.read_only) s.shared->publish_txnid(w->last.txnid);
  s.closed.store(false);
  return impl;
}

EnvImpl::~EnvImpl() {
  try {
    close();
  } catch (...) {
  }
  release();  // a failed open, or a close that threw
}

void EnvImpl::check_open() const {
  if (!st_ || st_->closed.load()) throw Error(ErrorCode::env_closed, "env is closed");
}

void EnvImpl::close() {
  if (!st_ || st_->closed.load()) return;
  txn::EnvState& s = *st_;
  if (s.live_txns.load() != 0)
    throw Error(ErrorCode::busy, "close: transactions are still live");
  if (!s.read_only && !s.writer.failed.load()) {
    try {
      txn::sync_env(s);
      s.group.stop();
      txn::Writer::Guard w = s.writer.lock();
      // Clean shutdown: the other slot gets a copy of the newest meta, so a
      // later open has no older state to fall back to, and a file cut short
      // or damaged since is reported instead of silently rolled back.
      const txn::GroupCommit::State synced = s.group.state();
      ALDER_DCHECK(synced.durable == w->last.txnid);
      std::vector<uint8_t> page(s.page_size);
      txn::encode_meta(w->last, w->last_inline, page.data(), s.page_size);
      s.file.pwrite(page.data(), page.size(), uint64_t(1 - synced.slot) * s.page_size);
      s.sync_file();
      // Trim the free tail, unless readers of other envs (other processes)
      // are live: their snapshots may reach pages past the newest commit's.
      uint64_t used = w->last.npages * uint64_t(s.page_size);
      if (s.file.size() > used && s.shared->snapshots().empty()) s.file.truncate(used);
    } catch (...) {
      release();
      throw;
    }
  }
  release();
}

void EnvImpl::release() noexcept {
  if (!st_) return;
  st_->closed.store(true);
  st_->group.stop();                     // joins its thread, which uses the descriptor
  st_->writer.lock()->flusher.reset();  // likewise
  st_->map.unmap();
  st_->meta_map.unmap();
  st_->file.close();
}

EnvStat EnvImpl::stat() {
  check_open();
  txn::EnvState& s = *st_;
  txn::Meta m = s.snapshot.load();
  EnvStat out;
  out.page_size = s.page_size;
  out.main = txn::db_stat_of(m.main, s.page_size);
  out.file_size = s.file.size();
  out.used_pages = m.npages;
  out.free_pages = m.free_pages;
  out.last_txn_id = m.txnid;
  out.named_dbs = m.catalog.entries;
  if (m.catalog.entries) {  // the main db's compression record ("") is no named db
    txn::Txn t(s);
    btree::Pager pg = t.pager();
    page::TreeRef catalog = t.meta().catalog;
    if (btree::Tree(pg, catalog).find(page::kMainCompressionKey)) out.named_dbs--;
  }
  out.readers = s.readers.count() + (s.shared ? s.shared->count() : 0);
  const txn::GroupCommit::Figures g = s.group.figures();
  out.group_syncs = g.flushes;
  out.commits_synced = g.covered;
  out.pages_synced = g.pages;
  return out;
}

VerifyResult EnvImpl::verify() {
  check_open();
  return with_snapshot([&](txn::Txn& t, const std::vector<uint64_t>& words) {
    return walk_meta(t.meta(), words, st_->map.data(), st_->page_size, 0);
  });
}

}  // namespace alder::detail
