#include "measure.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

namespace bench {

Percentiles Latencies::percentiles() {
  Percentiles p;
  if (ns_.empty()) return p;
  std::sort(ns_.begin(), ns_.end());
  auto at = [this](double q) {
    std::size_t i = static_cast<std::size_t>(q * static_cast<double>(ns_.size()));
    if (i >= ns_.size()) i = ns_.size() - 1;
    return static_cast<double>(ns_[i]) / 1000.0;
  };
  p.p50 = at(0.50);
  p.p95 = at(0.95);
  p.p99 = at(0.99);
  return p;
}

double process_cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(r.ru_utime) + s(r.ru_stime);
}

Faults process_faults() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return {static_cast<std::uint64_t>(r.ru_minflt), static_cast<std::uint64_t>(r.ru_majflt)};
}

void Usage::start() {
  if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
  cpu0_ = process_cpu_seconds();
}

double Usage::cpu_seconds() const { return process_cpu_seconds() - cpu0_; }

namespace {
// A "Vm...:   123 kB" field of /proc/self/status in bytes, 0 if absent.
std::uint64_t status_field(const char* name) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(name) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stoull(line.substr(key.size())) * 1024;
  }
  return 0;
}
}  // namespace

std::uint64_t Usage::current_rss_bytes() { return status_field("VmRSS"); }

std::uint64_t Usage::peak_rss_bytes() {
  if (const std::uint64_t b = status_field("VmHWM")) return b;
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return static_cast<std::uint64_t>(r.ru_maxrss) * 1024;
}

}  // namespace bench
