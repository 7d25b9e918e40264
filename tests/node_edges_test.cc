// Page layout and B+tree edges: splits, merges, key and value size limits,
// overflow values, cursor boundaries, at several page sizes.
#include <gtest/gtest.h>

#include <alder/alder.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using alder::Cursor;
using alder::Direction;
using alder::Env;
using alder::ErrorCode;
using alder::PutFlags;
using alder::Txn;
using alder_test::TempDir;
using Model = std::map<std::string, std::string>;

// Keys whose order follows i, built so that neither a per-node common
// prefix nor suffix-truncated separators can shrink them much: keys of one
// group of 16 share a long random middle and differ only at the end, while
// keys of different groups differ early.
std::string tree_key(std::uint64_t i, std::size_t filler_len) {
  std::mt19937_64 rng(((i >> 4) + 1) * 0x2545F4914F6CDD1Dull);
  return alder_test::num_key(i >> 4, 7, "") + alder_test::random_alnum(rng, filler_len) +
         alder_test::num_key(i & 15, 2, "");
}

std::string tree_value(std::uint64_t i, std::uint64_t gen) {
  return alder_test::pattern_value(i, gen, 8 + (i * 7 + gen) % 24);
}

// Checks that txn holds exactly `model` in db `dbi`: get for every key, a
// few misses, and full cursor scans in both directions.
void check_txn(Txn& txn, const Model& model, alder::Dbi dbi = alder::kMainDbi,
               std::size_t max_key = 1000) {
  for (const auto& [k, v] : model) {
    auto got = txn.get(dbi, k);
    ASSERT_TRUE(got.has_value()) << "missing key of size " << k.size();
    ASSERT_EQ(*got, v) << "wrong value for key of size " << k.size();
  }
  // Keys just around existing ones must be absent (unless in the model).
  int probes = 0;
  for (auto it = model.begin(); it != model.end() && probes < 64; ++it) {
    for (const std::string& miss :
         {it->first + std::string(1, '\0'), it->first.substr(0, it->first.size() - 1)}) {
      if (miss.empty() || miss.size() > max_key || model.count(miss)) continue;
      ++probes;
      EXPECT_FALSE(txn.get(dbi, miss).has_value());
    }
  }
  auto fwd = alder_test::dump_forward(txn, dbi);
  auto want = alder_test::to_dump(model);
  ASSERT_TRUE(fwd == want) << "forward scan: " << alder_test::describe_diff(fwd, want);
  auto rev = alder_test::dump_reverse(txn, dbi);
  ASSERT_TRUE(rev == want) << "reverse scan: " << alder_test::describe_diff(rev, want);
}

void check_env(Env& env, const Model& model) {
  {
    Txn txn = env.begin_read();
    check_txn(txn, model, alder::kMainDbi, env.max_key_size());
    ASSERT_EQ(txn.db_stat(alder::kMainDbi).entries, model.size());
  }
  auto vr = env.verify();
  ASSERT_TRUE(vr.ok()) << vr.error << " (page " << vr.bad_page << ", " << vr.bad_page_kind << ")";
  EXPECT_EQ(vr.entries, model.size());
}

class NodeEdges : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  std::uint32_t page_size() const { return GetParam(); }
  Env open(const std::string& name = "db.alder") {
    return Env::open(dir_.file(name), alder_test::fast_options(page_size()));
  }
  TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(PageSizes, NodeEdges, ::testing::Values(512u, 4096u, 65536u),
                         [](const auto& info) { return "page" + std::to_string(info.param); });

TEST_P(NodeEdges, PageSizeIsRecordedAndKeyLimitFollowsIt) {
  {
    Env env = open();
    EXPECT_EQ(env.page_size(), page_size());
    EXPECT_EQ(env.stat().page_size, page_size());
    EXPECT_EQ(env.max_key_size(), (page_size() - 16) / 3 - 44);
    Txn w = env.begin_write();
    w.put("a", "b");
    w.commit();
  }
  // The page size of an existing file wins over the option.
  alder::EnvOptions o = alder_test::fast_options(page_size() == 4096 ? 512 : 4096);
  Env env = Env::open(dir_.file(), o);
  EXPECT_EQ(env.page_size(), page_size());
  Txn r = env.begin_read();
  EXPECT_EQ(r.get("a"), std::optional<std::string_view>("b"));
}

enum class Order { sequential, reverse, random };

std::vector<std::uint64_t> make_order(Order o, std::uint64_t n, std::mt19937_64& rng) {
  std::vector<std::uint64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  if (o == Order::reverse) std::reverse(v.begin(), v.end());
  if (o == Order::random) std::shuffle(v.begin(), v.end(), rng);
  return v;
}

