#include "result.h"

#include <sstream>
#include <vector>

namespace bench {

std::string to_line(const Result& r) {
  std::string note = r.note;
  for (char& c : note) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  std::ostringstream o;
  o.precision(17);
  o << r.engine << '\t' << r.workload << '\t' << r.kind << '\t' << r.ops << '\t' << r.seconds << '\t'
    << r.p50_us << '\t' << r.p95_us << '\t' << r.p99_us << '\t' << r.peak_rss << '\t' << r.cpu_s << '\t'
    << r.bytes << '\t' << r.minor_faults << '\t' << r.major_faults << '\t' << r.round << '\t' << r.rounds
    << '\t' << r.rate_min << '\t' << r.rate_max << '\t' << (r.ok ? 1 : 0) << '\t' << note;
  return o.str();
}

std::optional<Result> from_line(const std::string& line) {
  std::vector<std::string> f;
  std::string cur;
  for (char c : line) {
    if (c == '\t') {
      f.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  f.push_back(cur);
  if (f.size() != 19) return std::nullopt;
  try {
    Result r;
    r.engine = f[0];
    r.workload = f[1];
    r.kind = f[2];
    r.ops = std::stoull(f[3]);
    r.seconds = std::stod(f[4]);
    r.p50_us = std::stod(f[5]);
    r.p95_us = std::stod(f[6]);
    r.p99_us = std::stod(f[7]);
    r.peak_rss = std::stoull(f[8]);
    r.cpu_s = std::stod(f[9]);
    r.bytes = std::stoull(f[10]);
    r.minor_faults = std::stod(f[11]);
    r.major_faults = std::stod(f[12]);
    r.round = static_cast<unsigned>(std::stoul(f[13]));
    r.rounds = static_cast<unsigned>(std::stoul(f[14]));
    r.rate_min = std::stod(f[15]);
    r.rate_max = std::stod(f[16]);
    r.ok = f[17] == "1";
    r.note = f[18];
    return r;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace bench
