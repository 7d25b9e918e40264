#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace bench {

namespace {

std::string commas(std::uint64_t n) {
  std::string d = std::to_string(n), out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(d[i]);
  }
  return out;
}

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

// Latency or other small figure with about three significant digits.
std::string sig(double x) {
  if (x < 10) return fmt("%.2f", x);
  if (x < 100) return fmt("%.1f", x);
  return commas(static_cast<std::uint64_t>(std::llround(x)));
}

std::string mib(std::uint64_t bytes) { return fmt("%.1f", static_cast<double>(bytes) / 1048576.0); }

// The spread of an aggregate: the farthest round from the median, in % of
// the median ("±7 %"); empty for a single round.
std::string spread(const Result& x) {
  const double m = x.rate();
  if (x.rounds < 2 || m <= 0) return "";
  const double d = std::max(x.rate_max - m, m - x.rate_min);
  return " ±" + fmt("%.0f", 100.0 * d / m) + " %";
}

// Faults per operation with about three significant digits.
std::string per_op(double x) {
  if (x == 0) return "0";
  if (x < 0.001) return fmt("%.1e", x);
  return x < 10 ? fmt("%.3f", x) : sig(x);
}

const EngineRun* find_run(const Report& r, const std::string& name) {
  for (const EngineRun& run : r.runs) {
    if (run.name == name) return &run;
  }
  return nullptr;
}

std::string header(const Report& r, bool ratio) {
  std::string h = "| workload |", sep = "|---|";
  for (const EngineRun& run : r.runs) {
    h += " " + run.name + " |";
    sep += "---:|";
  }
  if (ratio) {
    h += " alder/LMDB |";
    sep += "---:|";
  }
  return h + "\n" + sep + "\n";
}

// One table over the workloads of the given kind; cell() renders a result.
template <class Cell>
std::string table(const Report& r, const std::string& kind, bool ratio, Cell cell) {
  std::string s = header(r, ratio);
  const EngineRun* a = find_run(r, "alder");
  const EngineRun* l = find_run(r, "LMDB");
  for (const WorkloadInfo& w : r.workloads) {
    if (w.kind != kind) continue;
    s += "| " + w.label + " |";
    for (const EngineRun& run : r.runs) {
      const Result* x = find_result(run, w.id);
      s += " " + (x ? cell(*x) : std::string("-")) + " |";
    }
    if (ratio) {
      const Result* x = a ? find_result(*a, w.id) : nullptr;
      const Result* y = l ? find_result(*l, w.id) : nullptr;
      s += " " + (x && y && y->rate() > 0 ? fmt("%.2f", x->rate() / y->rate()) : std::string("-")) + " |";
    }
    s += "\n";
  }
  return s;
}

std::string esc(const std::string& s) {
  std::string o;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      o += fmt("\\u%04x", c);
    } else {
      o += c;
    }
  }
  return "\"" + o + "\"";
}

std::string jnum(double x) { return std::isfinite(x) ? fmt("%.9g", x) : "null"; }

// Short x-axis labels for the chart.
std::string short_label(const std::string& id) {
  static const char* const names[][2] = {
      {"load", "bulk load"},        {"load_sorted", "sorted load"},   {"writes_durable", "durable writes"},
      {"writes_nosync", "no-sync writes"}, {"writes_batch", "batch writes"}, {"reads_1", "reads pass 1"},
      {"reads_2", "reads pass 2"},  {"range_reads", "range reads"},   {"reads_t1", "reads 1 thr"},
      {"reads_t2", "reads 2 thr"},  {"reads_t4", "reads 4 thr"},    {"reads_t8", "reads 8 thr"},
      {"scan_full", "full scan"},   {"removals", "removals"},       {"mixed", "mixed 2 thr"},
      {"floor", "floor (fsync)"},   {"load_text", "text load"}};
  if (id.starts_with("writes_durable_t")) return "durable " + id.substr(16) + " thr";
  for (const auto& n : names) {
    if (id == n[0]) return n[1];
  }
  return id;
}

}  // namespace

const Result* find_result(const EngineRun& run, const std::string& id) {
  for (const Result& x : run.results) {
    if (x.workload == id) return &x;
  }
  return nullptr;
}

