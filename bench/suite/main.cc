// alder-bench: alder side by side with LMDB, RocksDB, LevelDB, WiredTiger
// and SQLite in one run (issue #5). See BENCHMARKS.md for the method.
//
//   alder-bench [--scale 1] [--dir /tmp] [--out bench-results] [--engines a,b]
//               [--repeat 3] [--floor-pages P] [--commit-threads 1,2,8,64]
//               [--check] [--no-chart] [--alder-autosync-bytes N]
//
// Writes results.md, results.json and chart.png into --out and prints the
// markdown. --check exits non-zero unless every engine ran every workload
// with consistent counts (the CI smoke test); there are no timing checks.
#include "adapter.h"
#include "data.h"
#include "machine.h"
#include "measure.h"
#include "report.h"
#include "runner.h"
#include "schedule.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

bool wanted(const std::string& list, const std::string& name) {
  if (list.empty()) return true;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == name) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"alder-bench: alder vs LMDB, RocksDB, LevelDB, WiredTiger and SQLite"};
  double scale = 1.0;
  std::string dir = "/tmp", out = "bench-results", engines;
  std::uint64_t seed = 42, cache_mib = 1024;
  bool check_only = false, no_chart = false;
  std::uint64_t alder_autosync = 0;
  unsigned repeat = 3, floor_pages = 0;
  std::vector<unsigned> commit_threads{1, 2, 8, 64};
  app.add_option("--scale", scale, "work multiplier; 1 = the issue's counts (N = 1,000,000)")
      ->capture_default_str()
      ->check(CLI::Range(0.0001, 100.0));
  app.add_option("--dir", dir, "parent of the engines' data directories")->capture_default_str();
  app.add_option("--out", out, "directory for results.md, results.json, chart.png")->capture_default_str();
  app.add_option("--engines", engines, "comma-separated subset, e.g. alder,LMDB (default: all compiled in)");
  app.add_option("--seed", seed, "RNG seed for keys, values and orders")->capture_default_str();
  app.add_option("--cache-mib", cache_mib, "cache budget per engine, MiB")->capture_default_str();
  app.add_option("--alder-autosync-bytes", alder_autosync,
                 "alder: EnvOptions::autosync_bytes (0 = default; 18446744073709551615 = never)");
  app.add_option("--repeat", repeat,
                 "rounds of every workload; each round runs the engines in turn, the order rotated "
                 "by one engine per round; tables show the median and the spread")
      ->capture_default_str()
      ->check(CLI::Range(1u, 99u));
  app.add_option("--floor-pages", floor_pages,
                 "pages written before each fdatasync of the floor row (0 = alder's tree depth + 1, "
                 "what its single-put durable commit writes)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 64u));
  app.add_option("--commit-threads", commit_threads,
                 "thread counts of the thread-scaling durable writes (rows writes_durable_tN)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  app.add_flag("--check", check_only, "exit non-zero unless every engine ran every workload consistently");
  app.add_flag("--no-chart", no_chart, "do not run gnuplot");
  CLI11_PARSE(app, argc, argv);

  bench::Report report;
  for (int i = 0; i < argc; ++i) report.command += (i ? " " : "") + std::string(argv[i]);
  report.started_utc = utc_now();
  report.plan = bench::make_plan(scale, seed);
  report.plan.cache_bytes = cache_mib << 20;
  report.plan.repeat = repeat;
  // Each count once: a row id (writes_durable_tN) and its key range per count.
  std::sort(commit_threads.begin(), commit_threads.end());
  commit_threads.erase(std::unique(commit_threads.begin(), commit_threads.end()), commit_threads.end());
  report.plan.commit_threads = commit_threads;
  report.plan.floor_pages = floor_pages;
  report.machine = bench::describe_machine(dir);
  // A child that died must not kill the parent when it writes the next step.
  std::signal(SIGPIPE, SIG_IGN);

  std::string tmpl = (fs::path(dir) / "alder-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror(("mkdtemp " + tmpl).c_str());
    return 2;
  }
  report.dir = tmpl;
  fs::create_directories(out);

  const std::uint64_t t0 = bench::now_ns();
  std::cerr << "generating data (N = " << report.plan.items << ")...\n";
  const bench::Data data = bench::make_data(report.plan);
  std::cerr << "compiled in:";
  for (const bench::EngineInfo& e : bench::compiled_engines()) std::cerr << " " << e.name;
  std::cerr << "\n";
  std::vector<std::unique_ptr<bench::EngineProcess>> procs;
  for (const bench::EngineInfo& e : bench::compiled_engines()) {
    if (!wanted(engines, e.name)) continue;
    bench::EngineConfig config;
    config.dir = tmpl + "/" + e.name;
    config.cache_bytes = report.plan.cache_bytes;
    config.alder_autosync_bytes = alder_autosync;
    procs.push_back(std::make_unique<bench::EngineProcess>(e, data, config));
  }
  bench::run_schedule(procs, &report.plan);
  for (auto& p : procs) {
    std::cerr << "  " << p->run().name << ": " << static_cast<int>(p->run().wall_s) << " s in its turns"
              << (p->run().failed ? " (FAILED: " + p->run().error + ")" : "") << "\n";
    report.runs.push_back(std::move(p->run()));
  }
  procs.clear();
  report.workloads = bench::workload_list(report.plan);
  report.total_s = static_cast<double>(bench::now_ns() - t0) / 1e9;
  std::error_code ec;
  fs::remove_all(tmpl, ec);

  const std::string md = bench::markdown(report);
  std::ofstream(out + "/results.md") << md;
  std::ofstream(out + "/results.json") << bench::json(report);
  std::cout << md << "\n";
  if (!no_chart) {
    std::string why;
    if (bench::write_chart(report, out, &why)) {
      std::cerr << "chart: " << out << "/chart.png\n";
    } else {
      std::cerr << "chart: " << why << "\n";
    }
  }
  std::cerr << "results: " << out << "/results.md, " << out << "/results.json\n";
  const bool ok = bench::check(report, check_only ? std::cout : std::cerr);
  return check_only && !ok ? 1 : 0;
}
