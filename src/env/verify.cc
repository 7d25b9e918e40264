// Walks a snapshot's trees checking what the format promises: every page's
// checksum against the one its parent holds, the writer txn id, page types,
// bounds, key order and key ranges, the figures in each TreeRef, and (for a
// full walk) that every page is referenced or free exactly once and that
// every value stored compressed decompresses with its db's codec. Recovery
// uses the same walk restricted to the pages written since the last synced
// commit.
#include <memory>
#include <string>
#include <vector>

#include "compress/codec.h"

#include "env/env.h"
#include "page/node.h"
#include "page/records.h"
#include "txn/freelist.h"

namespace alder::detail {

namespace {

using page::Node;
using page::TreeRef;

enum class TreeKind { user, catalog, freelist };

class Walker {
 public:
  Walker(const txn::Meta& m, const std::vector<uint64_t>& inline_free, const uint8_t* map,
         uint32_t ps, uint64_t base)
      : meta_(m), inline_(inline_free), map_(map), ps_(ps), base_(base), full_(base == 0) {
    if (full_) seen_.assign(m.npages, 0);
  }

  VerifyResult run() {
    if (full_) seen_[0] = seen_[1] = 1;
    // The catalog first: it holds the main db's compression.
    tree(meta_.catalog, TreeKind::catalog, "catalog") && main_db() &&
        tree(meta_.free, TreeKind::freelist, "freelist") && inline_freelist();
    if (res_.ok() && full_) {
      if (free_count_ != meta_.free_pages)
        fail(0, "meta", "meta counts " + std::to_string(meta_.free_pages) +
                            " free pages, the freelist holds " + std::to_string(free_count_));
      for (uint64_t p = 2; res_.ok() && p < seen_.size(); p++)
        if (!seen_[p]) fail(p, "unreachable", "page is neither used nor free (leaked)");
    }
    return res_;
  }

 private:
  bool fail(uint64_t pgno, const std::string& kind, const std::string& msg) {
    if (!res_.ok()) return false;
    res_.error = "page " + std::to_string(pgno) + " (" + kind + "): " + msg;
    res_.bad_page = pgno;
    res_.bad_page_kind = kind;
    return false;
  }

  // The freelist records kept in the meta page.
  bool inline_freelist() {
    std::vector<txn::InlineRecord> recs;
    try {
      recs = txn::decode_inline_free(inline_);
    } catch (const Error& e) {
      return fail(0, "meta", e.what());
    }
    for (auto& r : recs) {
      if (r.txnid > meta_.txnid) return fail(0, "meta", "inline freelist record from the future");
      for (uint32_t i = 0; i < r.count; i++) {
        if (!mark(r.pages[i], 1, "free")) return false;
        free_count_++;
      }
    }
    return true;
  }

  bool mark(uint64_t pgno, uint64_t n, const char* kind) {
    if (pgno < 2 || n == 0 || pgno + n > meta_.npages || pgno + n < pgno)
      return fail(pgno, kind, "page number out of range (file has " +
                                  std::to_string(meta_.npages) + " pages)");
    if (!full_) return true;
    for (uint64_t i = 0; i < n; i++) {
      if (seen_[pgno + i]) return fail(pgno + i, kind, "page referenced twice");
      seen_[pgno + i] = 1;
    }
    return true;
  }

  bool main_db() {
    codec_ = main_codec_.get();
    const bool ok = tree(meta_.main, TreeKind::user, "main db");
    codec_ = nullptr;
    return ok;
  }

  // The codec of a db's compression settings (none: null), its dictionary
  // read from the run run() checked.
  bool make_codec(const page::DbCompression& c, uint64_t pgno,
                  std::unique_ptr<compress::Codec>* out) {
    out->reset();
    if (c.codec == page::kCodecNone) return true;
    std::string_view dict;
    if (c.dict.vlen) {
      const uint64_t np = page::overflow_run_pages(c.dict.vlen, ps_);
      if (c.dict.pgno < 2 || c.dict.pgno + np > meta_.npages || c.dict.pgno + np < np)
        return fail(c.dict.pgno, "dictionary", "run out of range");
      dict = {reinterpret_cast<const char*>(map_ + c.dict.pgno * ps_ + page::kHeaderSize),
              size_t(c.dict.vlen)};
    }
    try {
      *out = std::make_unique<compress::Codec>(c, dict);
    } catch (const Error& e) {
      return fail(pgno, "leaf", std::string("compression settings: ") + e.what());
    }
    return true;
  }