std::string markdown(const Report& r) {
  const Plan& p = r.plan;
  const bool ratio = find_run(r, "alder") && find_run(r, "LMDB");
  std::ostringstream o;
  o << "## alder-bench results\n\n";
  o << "- command: `" << r.command << "`\n";
  o << "- started: " << r.started_utc << ", total " << fmt("%.0f", r.total_s) << " s\n";
  o << "- machine: " << r.machine.cores << " CPUs, " << r.machine.cpu << ", " << mib(r.machine.mem_bytes)
    << " MiB RAM, " << r.machine.kernel << "; data in " << r.dir << " (" << r.machine.filesystem << "); "
    << r.machine.compiler << "; load average at start " << r.machine.loadavg << "\n";
  o << "- data: scale " << p.scale << ", N = " << commas(p.items) << ", " << p.key_bytes << "-byte random keys, "
    << p.value_bytes << "-byte random values, mt19937_64 seed " << p.seed
    << "; every engine gets the same keys in the same order; compressible-values rows: " << commas(p.text_items)
    << " text records shaped like Debian package stanzas (bench/suite/data.cc), each engine with its "
       "compression (engine table)\n";
  o << "- cache budget: " << mib(p.cache_bytes)
    << " MiB per engine (RocksDB/LevelDB block cache, WiredTiger cache_size, SQLite cache_size per "
       "connection); alder and LMDB have no cache of their own and read through the OS page cache (mmap)\n";
  o << "- warm: the OS page cache is not dropped; each engine lives in its own forked process and "
       "fresh directory, stopped (SIGSTOP) while the other engines take their turns\n";
  o << "- rounds: " << p.repeat << " (--repeat); every workload runs " << p.repeat
    << " rounds, each round every engine in turn, the turn order rotated by one engine per round; "
       "every figure is the median of the rounds, \"±x %\" the farthest round from the median, "
       "ratios are of medians\n";
  o << "- floor row: " << commas(p.durable_commits) << " times pwrite of " << p.floor_pages << " scattered "
    << commas(p.page_bytes) << "-byte pages + 1 fdatasync, into a scratch file beside each engine's "
       "directory, in that engine's turn right after its durable writes (--floor-pages; default alder's "
       "tree depth + 1)\n";
  o << "- thread-scaling durable writes: " << [&p] {
    std::string t;
    for (const unsigned n : p.commit_threads) t += (t.empty() ? "" : ", ") + std::to_string(n);
    return t;
  }() << " threads (--commit-threads), each doing single-put durable commits of its own fresh random keys\n\n";
  o << "| engine | version | durable | no-sync | commits from several threads | compression (compressible-values rows) |\n"
       "|---|---|---|---|---|---|\n";
  for (const EngineRun& run : r.runs) {
    o << "| " << run.name << " | " << run.version << " | " << run.settings_durable << " | " << run.settings_nosync
      << " | " << run.writer_note << " | " << run.compression << " |\n";
  }
  o << "\n### Throughput, ops/s (higher is better; median of " << p.repeat << " rounds ± spread)\n\n";
  o << table(r, "ops", ratio,
             [](const Result& x) { return commas(static_cast<std::uint64_t>(std::llround(x.rate()))) + spread(x); });
  o << "\n### Latency per operation, p50 / p95 / p99, microseconds\n\n";
  o << "An operation is: one put or delete inside the single txn (bulk loads, removals; the commit "
       "is in the throughput, not here); begin + put + commit (individual writes); one "
    << commas(p.batch_size)
    << "-put txn (batch writes); one get or one scan (reads); one get, put txn or scan, snapshot "
       "refresh included (mixed); one single-put durable commit of one thread, all threads' commits pooled "
       "(thread-scaling writes); pwrite of the pages + fdatasync (floor). Every operation is timed with "
       "steady_clock; each figure is the median of the rounds' own percentiles.\n\n";
  o << table(r, "ops", false, [](const Result& x) {
    if (x.p50_us == 0 && x.p99_us == 0) return std::string("-");
    return sig(x.p50_us) + " / " + sig(x.p95_us) + " / " + sig(x.p99_us);
  });
  o << "\n### Page faults per operation, minor / major\n\n";
  o << "getrusage(RUSAGE_SELF) of the engine's process (all threads) around the timed section, divided by "
       "its operations; median of the rounds.\n\n";
  o << table(r, "ops", false,
             [](const Result& x) { return per_op(x.minor_per_op()) + " / " + per_op(x.major_per_op()); });
  o << "\n### Peak resident memory of the engine's process during the workload, MiB\n\n";
  o << "Peak RSS (VmHWM, reset before each workload) minus the RSS the child had before the engine "
       "started (the harness's shared data set:";
  for (const EngineRun& run : r.runs) {
    if (const Result* b = find_result(run, "rss_baseline")) o << " " << run.name << " " << mib(b->peak_rss);
  }
  o << " MiB). For alder and LMDB it includes the file pages mapped and touched (page cache).\n\n";
  o << table(r, "ops", false, [&r](const Result& x) {
    const EngineRun* run = find_run(r, x.engine);
    const Result* b = run ? find_result(*run, "rss_baseline") : nullptr;
    const std::uint64_t base = b && b->peak_rss < x.peak_rss ? b->peak_rss : 0;
    return mib(x.peak_rss - base);
  });
  o << "\n### CPU time (user + system, all threads) per workload, seconds\n\n";
  o << table(r, "ops", false, [](const Result& x) { return fmt("%.2f", x.cpu_s); });
  o << "\n### File size (all files in the engine's directory, engine closed), MiB; compaction time, s\n\n";
  o << table(r, "size", false, [](const Result& x) { return mib(x.bytes); });
  {
    std::string row = "| compaction time (s) |";
    for (const EngineRun& run : r.runs) {
      const Result* x = find_result(run, "compact");
      row += " " + (x ? fmt("%.2f", x->seconds) : std::string("-")) + " |";
    }
    o << row << "\n";
  }
  o << "\n### Checks\n\n";
  for (const EngineRun& run : r.runs) {
    for (const Result& x : run.results) {
      if (x.kind == "size" || x.kind == "info") continue;
      o << "- " << (x.ok ? "ok" : "FAIL") << " " << run.name << " " << x.workload << ": " << x.note << "\n";
    }
    if (run.failed) o << "- FAIL " << run.name << ": " << run.error << "\n";
  }
  return o.str();
}