TEST_P(NodeEdges, SplitsThenMergesDownToEmpty) {
  const std::uint64_t n = 3000;
  const std::size_t filler = page_size() / 32;
  int run = 0;
  for (Order ins : {Order::sequential, Order::reverse, Order::random}) {
    // Delete in a different order than inserting, to hit other paths.
    Order del = ins == Order::sequential ? Order::random
                : ins == Order::reverse  ? Order::sequential
                                         : Order::reverse;
    SCOPED_TRACE("insert order " + std::to_string(int(ins)) + ", delete order " +
                 std::to_string(int(del)));
    std::mt19937_64 rng(1000 + run);
    Env env = open("t" + std::to_string(run++));
    Model model;
    auto order = make_order(ins, n, rng);
    const std::size_t batch = 500;
    for (std::size_t b = 0; b < n; b += batch) {
      Txn w = env.begin_write();
      for (std::size_t i = b; i < std::min<std::size_t>(n, b + batch); ++i) {
        std::string k = tree_key(order[i], filler);
        std::string v = tree_value(order[i], 0);
        ASSERT_TRUE(w.put(k, v));
        model[k] = v;
      }
      if (b + batch >= n) {
        // Last batch: check reads of the dirty (uncommitted) tree too.
        ASSERT_NO_FATAL_FAILURE(check_txn(w, model, alder::kMainDbi, env.max_key_size()));
      }
      w.commit();
    }
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    alder::DbStat full = env.stat().main;
    EXPECT_EQ(full.entries, n);
    // Depth 3 means the root branch itself has split at least once.
    EXPECT_GE(full.depth, 3u) << "expected leaf and branch splits";
    EXPECT_GE(full.branch_pages, 3u);
    EXPECT_GE(full.leaf_pages, 20u);

    auto dorder = make_order(del, n, rng);
    std::size_t pos = 0;
    auto delete_until = [&](std::size_t remaining) {
      Txn w = env.begin_write();
      while (n - pos > remaining) {
        std::string k = tree_key(dorder[pos++], filler);
        ASSERT_TRUE(w.del(k));
        ASSERT_FALSE(w.del(k)) << "second delete of the same key";
        model.erase(k);
      }
      w.commit();
    };
    ASSERT_NO_FATAL_FAILURE(delete_until(n / 2));
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    ASSERT_NO_FATAL_FAILURE(delete_until(n / 10));
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    alder::DbStat tenth = env.stat().main;
    EXPECT_LE(tenth.leaf_pages, full.leaf_pages / 2)
        << "leaves should merge when 90% of the keys are gone";
    ASSERT_NO_FATAL_FAILURE(delete_until(3));
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    alder::DbStat three = env.stat().main;
    EXPECT_EQ(three.entries, 3u);
    EXPECT_EQ(three.depth, 1u) << "3 small keys fit in one leaf; the root "
                                  "should collapse";
    EXPECT_EQ(three.leaf_pages, 1u);
    EXPECT_EQ(three.branch_pages, 0u);
    ASSERT_NO_FATAL_FAILURE(delete_until(0));
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    alder::DbStat empty = env.stat().main;
    EXPECT_EQ(empty.entries, 0u);
    EXPECT_EQ(empty.depth, 0u);
    EXPECT_EQ(empty.leaf_pages, 0u);
    EXPECT_EQ(empty.branch_pages, 0u);
    Txn r = env.begin_read();
    Cursor c = r.cursor();
    EXPECT_FALSE(c.first());
    EXPECT_FALSE(c.last());
    EXPECT_FALSE(c.valid());
  }
}

TEST_P(NodeEdges, ManySmallKeysInOneTxnAndReopen) {
  // Tiny keys make nodes with many slots.
  std::mt19937_64 rng(7);
  Model model;
  {
    Env env = open();
    Txn w = env.begin_write();
    for (int i = 0; i < 20000; ++i) {
      std::string k = alder_test::random_alnum(rng, 1 + rng() % 6);
      std::string v = std::to_string(i);
      w.put(k, v);
      model[k] = v;
    }
    w.commit();
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  }
  Env env = open();
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
}

TEST_P(NodeEdges, OneByteKeysInUnsignedByteOrder) {
  Env env = open();
  Model model;
  {
    Txn w = env.begin_write();
    for (int b = 255; b >= 0; --b) {
      std::string k(1, static_cast<char>(b));
      std::string v = "v" + std::to_string(b);
      w.put(k, v);
      model[k] = v;
    }
    w.commit();
  }
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  Txn r = env.begin_read();
  Cursor c = r.cursor();
  ASSERT_TRUE(c.first());
  EXPECT_EQ(c.key(), std::string(1, '\0'));
  ASSERT_TRUE(c.last());
  EXPECT_EQ(c.key(), std::string(1, '\xff'));
  ASSERT_TRUE(c.seek(std::string(1, '\x7f')));
  ASSERT_TRUE(c.next());
  EXPECT_EQ(c.key(), std::string(1, '\x80')) << "keys compare as unsigned bytes";
  // A longer key sorts after its prefix and before the next byte.
  ASSERT_TRUE(c.seek(std::string("\x41\x00", 2)));
  EXPECT_EQ(c.key(), "B");
}

