// make_plan: the default counts scaled by --scale.
#include "plan.h"

#include <algorithm>
#include <cmath>

namespace bench {

namespace {
std::uint64_t scaled(std::uint64_t base, double scale, std::uint64_t floor) {
  return std::max<std::uint64_t>(floor, static_cast<std::uint64_t>(std::llround(static_cast<double>(base) * scale)));
}
}  // namespace

Plan make_plan(double scale, std::uint64_t seed) {
  Plan p;
  p.scale = scale;
  p.seed = seed;
  p.items = scaled(p.items, scale, 200);
  p.durable_commits = scaled(p.durable_commits, scale, 5);
  p.nosync_commits = scaled(p.nosync_commits, scale, 50);
  p.batch_size = std::min<std::uint64_t>(p.batch_size, scaled(p.batch_size, scale * 10, 10));
  p.batch_commits = scaled(p.batch_commits, scale, 2);
  p.reads = scaled(p.reads, scale, 200);
  p.range_scans = scaled(p.range_scans, scale, 100);
  p.mixed_ops = scaled(p.mixed_ops, scale, 200);
  p.text_items = scaled(p.text_items, scale, 200);
  return p;
}

}  // namespace bench