std::string json(const Report& r) {
  const Plan& p = r.plan;
  std::ostringstream o;
  o << "{\n  \"command\": " << esc(r.command) << ",\n  \"started_utc\": " << esc(r.started_utc)
    << ",\n  \"total_seconds\": " << jnum(r.total_s) << ",\n  \"dir\": " << esc(r.dir) << ",\n";
  o << "  \"machine\": {\"cpu\": " << esc(r.machine.cpu) << ", \"cores\": " << r.machine.cores
    << ", \"mem_bytes\": " << r.machine.mem_bytes << ", \"kernel\": " << esc(r.machine.kernel)
    << ", \"filesystem\": " << esc(r.machine.filesystem) << ", \"compiler\": " << esc(r.machine.compiler) << ", \"loadavg_at_start\": " << esc(r.machine.loadavg)
    << "},\n";
  o << "  \"plan\": {\"scale\": " << jnum(p.scale) << ", \"seed\": " << p.seed << ", \"items\": " << p.items
    << ", \"key_bytes\": " << p.key_bytes << ", \"value_bytes\": " << p.value_bytes
    << ", \"durable_commits\": " << p.durable_commits << ", \"nosync_commits\": " << p.nosync_commits
    << ", \"batch_commits\": " << p.batch_commits << ", \"batch_size\": " << p.batch_size
    << ", \"reads\": " << p.reads << ", \"range_scans\": " << p.range_scans << ", \"range_len\": " << p.range_len
    << ", \"mixed_ops\": " << p.mixed_ops << ", \"mixed_threads\": " << p.mixed_threads
    << ", \"cache_bytes\": " << p.cache_bytes << ", \"repeat\": " << p.repeat
    << ", \"floor_pages\": " << p.floor_pages << ", \"page_bytes\": " << p.page_bytes
    << ", \"text_items\": " << p.text_items << ", \"commit_threads\": [";
  for (std::size_t i = 0; i < p.commit_threads.size(); ++i) o << (i ? ", " : "") << p.commit_threads[i];
  o << "]},\n";
  o << "  \"workloads\": [";
  for (std::size_t i = 0; i < r.workloads.size(); ++i) {
    const WorkloadInfo& w = r.workloads[i];
    o << (i ? ",\n    " : "\n    ") << "{\"id\": " << esc(w.id) << ", \"label\": " << esc(w.label)
      << ", \"kind\": " << esc(w.kind) << "}";
  }
  o << "\n  ],\n  \"engines\": [";
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const EngineRun& run = r.runs[i];
    o << (i ? ",\n" : "\n") << "    {\"name\": " << esc(run.name) << ", \"version\": " << esc(run.version)
      << ", \"durable\": " << esc(run.settings_durable) << ", \"no_sync\": " << esc(run.settings_nosync)
      << ", \"failed\": " << (run.failed ? "true" : "false") << ", \"error\": " << esc(run.error)
      << ", \"writers\": " << esc(run.writer_note) << ", \"compression\": " << esc(run.compression)
      << ", \"wall_seconds\": " << jnum(run.wall_s)
      << ",\n     \"results\": [";
    // results: the medians; rounds: every round as measured (same fields).
    const auto list = [&o](const std::vector<Result>& rs) {
      for (std::size_t j = 0; j < rs.size(); ++j) {
        const Result& x = rs[j];
        o << (j ? ",\n" : "\n") << "       {\"workload\": " << esc(x.workload) << ", \"kind\": " << esc(x.kind)
          << ", \"round\": " << x.round << ", \"rounds\": " << x.rounds << ", \"ops\": " << x.ops
          << ", \"seconds\": " << jnum(x.seconds) << ", \"ops_per_s\": " << jnum(x.rate())
          << ", \"ops_per_s_min\": " << jnum(x.rounds > 1 ? x.rate_min : x.rate())
          << ", \"ops_per_s_max\": " << jnum(x.rounds > 1 ? x.rate_max : x.rate()) << ", \"p50_us\": "
          << jnum(x.p50_us) << ", \"p95_us\": " << jnum(x.p95_us) << ", \"p99_us\": " << jnum(x.p99_us)
          << ", \"minor_faults_per_op\": " << jnum(x.minor_per_op())
          << ", \"major_faults_per_op\": " << jnum(x.major_per_op()) << ", \"peak_rss_bytes\": " << x.peak_rss
          << ", \"cpu_seconds\": " << jnum(x.cpu_s) << ", \"bytes\": " << x.bytes
          << ", \"ok\": " << (x.ok ? "true" : "false") << ", \"note\": " << esc(x.note) << "}";
      }
    };
    list(run.results);
    o << "],\n     \"rounds\": [";
    list(run.rounds);
    o << "]}";
  }
  o << "\n  ]\n}\n";
  return o.str();
}