TEST_P(NodeEdges, LargestKeysSplitAndRoundTrip) {
  Env env = open();
  const std::size_t maxk = env.max_key_size();
  ASSERT_GT(maxk, 16u);
  std::mt19937_64 rng(11);
  Model model;
  auto big_key = [&](int i) {
    std::mt19937_64 krng(i + 1);
    return alder_test::num_key(i, 6, "") + alder_test::random_bytes(krng, maxk - 6);
  };
  std::vector<int> ids(200);
  std::iota(ids.begin(), ids.end(), 0);
  std::shuffle(ids.begin(), ids.end(), rng);
  {
    Txn w = env.begin_write();
    for (int i : ids) {
      std::string k = big_key(i);
      ASSERT_EQ(k.size(), maxk);
      std::string v = alder_test::pattern_value(i, 1, i % 40);
      ASSERT_TRUE(w.put(k, v));
      model[k] = v;
    }
    w.commit();
  }
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  EXPECT_GE(env.stat().main.depth, 2u);

  // One byte more is refused, by put and del, and nothing changes.
  std::string too_big(maxk + 1, 'x');
  {
    Txn w = env.begin_write();
    EXPECT_ALDER_ERROR(ErrorCode::key_too_large, w.put(too_big, "v"));
    w.abort();
  }
  {
    Txn w = env.begin_write();
    EXPECT_ALDER_ERROR(ErrorCode::key_too_large, w.del(too_big));
    w.abort();
  }
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));

  // Delete them all in another random order.
  std::shuffle(ids.begin(), ids.end(), rng);
  for (std::size_t half = 0; half < 2; ++half) {
    Txn w = env.begin_write();
    for (std::size_t j = half * 100; j < half * 100 + 100; ++j) {
      std::string k = big_key(ids[j]);
      ASSERT_TRUE(w.del(k));
      model.erase(k);
    }
    w.commit();
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  }
  EXPECT_EQ(env.stat().main.depth, 0u);
}

TEST_P(NodeEdges, EmptyValuesAreNotMissing) {
  Model model;
  {
    Env env = open();
    Txn w = env.begin_write();
    for (int i = 0; i < 500; ++i) {
      std::string k = alder_test::num_key(i);
      std::string v = (i % 3 == 0) ? std::string() : std::to_string(i);
      w.put(k, v);
      model[k] = v;
    }
    auto got = w.get(alder_test::num_key(0));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->size(), 0u);
    w.commit();
  }
  Env env = open();
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  Txn r = env.begin_read();
  auto got = r.get(alder_test::num_key(3));
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->empty());
  EXPECT_FALSE(r.get(alder_test::num_key(100000)).has_value());
  Cursor c = r.cursor();
  ASSERT_TRUE(c.find(alder_test::num_key(6)));
  EXPECT_EQ(c.value().size(), 0u);
}

TEST_P(NodeEdges, ValuesAroundTheOverflowThreshold) {
  const std::size_t ps = page_size();
  std::vector<std::size_t> sizes = {0, 1, ps / 2, ps - 1, ps, ps + 1, 2 * ps, 3 * ps + 7};
  for (int d = -6; d <= 6; ++d) sizes.push_back(ps / 4 + d);
  Model model;
  auto key_for = [](std::size_t idx) { return alder_test::num_key(idx, 4, "ov"); };
  {
    Env env = open();
    Txn w = env.begin_write();
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      std::string v = alder_test::pattern_value(i, 0, sizes[i]);
      w.put(key_for(i), v);
      model[key_for(i)] = v;
    }
    // Small neighbours around the big ones.
    for (int i = 0; i < 50; ++i) {
      std::string k = alder_test::num_key(i, 4, "ov") + "-small";
      w.put(k, "s");
      model[k] = "s";
    }
    ASSERT_NO_FATAL_FAILURE(check_txn(w, model));
    w.commit();
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    EXPECT_GE(env.stat().main.overflow_pages, 4u)
        << "a value of 3 pages + 7 bytes needs at least 4 overflow pages";
  }
  Env env = open();
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  // Rotate sizes: every key gets another key's size (small <-> overflow).
  {
    Txn w = env.begin_write();
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      std::size_t s = sizes[(i + 5) % sizes.size()];
      std::string v = alder_test::pattern_value(i, 1, s);
      w.put(key_for(i), v);
      model[key_for(i)] = v;
    }
    w.commit();
  }
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  // Delete every big value; no overflow page may remain.
  {
    Txn w = env.begin_write();
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      ASSERT_TRUE(w.del(key_for(i)));
      model.erase(key_for(i));
    }
    w.commit();
  }
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  EXPECT_EQ(env.stat().main.overflow_pages, 0u);
}

// ---------------------------------------------------------------------------
// Mid-size values inline (issue #14 item 2). A leaf cell (key + 2-byte length
// + value + 8-byte slot) of up to (page_size - 16) / 2 - 8 bytes keeps its
// value in the leaf; a larger one goes to an overflow run. Before, the limit
// was (page_size - 16) / 4, and values just above it each took a whole
// overflow page, most of it unused.

// Largest value stored inline under key, at this page size.
std::size_t inline_limit(std::uint32_t ps, const std::string& key) {
  return (ps - 16) / 2 - 8 - key.size() - 2 - 8;
}

