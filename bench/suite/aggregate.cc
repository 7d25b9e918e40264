#include "aggregate.h"

#include <algorithm>
#include <map>
#include <string>

namespace bench {

double median(std::vector<double> xs) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

namespace {

template <class F>
double median_of(const std::vector<const Result*>& rs, F f) {
  std::vector<double> xs;
  for (const Result* r : rs) xs.push_back(f(*r));
  return median(xs);
}

Result combine(const std::vector<const Result*>& rs) {
  Result a = *rs.back();
  a.rounds = static_cast<unsigned>(rs.size());
  for (const Result* r : rs) {
    if (!r->ok) {
      a.ok = false;
      if (r != rs.back()) a.note += " [round " + std::to_string(r->round + 1) + ": " + r->note + "]";
    }
  }
  if (a.kind != "ops" && a.kind != "time") return a;
  const double rate = median_of(rs, [](const Result& r) { return r.rate(); });
  a.rate_min = a.rate_max = rs.front()->rate();
  for (const Result* r : rs) {
    a.rate_min = std::min(a.rate_min, r->rate());
    a.rate_max = std::max(a.rate_max, r->rate());
    a.peak_rss = std::max(a.peak_rss, r->peak_rss);
  }
  // ops are the same every round (same counts, same checks); seconds is
  // derived so that every consumer of rate() sees the median.
  a.seconds = rate > 0 ? static_cast<double>(a.ops) / rate : 0;
  a.p50_us = median_of(rs, [](const Result& r) { return r.p50_us; });
  a.p95_us = median_of(rs, [](const Result& r) { return r.p95_us; });
  a.p99_us = median_of(rs, [](const Result& r) { return r.p99_us; });
  a.cpu_s = median_of(rs, [](const Result& r) { return r.cpu_s; });
  a.minor_faults = median_of(rs, [](const Result& r) { return r.minor_faults; });
  a.major_faults = median_of(rs, [](const Result& r) { return r.major_faults; });
  return a;
}

}  // namespace

std::vector<Result> aggregate(const std::vector<Result>& rounds) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Result*>> by_id;
  for (const Result& r : rounds) {
    auto& v = by_id[r.workload];
    if (v.empty()) order.push_back(r.workload);
    v.push_back(&r);
  }
  std::vector<Result> out;
  for (const std::string& id : order) out.push_back(combine(by_id[id]));
  return out;
}

}  // namespace bench