bool write_chart(const Report& r, const std::string& out_dir, std::string* why) {
  const EngineRun* base = find_run(r, "LMDB");
  {
    std::ofstream dat(out_dir + "/chart.dat");
    dat << "# workload";
    for (const EngineRun& run : r.runs) dat << " \"" << run.name << "\"";
    dat << "\n";
    for (const WorkloadInfo& w : r.workloads) {
      if (w.kind != "ops") continue;
      const Result* b = base ? find_result(*base, w.id) : nullptr;
      dat << "\"" << short_label(w.id) << "\"";
      for (const EngineRun& run : r.runs) {
        const Result* x = find_result(run, w.id);
        const double v = !x ? std::nan("") : base ? (b && b->rate() > 0 ? x->rate() / b->rate() : std::nan("")) : x->rate();
        dat << " " << (std::isfinite(v) && v > 0 ? fmt("%.6g", v) : std::string("NaN"));
      }
      dat << "\n";
    }
  }
  {
    std::ofstream gp(out_dir + "/chart.gp");
    gp << "set terminal pngcairo size 1600,800 font 'sans,11'\n"
       << "set output 'chart.png'\n"
       << "set title \"alder-bench, scale " << r.plan.scale << ", " << r.machine.cores << " CPUs: "
       << (base ? "throughput relative to LMDB (LMDB = 1, higher is better, log scale)"
                : "throughput, ops/s (log scale)")
       << "\"\n"
       << "set style data histogram\nset style histogram cluster gap 1\n"
       << "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
       << "set logscale y 2\nset grid ytics\nset xtics rotate by -30 scale 0\n"
       << "set key outside top center horizontal\n"
       << "set ylabel '" << (base ? "ops/s divided by LMDB ops/s" : "ops/s") << "'\n";
    if (base) gp << "set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 1.5 dt 2\n";
    gp << "plot ";
    for (std::size_t i = 0; i < r.runs.size(); ++i) {
      gp << (i ? ", " : "") << "'chart.dat' using " << (i + 2) << (i == 0 ? ":xtic(1)" : "") << " title '"
         << r.runs[i].name << "'";
    }
    gp << "\n";
  }
  const std::string cmd = "cd '" + out_dir + "' && gnuplot chart.gp";
  if (std::system(cmd.c_str()) != 0) {
    *why = "gnuplot failed or is not installed (" + cmd + ")";
    return false;
  }
  return true;
}

bool check(const Report& r, std::ostream& out) {
  bool ok = true;
  out << "engines compiled in and run:";
  for (const EngineRun& run : r.runs) out << " " << run.name;
  out << "\n";
  for (const EngineRun& run : r.runs) {
    if (run.failed) {
      ok = false;
      out << "FAIL " << run.name << ": " << run.error << "\n";
    }
    for (const WorkloadInfo& w : r.workloads) {
      const Result* x = find_result(run, w.id);
      if (!x) {
        ok = false;
        out << "FAIL " << run.name << ": workload " << w.id << " did not run\n";
      } else if (!x->ok) {
        ok = false;
        out << "FAIL " << run.name << " " << w.id << ": " << x->note << "\n";
      } else if (w.kind == "ops" && x->ops == 0) {
        ok = false;
        out << "FAIL " << run.name << " " << w.id << ": no operations\n";
      } else if (w.kind == "size" && x->bytes == 0) {
        ok = false;
        out << "FAIL " << run.name << " " << w.id << ": empty directory\n";
      }
    }
  }
  out << (ok ? "check passed: every engine ran every workload with consistent counts\n" : "CHECK FAILED\n");
  return ok;
}

}  // namespace bench