TEST_P(NodeEdges, MidSizeValuesStayInlineUpToHalfAPage) {
  const std::uint32_t ps = page_size();
  Model model;
  {
    Env env = open();
    Txn w = env.begin_write();
    // Values from the old limit up to the new one, in many leaves.
    for (int i = 0; i < 200; ++i) {
      std::string k = alder_test::num_key(i, 6, "mid");
      const std::size_t lim = inline_limit(ps, k);
      const std::size_t old_lim = (ps - 16) / 4 - k.size() - 2 - 8;
      const std::size_t n = i % 3 == 0 ? lim : old_lim + 1 + (i * 7919) % (lim - old_lim);
      std::string v = alder_test::pattern_value(i, 0, n);
      ASSERT_TRUE(w.put(k, v));
      model[k] = v;
    }
    w.commit();
    EXPECT_EQ(env.stat().main.overflow_pages, 0u)
        << "values whose cell fits half a page must not take overflow pages";
    // A leaf holds at least two of the largest.
    EXPECT_LE(env.stat().main.leaf_pages, 100u);
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  }
  // One byte more goes to an overflow run of one page.
  Env env = open();
  {
    Txn w = env.begin_write();
    std::string k = "over";
    std::string v = alder_test::pattern_value(1, 1, inline_limit(ps, k) + 1);
    w.put(k, v);
    model[k] = v;
    w.commit();
  }
  EXPECT_EQ(env.stat().main.overflow_pages, 1u);
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
}

TEST_P(NodeEdges, ValuesAtTheNewInlineLimit) {
  const std::uint32_t ps = page_size();
  Model model;
  Env env = open();
  auto key_for = [](int i) { return alder_test::num_key(i, 4, "lim"); };
  // Sizes around the limit: -2 .. +2, stored, replaced by each other, deleted.
  const std::string k0 = key_for(0);
  const std::size_t lim = inline_limit(ps, k0);
  std::vector<std::size_t> sizes;
  for (int d = -2; d <= 2; ++d) sizes.push_back(lim + d);
  {
    Txn w = env.begin_write();
    for (int i = 0; i < 100; ++i) {
      std::string v = alder_test::pattern_value(i, 0, sizes[i % sizes.size()]);
      w.put(key_for(i), v);
      model[key_for(i)] = v;
    }
    ASSERT_NO_FATAL_FAILURE(check_txn(w, model));
    w.commit();
  }
  // 40 of the 100 are above the limit: one overflow page each.
  EXPECT_EQ(env.stat().main.overflow_pages, 40u);
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  for (int gen = 1; gen <= 4; ++gen) {
    Txn w = env.begin_write();
    for (int i = 0; i < 100; ++i) {
      std::string v = alder_test::pattern_value(i, gen, sizes[(i + gen) % sizes.size()]);
      w.put(key_for(i), v);
      model[key_for(i)] = v;
    }
    w.commit();
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    EXPECT_EQ(env.stat().main.overflow_pages, 40u);
  }
  {
    Txn w = env.begin_write();
    for (int i = 0; i < 100; i += 2) {
      ASSERT_TRUE(w.del(key_for(i)));
      model.erase(key_for(i));
    }
    w.commit();
  }
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
}

