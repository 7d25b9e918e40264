#include "data.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>

namespace bench {

namespace {

void fill(std::vector<char>& v, std::size_t bytes, std::mt19937_64& rng) {
  v.resize(bytes);
  std::size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    const std::uint64_t r = rng();
    std::memcpy(v.data() + i, &r, 8);
  }
  for (; i < bytes; ++i) v[i] = static_cast<char>(rng());
}

std::vector<std::uint32_t> sorted_by_key(const Data& d, std::vector<std::uint32_t> idx) {
  std::sort(idx.begin(), idx.end(), [&d](std::uint32_t a, std::uint32_t b) { return d.key(a) < d.key(b); });
  return idx;
}

// Entries with key >= key(i) in sorted (indices ordered by key), capped at n.
std::uint64_t count_from(const Data& d, const std::vector<std::uint32_t>& sorted, std::uint32_t i,
                         std::uint64_t n) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), d.key(i),
                                   [&d](std::uint32_t a, std::string_view k) { return d.key(a) < k; });
  return std::min<std::uint64_t>(n, static_cast<std::uint64_t>(sorted.end() - it));
}

}  // namespace

std::uint64_t Data::remaining_from(std::uint32_t i, std::uint64_t n) const {
  return count_from(*this, remaining, i, n);
}

Data make_data(const Plan& plan) {
  Data d;
  d.plan = plan;
  d.total = plan.items + plan.repeat * plan.extra();
  std::mt19937_64 rng(plan.seed);
  fill(d.keys, d.total * plan.key_bytes, rng);
  fill(d.values, d.total * plan.value_bytes, rng);
  fill(d.blob, plan.mixed_max_value * 2, rng);

  std::vector<std::uint32_t> all(d.total);
  std::iota(all.begin(), all.end(), 0u);
  const std::vector<std::uint32_t> all_sorted = sorted_by_key(d, all);
  for (std::size_t i = 1; i < all_sorted.size(); ++i) {
    if (d.key(all_sorted[i - 1]) == d.key(all_sorted[i])) throw std::runtime_error("duplicate random key; change --seed");
  }
  d.sorted = sorted_by_key(d, std::vector<std::uint32_t>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(plan.items)));

  std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(plan.items - 1));
  d.read_order.resize(plan.reads);
  for (auto& i : d.read_order) i = pick(rng);
  d.scan_order.resize(plan.range_scans);
  for (auto& i : d.scan_order) i = pick(rng);
  // Range scans run after all writes: every key [0, total) is present.
  for (const std::uint32_t i : d.scan_order) d.scan_expected += count_from(d, all_sorted, i, plan.range_len);

  // Removals: every even-numbered loaded key (keys are random: a random half).
  std::vector<std::uint32_t> left;
  for (std::uint32_t i = 0; i < d.total; ++i) {
    if (i < plan.items && i % 2 == 0) {
      d.removed.push_back(i);
    } else {
      left.push_back(i);
    }
  }
  d.remaining = sorted_by_key(d, std::move(left));
  return d;
}

}  // namespace bench