  // A value flagged compressed must decode: reads of a file verify()
  // accepts do not fail.
  // Recovery's walk (not full_) checks pages, not values: it may not see
  // the catalog record that holds the main db's codec.
  bool compressed_ok(uint64_t pgno, const char* kind, std::string_view stored) {
    if (!full_) return true;
    if (!codec_) return fail(pgno, kind, "value flagged compressed in a db stored raw");
    try {
      codec_->decompress(stored, &scratch_);
    } catch (const Error& e) {
      return fail(pgno, kind, e.what());
    }
    return true;
  }

  // An overflow run outside the trees' leaves (a db's dictionary).
  bool run(const page::OverflowRef& r, const char* what) {
    const uint64_t np = page::overflow_run_pages(r.vlen, ps_);
    if (!full_ && r.txnid <= base_) return true;
    if (!mark(r.pgno, np, what)) return false;
    const uint8_t* op = map_ + r.pgno * ps_;
    res_.pages_checked += np;
    if (page::checksum(op, np * ps_, r.pgno) != r.csum) return fail(r.pgno, what, "checksum mismatch");
    if (page::header(op)->type != page::kOverflow || page::overflow_pages(op) != np ||
        page::header(op)->txnid != r.txnid)
      return fail(r.pgno, what, "bad overflow header");
    return true;
  }

  bool tree(const TreeRef& r, TreeKind kind, const std::string& name) {
    if (!r.root) {
      // An empty tree's record is all zero figures (Tree makes it
      // TreeRef{}). A page count left in it would be carried into the
      // tree the next put grows there, which the walk would then fail.
      if (r.depth || r.entries || r.branch_pages || r.leaf_pages || r.overflow_pages)
        return fail(0, "meta", name + ": empty tree with figures");
      return true;
    }
    if (!page::depth_ok(r.depth))
      return fail(r.root, "meta", name + ": bad depth " + std::to_string(r.depth));
    if (!full_ && r.root_txnid <= base_) return true;
    TreeRef counted;
    counted.depth = r.depth;
    if (!node(r.root, r.root_txnid, r.root_csum, 1, r.depth, kind, {}, nullptr, counted))
      return false;
    if (full_ && (counted.entries != r.entries || counted.branch_pages != r.branch_pages ||
                  counted.leaf_pages != r.leaf_pages ||
                  counted.overflow_pages != r.overflow_pages))
      return fail(r.root, "branch", name + ": figures in the tree record disagree with the tree");
    return true;
  }