// Leaves full of large inline values, split in every order, with key shapes
// that make prefixes come and go (a shared long prefix, keys that break it at
// either end, keys of the largest size with the largest value beside them),
// then overwritten with other sizes, deleted and merged, reopened, verified.
TEST_P(NodeEdges, LeavesOfLargeInlineValuesSplitAndMerge) {
  const std::uint32_t ps = page_size();
  const std::size_t cell_max = (ps - 16) / 2 - 8;
  int run = 0;
  for (Order ins : {Order::sequential, Order::reverse, Order::random}) {
    SCOPED_TRACE("insert order " + std::to_string(int(ins)));
    std::mt19937_64 rng(77 + run);
    Model model;
    const std::string name = "big" + std::to_string(run++);
    const std::size_t n = 1500;
    std::vector<std::string> keys;
    {
      Env env = open(name);
      const std::size_t maxk = env.max_key_size();
      std::set<std::string> seen;
      for (std::size_t i = 0; keys.size() < n; ++i) {
        std::string k;
        switch (rng() % 5) {
          case 0: k = alder_test::num_key(i, 7, "a"); break;
          case 1: k = std::string(maxk / 2, 'p') + alder_test::num_key(rng() % 100000, 6, ""); break;
          case 2: k = alder_test::random_alnum(rng, 1 + rng() % maxk); break;
          case 3: k = tree_key(i, ps / 32); break;
          default: k = std::string(maxk - 8, 'p') + alder_test::num_key(rng() % 1000000, 8, ""); break;
        }
        if (k.size() > maxk || !seen.insert(k).second) continue;
        keys.push_back(k);
      }
      std::sort(keys.begin(), keys.end());
      std::vector<std::uint64_t> order = make_order(ins, n, rng);
      auto value_for = [&](const std::string& k, std::uint64_t i, std::uint64_t gen) {
        const std::size_t lim = cell_max - k.size() - 10;
        std::size_t len;
        switch ((i + gen) % 4) {
          case 0: len = lim; break;                          // exactly at the limit
          case 1: len = lim / 2 + rng() % (lim / 2 + 1); break;  // large inline
          case 2: len = rng() % 16; break;                   // small beside them
          default: len = lim + 1 + rng() % 64; break;        // just over: overflow
        }
        return alder_test::pattern_value(i, gen, len);
      };
      for (std::size_t b = 0; b < n; b += 300) {
        Txn w = env.begin_write();
        for (std::size_t j = b; j < std::min(n, b + 300); ++j) {
          const std::string& k = keys[order[j]];
          std::string v = value_for(k, order[j], 0);
          ASSERT_TRUE(w.put(k, v));
          model[k] = v;
        }
        w.commit();
      }
      ASSERT_NO_FATAL_FAILURE(check_env(env, model));
      EXPECT_GE(env.stat().main.depth, 2u);
      // Overwrite every value with another size class, in random order.
      std::vector<std::uint64_t> perm = make_order(Order::random, n, rng);
      {
        Txn w = env.begin_write();
        for (std::uint64_t i : perm) {
          std::string v = value_for(keys[i], i, 1);
          w.put(keys[i], v);
          model[keys[i]] = v;
        }
        ASSERT_NO_FATAL_FAILURE(check_txn(w, model, alder::kMainDbi, maxk));
        w.commit();
      }
      ASSERT_NO_FATAL_FAILURE(check_env(env, model));
      // Delete 90%, in another order, then refill a third of them.
      std::shuffle(perm.begin(), perm.end(), rng);
      {
        Txn w = env.begin_write();
        for (std::size_t j = 0; j < n * 9 / 10; ++j) {
          ASSERT_TRUE(w.del(keys[perm[j]]));
          model.erase(keys[perm[j]]);
        }
        w.commit();
      }
      ASSERT_NO_FATAL_FAILURE(check_env(env, model));
      {
        Txn w = env.begin_write();
        for (std::size_t j = 0; j < n * 3 / 10; ++j) {
          std::string v = value_for(keys[perm[j]], perm[j], 2);
          w.put(keys[perm[j]], v);
          model[keys[perm[j]]] = v;
        }
        w.commit();
      }
      ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    }
    Env env = open(name);
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    {
      Txn w = env.begin_write();
      for (const auto& [k, v] : model) ASSERT_TRUE(w.del(k));
      w.commit();
    }
    model.clear();
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    EXPECT_EQ(env.stat().main.depth, 0u);
    EXPECT_EQ(env.stat().main.overflow_pages, 0u);
  }
}

TEST_P(NodeEdges, HugeOverflowValuesByteExact) {
  std::mt19937_64 rng(99);
  const std::string one = alder_test::random_bytes(rng, std::size_t{1} << 20);
  const std::string sixteen = alder_test::random_bytes(rng, std::size_t{16} << 20);
  {
    Env env = open();
    Txn w = env.begin_write();
    w.put("a", "before");
    w.put("big1", one);
    w.put("big16", sixteen);
    w.put("z", "after");
    ASSERT_EQ(w.get("big16"), std::optional<std::string_view>(sixteen));
    w.commit();
    Txn r = env.begin_read();
    auto g1 = r.get("big1");
    auto g16 = r.get("big16");
    ASSERT_TRUE(g1 && g16);
    EXPECT_TRUE(*g1 == one) << "1 MiB value differs";
    EXPECT_TRUE(*g16 == sixteen) << "16 MiB value differs";
    EXPECT_GE(r.db_stat(alder::kMainDbi).overflow_pages,
              (sixteen.size() + one.size()) / page_size());
  }
  Env env = open();
  {
    Txn r = env.begin_read();
    auto g16 = r.get("big16");
    ASSERT_TRUE(g16.has_value());
    EXPECT_EQ(g16->size(), sixteen.size());
    EXPECT_TRUE(*g16 == sixteen) << "16 MiB value differs after reopen";
    Cursor c = r.cursor();
    ASSERT_TRUE(c.find("big1"));
    EXPECT_TRUE(c.value() == one);
    ASSERT_TRUE(c.next());
    EXPECT_EQ(c.key(), "big16");
    ASSERT_TRUE(c.next());
    EXPECT_EQ(c.key(), "z");
    EXPECT_EQ(c.value(), "after");
  }
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
  {
    Txn w = env.begin_write();
    w.put("big16", "now small");
    ASSERT_TRUE(w.del("big1"));
    w.commit();
  }
  Txn r = env.begin_read();
  EXPECT_EQ(r.get("big16"), std::optional<std::string_view>("now small"));
  EXPECT_FALSE(r.get("big1").has_value());
  EXPECT_EQ(r.db_stat(alder::kMainDbi).overflow_pages, 0u);
  vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

TEST_P(NodeEdges, CursorStopsAtBothEnds) {
  Env env = open();
  {
    Txn r = env.begin_read();
    Cursor c = r.cursor();
    EXPECT_FALSE(c.first());
    EXPECT_FALSE(c.last());
    EXPECT_FALSE(c.seek("a"));
    EXPECT_FALSE(c.find("a"));
    EXPECT_FALSE(c.valid());
  }
  {
    Txn w = env.begin_write();
    w.put("only", "1");
    w.commit();
  }
  {
    Txn r = env.begin_read();
    Cursor c = r.cursor();
    ASSERT_TRUE(c.first());
    EXPECT_FALSE(c.prev());
    EXPECT_FALSE(c.valid());
    ASSERT_TRUE(c.last());
    EXPECT_EQ(c.key(), "only");
    EXPECT_FALSE(c.next());
    EXPECT_FALSE(c.valid());
    EXPECT_FALSE(c.seek("only\x01"));
  }
  const std::size_t filler = page_size() / 32;
  {
    Txn w = env.begin_write();
    w.del("only");
    for (int i = 0; i < 1000; ++i) w.put(tree_key(i, filler), "v");
    w.commit();
  }
  Txn r = env.begin_read();
  Cursor c = r.cursor();
  ASSERT_TRUE(c.first());
  EXPECT_EQ(c.key(), tree_key(0, filler));
  EXPECT_FALSE(c.prev());
  EXPECT_FALSE(c.valid());
  ASSERT_TRUE(c.last());
  EXPECT_EQ(c.key(), tree_key(999, filler));
  EXPECT_FALSE(c.next());
  EXPECT_FALSE(c.valid());
  // The cursor can be positioned again after falling off either end.
  ASSERT_TRUE(c.last());
  ASSERT_TRUE(c.prev());
  EXPECT_EQ(c.key(), tree_key(998, filler));
  ASSERT_TRUE(c.first());
  ASSERT_TRUE(c.next());
  EXPECT_EQ(c.key(), tree_key(1, filler));
  // seek before the first key and after the last.
  ASSERT_TRUE(c.seek(std::string(1, '\0')));
  EXPECT_EQ(c.key(), tree_key(0, filler));
  EXPECT_FALSE(c.seek(std::string(8, '\xff')));
  EXPECT_FALSE(c.valid());
}

TEST_P(NodeEdges, CursorAcrossLargeDeletedRange) {
  Env env = open();
  const int n = 5000;
  auto key = [](int i) { return alder_test::num_key(i, 6); };
  {
    Txn w = env.begin_write();
    for (int i = 0; i < n; ++i) w.put(key(i), alder_test::pattern_value(i, 0, 40));
    w.commit();
  }
  auto leaves_before = env.stat().main.leaf_pages;
  auto check_gap = [&](Txn& t) {
    Cursor c = t.cursor();
    ASSERT_TRUE(c.find(key(99)));
    ASSERT_TRUE(c.next());
    EXPECT_EQ(c.key(), key(4900));
    EXPECT_EQ(c.value(), alder_test::pattern_value(4900, 0, 40));
    ASSERT_TRUE(c.prev());
    EXPECT_EQ(c.key(), key(99));
    ASSERT_TRUE(c.seek(key(100)));
    EXPECT_EQ(c.key(), key(4900));
    ASSERT_TRUE(c.seek(key(2500)));
    EXPECT_EQ(c.key(), key(4900));
    EXPECT_FALSE(c.find(key(2500)));
    int count = 0;
    for (auto e : t.range(alder::kMainDbi, key(50), key(4950))) {
      (void)e;
      ++count;
    }
    EXPECT_EQ(count, 100);
    std::vector<std::string> rev;
    for (auto e : t.range(alder::kMainDbi, key(98), key(4902), Direction::reverse)) {
      rev.emplace_back(e.key);
    }
    EXPECT_EQ(rev, (std::vector<std::string>{key(4901), key(4900), key(99), key(98)}));
    // Full walks in both directions see 200 keys.
    auto fwd = alder_test::dump_forward(t);
    auto bwd = alder_test::dump_reverse(t);
    EXPECT_EQ(fwd.size(), 200u);
    EXPECT_TRUE(fwd == bwd);
  };
  {
    Txn w = env.begin_write();
    for (int i = 100; i < 4900; ++i) ASSERT_TRUE(w.del(key(i)));
    SCOPED_TRACE("inside the deleting write txn");
    ASSERT_NO_FATAL_FAILURE(check_gap(w));
    w.commit();
  }
  {
    Txn r = env.begin_read();
    SCOPED_TRACE("after commit");
    ASSERT_NO_FATAL_FAILURE(check_gap(r));
  }
  EXPECT_LT(env.stat().main.leaf_pages, leaves_before);
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

TEST_P(NodeEdges, CursorDeleteAndPutWhileIterating) {
  Env env = open();
  Model model;
  {
    Txn w = env.begin_write();
    for (int i = 0; i < 2000; ++i) {
      w.put(alder_test::num_key(i), std::to_string(i));
      model[alder_test::num_key(i)] = std::to_string(i);
    }
    // Delete every other key through the cursor.
    Cursor c = w.cursor();
    ASSERT_TRUE(c.first());
    int i = 0;
    while (c.valid()) {
      if (i % 2 == 0) {
        std::string k(c.key());
        c.del();
        model.erase(k);
        if (c.valid()) {
          EXPECT_EQ(c.key(), alder_test::num_key(i + 1))
              << "after del the cursor is on the following entry";
        }
      } else {
        c.next();
      }
      ++i;
    }
    // Deleting the last entry leaves the cursor unpositioned.
    ASSERT_TRUE(c.last());
    std::string last(c.key());
    c.del();
    model.erase(last);
    EXPECT_FALSE(c.valid());
    // put through the cursor positions it on the key.
    EXPECT_TRUE(c.put(alder_test::num_key(500), "new"));
    model[alder_test::num_key(500)] = "new";
    ASSERT_TRUE(c.valid());
    EXPECT_EQ(c.key(), alder_test::num_key(500));
    EXPECT_EQ(c.value(), "new");
    ASSERT_TRUE(c.next());
    EXPECT_EQ(c.key(), alder_test::num_key(501));
    ASSERT_NO_FATAL_FAILURE(check_txn(w, model));
    w.commit();
  }
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
}

TEST_P(NodeEdges, RangeAndPrefixBoundaries) {
  Env env = open();
  std::vector<std::string> keys = {
      "a",        std::string("a\x00", 2), "a\xff", "a\xff\xff", "a\xff\xffz", "ab", "b", "\xff",
      "\xff\xff", "\xff\xff\x01"};
  {
    Txn w = env.begin_write();
    for (auto& k : keys) w.put(k, "v" + k);
    w.commit();
  }
  std::sort(keys.begin(), keys.end());
  Txn r = env.begin_read();
  auto collect = [&](alder::Range rg) {
    std::vector<std::string> out;
    for (auto e : rg) {
      EXPECT_EQ(e.value, "v" + std::string(e.key));
      out.emplace_back(e.key);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(collect(r.prefix(0, "a\xff")), (V{"a\xff", "a\xff\xff", "a\xff\xffz"}));
  EXPECT_EQ(collect(r.prefix(0, "a\xff", Direction::reverse)),
            (V{"a\xff\xffz", "a\xff\xff", "a\xff"}));
  EXPECT_EQ(collect(r.prefix(0, "\xff\xff")), (V{"\xff\xff", "\xff\xff\x01"}));
  EXPECT_EQ(collect(r.prefix(0, "\xff\xff", Direction::reverse)), (V{"\xff\xff\x01", "\xff\xff"}));
  EXPECT_EQ(collect(r.prefix(0, "c")), V{});
  EXPECT_EQ(collect(r.prefix(0, "c", Direction::reverse)), V{});
  EXPECT_EQ(collect(r.prefix(0, "a")).size(), 6u);
  // Empty prefix: every key starts with it.
  EXPECT_EQ(collect(r.prefix(0, "")), keys);
  // Half-open ranges.
  EXPECT_EQ(collect(r.range(0, "a\xff", "b")), (V{"a\xff", "a\xff\xff", "a\xff\xffz"}));
  EXPECT_EQ(collect(r.range(0, "a\xff", "b", Direction::reverse)),
            (V{"a\xff\xffz", "a\xff\xff", "a\xff"}));
  EXPECT_EQ(collect(r.range(0, "", std::nullopt)), keys);
  V rev_all(keys.rbegin(), keys.rend());
  EXPECT_EQ(collect(r.range(0, "", std::nullopt, Direction::reverse)), rev_all);
  EXPECT_EQ(collect(r.range(0, "b", "b")), V{});
  EXPECT_EQ(collect(r.range(0, "b", "a")), V{});
  EXPECT_EQ(collect(r.range(0, "b", "a", Direction::reverse)), V{});
  EXPECT_EQ(collect(r.range(0, "\xff\xff", std::nullopt, Direction::reverse)),
            (V{"\xff\xff\x01", "\xff\xff"}));
  EXPECT_EQ(collect(r.range(0, "aa", "ab\x01")), (V{"ab"}));
}

// hi = "" (present but empty): Txn::range says lo <= key < hi (so nothing),
// the Range class comment says an empty hi means "to the end". Whichever is
// meant, both directions must give the same entries and must not throw.
TEST_P(NodeEdges, RangeWithEmptyUpperBoundAgreesInBothDirections) {
  Env env = open();
  {
    Txn w = env.begin_write();
    for (int i = 0; i < 50; ++i) w.put(alder_test::num_key(i), "v");
    w.commit();
  }
  Txn r = env.begin_read();
  auto collect = [&](Direction d) {
    std::vector<std::string> out;
    for (auto e : r.range(alder::kMainDbi, "", std::string_view(""), d)) out.emplace_back(e.key);
    return out;
  };
  std::vector<std::string> fwd, rev;
  try {
    fwd = collect(Direction::forward);
  } catch (const alder::Error& e) {
    ADD_FAILURE() << "forward range with hi=\"\" threw " << alder::error_name(e.code());
  }
  try {
    rev = collect(Direction::reverse);
  } catch (const alder::Error& e) {
    ADD_FAILURE() << "reverse range with hi=\"\" threw " << alder::error_name(e.code());
  }
  std::reverse(rev.begin(), rev.end());
  EXPECT_EQ(fwd, rev);
  EXPECT_TRUE(fwd.empty() || fwd.size() == 50u) << "neither empty nor everything";
}

TEST_P(NodeEdges, GetManyAnswersInOrder) {
  Env env = open();
  {
    Txn w = env.begin_write();
    for (int i = 0; i < 300; i += 2) w.put(alder_test::num_key(i), std::to_string(i));
    w.commit();
  }
  Txn r = env.begin_read();
  std::vector<std::string> ks;
  for (int i = 299; i >= 0; i -= 3) ks.push_back(alder_test::num_key(i));
  std::vector<std::string_view> views(ks.begin(), ks.end());
  auto got = r.get_many(alder::kMainDbi, views);
  ASSERT_EQ(got.size(), ks.size());
  for (std::size_t j = 0; j < ks.size(); ++j) {
    int i = 299 - 3 * static_cast<int>(j);
    if (i % 2 == 0) {
      EXPECT_EQ(got[j], std::optional<std::string_view>(std::to_string(i)));
    } else {
      EXPECT_FALSE(got[j].has_value());
    }
  }
}

}  // namespace

// A file written by a build whose leaves kept values inline only up to a
// quarter page (tests/data/inline-limit-v1-512.alder, made by that build's
// `alder load --page-size 512`: keys old0000..old0039, value i is
// "v%04d-" repeated, cut to 100 + 3 i bytes; 37 of them on overflow runs)
// reads as before, and rewriting its values moves them inline.
TEST(InlineLimit, FileWithTheQuarterPageLimitReadsAndRewrites) {
  TempDir dir;
  const std::string path = dir.file("old.alder");
  std::filesystem::copy_file(std::string(ALDER_SOURCE_DIR) + "/tests/data/inline-limit-v1-512.alder",
                             path);
  Model model;
  for (int i = 0; i < 40; ++i) {
    char k[16];
    std::snprintf(k, sizeof k, "old%04d", i);
    std::string v;
    while (v.size() < 100 + 3 * std::size_t(i)) {
      char part[16];
      std::snprintf(part, sizeof part, "v%04d-", i);
      v += part;
    }
    v.resize(100 + 3 * i);
    model[k] = v;
  }
  {
    Env env = Env::open(path, alder_test::fast_options(512));
    EXPECT_EQ(env.page_size(), 512u);
    EXPECT_EQ(env.stat().main.overflow_pages, 37u);
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
    Txn w = env.begin_write();
    for (const auto& [k, v] : model) w.put(k, v);
    w.put("new", std::string(200, 'n'));
    model["new"] = std::string(200, 'n');
    w.commit();
    EXPECT_EQ(env.stat().main.overflow_pages, 0u);
    ASSERT_NO_FATAL_FAILURE(check_env(env, model));
  }
  Env env = Env::open(path, alder_test::fast_options(512));
  ASSERT_NO_FATAL_FAILURE(check_env(env, model));
}

// Random puts, overwrites and deletes of values up to the inline limit under
// keys whose common prefixes come and go (a few short alphabets, so leaves
// share long prefixes and new keys break them), at the smallest page size,
// checked against a model: every split must find two leaves that fit.
TEST(InlineLimit, RandomLargeInlineCellsWithShiftingPrefixes) {
  const std::uint32_t ps = 512;
  const std::size_t cell_max = (ps - 16) / 2 - 8;
  for (int seed = 0; seed < 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TempDir dir;
    Env env = Env::open(dir.file("r.alder"), alder_test::fast_options(ps));
    const std::size_t maxk = env.max_key_size();
    std::mt19937_64 rng(seed);
    Model model;
    for (int t = 0; t < 30; ++t) {
      Txn w = env.begin_write();
      for (int op = 0; op < 100; ++op) {
        std::string k;
        const std::size_t len = 1 + rng() % (rng() % 2 ? 8 : maxk);
        const char* alpha = seed % 3 == 0 ? "ab" : seed % 3 == 1 ? "aab" : "abcd";
        const std::size_t na = std::strlen(alpha);
        for (std::size_t i = 0; i < len; ++i) k += alpha[rng() % 3 == 0 ? rng() % na : 0];
        if (rng() % 4 == 0 && !model.empty()) {
          auto it = model.lower_bound(k);
          if (it == model.end()) it = model.begin();
          ASSERT_TRUE(w.del(it->first));
          model.erase(it);
          continue;
        }
        const std::size_t lim = cell_max - k.size() - 10;
        std::size_t n = rng() % 3 ? lim - rng() % 8 : rng() % (lim + 1);
        if (rng() % 10 == 0) n = lim + 1 + rng() % 100;  // an overflow value now and then
        std::string v = alder_test::pattern_value(rng(), 0, n);
        w.put(k, v);
        model[k] = v;
      }
      w.commit();
      if (t % 10 == 9) {
        ASSERT_NO_FATAL_FAILURE(check_env(env, model));
      }
    }
  }
}