  bool node(uint64_t pgno, uint64_t txnid, uint64_t csum, uint32_t level, uint32_t depth,
            TreeKind kind, const std::string& lo, const std::string* hi, TreeRef& counted) {
    const bool leaf = level == depth;
    const char* kname = leaf ? "leaf" : "branch";
    if (!mark(pgno, 1, kname)) return false;
    const uint8_t* p = map_ + pgno * ps_;
    res_.pages_checked++;
    if (page::checksum(p, ps_, pgno) != csum)
      return fail(pgno, kname, "checksum mismatch (torn, stale or damaged page)");
    const page::Header* h = page::header(p);
    if (h->txnid != txnid)
      return fail(pgno, kname, "written by txn " + std::to_string(h->txnid) +
                                   ", parent expects txn " + std::to_string(txnid));
    if (h->type != (leaf ? page::kLeaf : page::kBranch))
      return fail(pgno, page::type_name(h->type), std::string("expected a ") + kname + " page");
    Node n(p, ps_);
    if (std::string e = n.check(); !e.empty()) return fail(pgno, kname, e);
    if (n.count() == 0 && !(leaf && level == 1)) return fail(pgno, kname, "empty page");
    // Keys must lie in [lo, hi) given by the parent's separators.
    std::string k;
    uint32_t first = leaf ? 0 : 1;
    if (n.count() > first) {
      n.key(first, k);
      if (k < lo) return fail(pgno, kname, "key below the parent's separator");
      n.key(n.count() - 1, k);
      if (hi && !(k < *hi)) return fail(pgno, kname, "key at or above the next separator");
    }
    if (!leaf) {
      counted.branch_pages++;
      for (uint32_t i = 0; i < n.count(); i++) {
        page::ChildRef c = n.child(i);
        if (c.txnid > txnid) return fail(pgno, kname, "child written after its parent");
        if (!full_ && c.txnid <= base_) continue;
        std::string clo = lo, chi;
        if (i > 0) n.key(i, clo);
        const std::string* ph = hi;
        if (i + 1 < n.count()) {
          n.key(i + 1, chi);
          ph = &chi;
        }
        if (!node(c.pgno, c.txnid, c.csum, level + 1, depth, kind, clo, ph, counted))
          return false;
      }
      return true;
    }
    counted.leaf_pages++;
    for (uint32_t i = 0; i < n.count(); i++) {
      counted.entries++;
      res_.entries += kind == TreeKind::user;
      std::string_view v;
      if (n.is_overflow(i)) {
        page::OverflowRef r = n.overflow_ref(i);
        uint64_t np = page::overflow_run_pages(r.vlen, ps_);
        counted.overflow_pages += np;
        if (!full_ && r.txnid <= base_) continue;
        if (!mark(r.pgno, np, "overflow")) return false;
        const uint8_t* op = map_ + r.pgno * ps_;
        res_.pages_checked += np;
        if (page::checksum(op, np * ps_, r.pgno) != r.csum)
          return fail(r.pgno, "overflow", "checksum mismatch");
        if (page::header(op)->type != page::kOverflow ||
            page::overflow_pages(op) != np || page::header(op)->txnid != r.txnid)
          return fail(r.pgno, "overflow", "bad overflow header");
        if (kind != TreeKind::user) return fail(pgno, kname, "overflow value in an internal tree");
        if (page::header(op)->flags & page::kRunCompressed) {
          if (meta_.version < txn::kCompressionVersion)
            return fail(r.pgno, "overflow", "compressed value in a version 1 file");
          if (!compressed_ok(r.pgno, "overflow",
                             {reinterpret_cast<const char*>(op + page::kHeaderSize), size_t(r.vlen)}))
            return false;
        }
        continue;
      }
      v = n.inline_value(i);
      if (n.inline_compressed(i)) {
        if (kind != TreeKind::user) return fail(pgno, kname, "compressed value in an internal tree");
        if (!compressed_ok(pgno, kname, v)) return false;
      }
      if (kind == TreeKind::catalog) {
        TreeRef r;
        page::DbCompression comp;
        if (!page::decode_catalog_value(v, &r, &comp))
          return fail(pgno, kname, "malformed catalog record");
        std::string name;
        n.key(i, name);
        if (name == page::kMainCompressionKey && (r.root || r.entries || comp.codec == page::kCodecNone))
          return fail(pgno, kname, "the main db's compression record holds a tree");
        if (comp.codec != page::kCodecNone && meta_.version < txn::kCompressionVersion)
          return fail(pgno, kname, "compressed db in a version 1 file");
        if (comp.dict.vlen && !run(comp.dict, "dictionary")) return false;
        if (name == page::kMainCompressionKey) {
          if (!make_codec(comp, pgno, &main_codec_)) return false;
          continue;
        }
        std::unique_ptr<compress::Codec> codec;
        if (!make_codec(comp, pgno, &codec)) return false;
        codec_ = codec.get();
        const bool ok = tree(r, TreeKind::user, "db '" + name + "'");
        codec_ = nullptr;
        if (!ok) return false;
      } else if (kind == TreeKind::freelist) {
        n.key(i, k);
        page::FreelistValue rec;
        if (!page::decode_freelist_record(k, v, &rec))
          return fail(pgno, kname, "malformed freelist record");
        if (page::freelist_key_txnid(k) > meta_.txnid)
          return fail(pgno, kname, "freelist record from the future");
        for (size_t o = 0; o < rec.count; o++) {
          if (!mark(rec.page(o), 1, "free")) return false;
          free_count_++;
        }
      }
    }
    return true;
  }

  const txn::Meta& meta_;
  const std::vector<uint64_t>& inline_;
  const uint8_t* map_;
  uint32_t ps_;
  uint64_t base_;
  bool full_;
  std::vector<uint8_t> seen_;
  uint64_t free_count_ = 0;
  VerifyResult res_;
  const compress::Codec* codec_ = nullptr;  // of the user tree being walked
  std::unique_ptr<compress::Codec> main_codec_;
  std::string scratch_;  // a decompressed value
};

}  // namespace

VerifyResult walk_meta(const txn::Meta& meta, const std::vector<uint64_t>& inline_free,
                       const uint8_t* map, uint32_t page_size, uint64_t base) {
  return Walker(meta, inline_free, map, page_size, base).run();
}

}  // namespace alder::detail
