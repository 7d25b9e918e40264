#include "workloads.h"

#include "floor.h"
#include "measure.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

namespace bench {

namespace {

namespace fs = std::filesystem;

std::string num(std::uint64_t n) {
  std::string d = std::to_string(n), out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(d[i]);
  }
  return out;
}

// Bytes of the regular files under dir; only those that are not log, WAL
// or lock files when data_only.
std::uint64_t dir_bytes(const Engine& e, bool data_only) {
  std::uint64_t n = 0;
  for (const auto& f : fs::recursive_directory_iterator(e.config().dir)) {
    if (!f.is_regular_file()) continue;
    if (data_only && e.is_log_file(f.path().filename().string())) continue;
    n += f.file_size();
  }
  return n;
}

// A 1-byte key that sorts at or below every 24-byte key: scans start here.
constexpr std::string_view kLowest("\0", 1);

}  // namespace

class Session::Runner {
 public:
  Runner(Engine& e, const Data& d, std::function<void(const Result&)> emit)
      : e_(e), d_(d), p_(d.plan), base_(e.config()), emit_(std::move(emit)) {}
  ~Runner() { close(); }

  void step(const std::string& id, const StepArgs& a);

 private:
  // The engine open in mode m (reopened if it is open in the other mode).
  void ensure(Mode m) {
    if (open_ && *open_ == m) return;
    close();
    e_.open(m);
    open_ = m;
  }
  void close() {
    if (open_) e_.close();
    open_.reset();
  }

  // Runs body with CPU time and peak RSS measured around it. body sets
  // r.ops, brackets its timed region with sec.start() / sec.stop() (wall
  // time and page faults) and fills lat.
  template <class Body>
  Result measure(const std::string& id, Body body) {
    std::cerr << "  [" << e_.name() << "] " << id << "\n";
    Result r;
    r.engine = e_.name();
    r.workload = id;
    Latencies lat(std::max({p_.items, p_.reads, p_.range_scans, p_.nosync_commits, p_.mixed_ops}));
    Section sec;
    Usage u;
    u.start();
    body(r, lat, sec);
    r.cpu_s = u.cpu_seconds();
    r.seconds = sec.seconds();
    r.minor_faults = static_cast<double>(sec.minor());
    r.major_faults = static_cast<double>(sec.major());
    r.round = round_;
    r.peak_rss = Usage::peak_rss_bytes();
    const Percentiles pc = lat.percentiles();
    r.p50_us = pc.p50;
    r.p95_us = pc.p95;
    r.p99_us = pc.p99;
    return r;
  }
  // Two rows: every file (id) and data files only (id + "_data").
  void size_row(const std::string& id) {
    Result r;
    r.engine = e_.name();
    r.workload = id;
    r.round = round_;
    r.kind = "size";
    r.bytes = dir_bytes(e_, false);
    emit_(r);
    r.workload = id + "_data";
    r.bytes = dir_bytes(e_, true);
    emit_(r);
  }
  std::uint64_t count_all() {
    std::uint64_t bytes = 0;
    return e_.reader()->scan(kLowest, ~std::uint64_t{0}, &bytes);
  }

  void load(const std::string& id, bool sorted);
  void load_text();
  void single_commits(const std::string& id, std::uint64_t first, std::uint64_t count, bool final_sync);
  void floor(unsigned pages);
  void threaded_commits(unsigned threads, std::uint64_t first);
  void batch_writes(std::uint64_t first);
  void reads(const std::string& id);
  void range_reads();
  void threaded_reads(unsigned threads);
  void full_scan();
  void removals();
  void compaction();
  void mixed();

  Engine& e_;
  const Data& d_;
  const Plan& p_;
  const EngineConfig base_;
  std::function<void(const Result&)> emit_;
  std::optional<Mode> open_;            // the mode the engine is open in, if it is
  unsigned round_ = 0;                  // the round being run (stamped on results)
  std::unique_ptr<FloorFile> floor_;    // made at the first floor row, kept
};

void Session::Runner::load(const std::string& id, bool sorted) {
  const bool append = sorted && e_.has_append();
  Result r = measure(id, [&](Result& res, Latencies& lat, Section& sec) {
    sec.start();
    e_.begin_write();
    for (std::uint64_t i = 0; i < p_.items; ++i) {
      const std::uint64_t k = sorted ? d_.sorted[i] : i;
      const std::uint64_t t = now_ns();
      e_.put(d_.key(k), d_.value(k), append);
      lat.add(now_ns() - t);
    }
    e_.commit();
    sec.stop();
    res.ops = p_.items;
  });
  r.note = std::string(append ? "append path" : "plain puts") + ", 1 txn; latency per put";
  emit_(r);
}

// The compressible-values rows: the text records (data.h) loaded in one
// txn into a fresh directory with the engine's compression on, then the
// engine's own compaction, so that every engine's bytes are in its data
// files in their final form (without it RocksDB and LevelDB would still hold
// the load in their memtable and uncompressed WAL), then closed and sized.
// The load is timed like `load`; the compaction is not (nor in any row).
void Session::Runner::load_text() {
  close();
  EngineConfig text = base_;
  text.dir = base_.dir + "-text";
  text.compress = true;
  fs::remove_all(text.dir);
  fs::create_directories(text.dir);
  e_.set_config(text);
  e_.open(Mode::durable);
  std::uint64_t raw = 0;
  Result r = measure("load_text", [&](Result& res, Latencies& lat, Section& sec) {
    sec.start();
    e_.begin_write();
    for (std::uint64_t i = 0; i < p_.text_items; ++i) {
      const std::uint64_t t = now_ns();
      e_.put(d_.text_keys[i], d_.text_values[i], false);
      lat.add(now_ns() - t);
      raw += d_.text_keys[i].size() + d_.text_values[i].size();
    }
    e_.commit();
    sec.stop();
    res.ops = p_.text_items;
  });
  e_.compact();
  // Every record is there, and every 16th reads back as written.
  std::uint64_t wrong = 0;
  {
    std::unique_ptr<Reader> rd = e_.reader();
    std::string_view v;
    for (std::uint64_t i = 0; i < p_.text_items; i += 16) {
      if (!rd->get(d_.text_keys[i], &v) || v != d_.text_values[i]) ++wrong;
    }
  }
  const std::uint64_t n = count_all();
  e_.close();
  r.ok = n == p_.text_items && wrong == 0;
  r.note = num(n) + " entries, expected " + num(p_.text_items) + ", " + num(wrong) +
           " of every 16th read back wrong; " + num(raw) + " bytes of keys and values; compression: " +
           e_.compression() + "; latency per put";
  emit_(r);
  size_row("size_text");
  fs::remove_all(text.dir);
  e_.set_config(base_);
}

void Session::Runner::single_commits(const std::string& id, std::uint64_t first, std::uint64_t count, bool final_sync) {
  Result r = measure(id, [&](Result& res, Latencies& lat, Section& sec) {
    sec.start();
    for (std::uint64_t j = 0; j < count; ++j) {
      const std::uint64_t k = first + j;
      const std::uint64_t t = now_ns();
      e_.begin_write();
      e_.put(d_.key(k), d_.value(k), false);
      e_.commit();
      lat.add(now_ns() - t);
    }
    if (final_sync) e_.sync();
    sec.stop();
    res.ops = count;
  });
  r.note = final_sync ? "latency per commit; total includes 1 final sync" : "latency per commit";
  emit_(r);
}

void Session::Runner::batch_writes(std::uint64_t first) {
  Result r = measure("writes_batch", [&](Result& res, Latencies& lat, Section& sec) {
    sec.start();
    for (std::uint64_t b = 0; b < p_.batch_commits; ++b) {
      const std::uint64_t t = now_ns();
      e_.begin_write();
      for (std::uint64_t j = 0; j < p_.batch_size; ++j) {
        const std::uint64_t k = first + b * p_.batch_size + j;
        e_.put(d_.key(k), d_.value(k), false);
      }
      e_.commit();
      lat.add(now_ns() - t);
    }
    sec.stop();
    res.ops = p_.batch_commits * p_.batch_size;
  });
  r.note = "ops = puts; latency per " + num(p_.batch_size) + "-put commit";
  emit_(r);
}

void Session::Runner::reads(const std::string& id) {
  std::uint64_t misses = 0, wrong = 0;
  Result r = measure(id, [&](Result& res, Latencies& lat, Section& sec) {
    std::unique_ptr<Reader> rd = e_.reader();
    sec.start();
    std::string_view v;
    for (const std::uint32_t i : d_.read_order) {
      const std::uint64_t t = now_ns();
      const bool found = rd->get(d_.key(i), &v);
      lat.add(now_ns() - t);
      if (!found) {
        ++misses;
      } else if (v != d_.value(i)) {
        ++wrong;
      }
    }
    sec.stop();
    res.ops = d_.read_order.size();
  });
  r.ok = misses == 0 && wrong == 0;
  r.note = num(misses) + " misses, " + num(wrong) + " wrong values";
  emit_(r);
}

void Session::Runner::range_reads() {
  std::uint64_t seen = 0;
  Result r = measure("range_reads", [&](Result& res, Latencies& lat, Section& sec) {
    std::unique_ptr<Reader> rd = e_.reader();
    std::uint64_t bytes = 0;
    sec.start();
    for (const std::uint32_t i : d_.scan_order) {
      const std::uint64_t t = now_ns();
      seen += rd->scan(d_.key(i), p_.range_len, &bytes);
      lat.add(now_ns() - t);
    }
    sec.stop();
    res.ops = d_.scan_order.size();
  });
  r.ok = seen == d_.scan_expected;
  r.note = "saw " + num(seen) + " entries, expected " + num(d_.scan_expected);
  emit_(r);
}

void Session::Runner::threaded_reads(unsigned threads) {
  std::atomic<std::uint64_t> misses{0};
  Result r = measure("reads_t" + std::to_string(threads), [&](Result& res, Latencies& lat, Section& sec) {
    std::vector<Latencies> lats(threads, Latencies(d_.read_order.size() / threads));
    std::atomic<unsigned> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> ts;
    const std::uint64_t per = d_.read_order.size() / threads;
    for (unsigned t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        std::unique_ptr<Reader> rd = e_.reader();
        std::uint64_t miss = 0;
        std::string_view v;
        ready.fetch_add(1);
        while (!go.load()) std::this_thread::yield();
        for (std::uint64_t j = t * per; j < (t + 1) * per; ++j) {
          const std::uint32_t i = d_.read_order[j];
          const std::uint64_t s = now_ns();
          const bool found = rd->get(d_.key(i), &v);
          lats[t].add(now_ns() - s);
          if (!found || v != d_.value(i)) ++miss;
        }
        misses.fetch_add(miss);
      });
    }
    while (ready.load() < threads) std::this_thread::yield();
    sec.start();
    go.store(true);
    for (std::thread& th : ts) th.join();
    sec.stop();
    res.ops = per * threads;
    for (const Latencies& l : lats) lat.merge(l);
  });
  r.ok = misses.load() == 0;
  r.note = num(misses.load()) + " misses or wrong values; one reader per thread";
  emit_(r);
}

void Session::Runner::full_scan() {
  std::uint64_t seen = 0;
  Result r = measure("scan_full", [&](Result& res, Latencies&, Section& sec) {
    std::unique_ptr<Reader> rd = e_.reader();
    std::uint64_t bytes = 0;
    sec.start();
    seen = rd->scan(kLowest, ~std::uint64_t{0}, &bytes);
    sec.stop();
    res.ops = seen;
  });
  r.ok = seen == d_.total;
  r.note = "saw " + num(seen) + " entries, expected " + num(d_.total) + "; ops = entries";
  emit_(r);
}

void Session::Runner::removals() {
  Result r = measure("removals", [&](Result& res, Latencies& lat, Section& sec) {
    sec.start();
    e_.begin_write();
    for (const std::uint32_t i : d_.removed) {
      const std::uint64_t t = now_ns();
      e_.del(d_.key(i));
      lat.add(now_ns() - t);
    }
    e_.commit();
    sec.stop();
    res.ops = d_.removed.size();
  });
  const std::uint64_t left = count_all();
  r.ok = left == d_.remaining.size();
  r.note = "1 txn; " + num(left) + " entries left, expected " + num(d_.remaining.size()) + "; latency per delete";
  emit_(r);
}

void Session::Runner::compaction() {
  Result r = measure("compact", [&](Result& res, Latencies&, Section& sec) {
    sec.start();
    e_.compact();
    sec.stop();
    res.ops = 1;
  });
  const std::uint64_t left = count_all();
  r.ok = left == d_.remaining.size();
  r.note = num(left) + " entries after compaction, expected " + num(d_.remaining.size());
  emit_(r);
}

void Session::Runner::mixed() {
  std::atomic<std::uint64_t> misses{0}, bad_scans{0};
  const unsigned threads = p_.mixed_threads;
  std::vector<Latencies> by_op(3 * threads);  // per thread: get, put, scan
  Result r = measure("mixed", [&](Result& res, Latencies& lat, Section& sec) {
    std::vector<Latencies> lats(threads, Latencies(p_.mixed_ops / threads));
    std::mutex writer;  // one write txn at a time, for every engine
    std::atomic<unsigned> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> ts;
    const std::uint64_t per = p_.mixed_ops / threads;
    const std::uint64_t nrem = d_.remaining.size();
    for (unsigned t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        std::mt19937_64 rng(p_.seed * 1000 + t);
        std::unique_ptr<Reader> rd = e_.reader();
        std::string_view v;
        std::uint64_t bytes = 0, miss = 0, bad = 0;
        ready.fetch_add(1);
        while (!go.load()) std::this_thread::yield();
        for (std::uint64_t j = 0; j < per; ++j) {
          const unsigned op = static_cast<unsigned>(rng() % 4);
          std::uint64_t pos = rng() % nrem;
          const std::uint32_t k = d_.remaining[pos];
          const std::uint64_t s = now_ns();
          if (op <= 1) {  // 50 %: read
            rd->refresh();
            if (!rd->get(d_.key(k), &v)) ++miss;
            lats[t].add(now_ns() - s);
            by_op[3 * t].add(now_ns() - s);
          } else if (op == 2) {  // 25 %: overwrite a key of this thread's share
            pos -= pos % threads;
            pos = pos + t < nrem ? pos + t : t;
            const std::uint64_t len = p_.mixed_min_value + rng() % (p_.mixed_max_value - p_.mixed_min_value + 1);
            const std::uint64_t off = rng() % (d_.blob.size() - len);
            const std::uint64_t s2 = now_ns();
            {
              std::lock_guard<std::mutex> g(writer);
              e_.begin_write();
              e_.put(d_.key(d_.remaining[pos]), std::string_view(d_.blob.data() + off, len), false);
              e_.commit();
            }
            lats[t].add(now_ns() - s2);
            by_op[3 * t + 1].add(now_ns() - s2);
          } else {  // 25 %: scan of range_len entries
            rd->refresh();
            const std::uint64_t n = rd->scan(d_.key(k), p_.range_len, &bytes);
            lats[t].add(now_ns() - s);
            by_op[3 * t + 2].add(now_ns() - s);
            if (n != d_.remaining_from(k, p_.range_len)) ++bad;
          }
        }
        misses.fetch_add(miss);
        bad_scans.fetch_add(bad);
      });
    }
    while (ready.load() < threads) std::this_thread::yield();
    sec.start();
    go.store(true);
    for (std::thread& th : ts) th.join();
    sec.stop();
    res.ops = per * threads;
    for (const Latencies& l : lats) lat.merge(l);
  });
  r.ok = misses.load() == 0 && bad_scans.load() == 0;
  r.note = num(misses.load()) + " read misses, " + num(bad_scans.load()) +
           " scans with a wrong count; writes are 1-put no-sync commits, one writer at a time; p50/p99 us:";
  const char* names[3] = {"get", "put", "scan"};
  for (unsigned op = 0; op < 3; ++op) {
    Latencies all;
    for (unsigned t = 0; t < threads; ++t) all.merge(by_op[3 * t + op]);
    const Percentiles pc = all.percentiles();
    char buf[96];
    std::snprintf(buf, sizeof buf, " %s %.2f/%.1f", names[op], pc.p50, pc.p99);
    r.note += buf;
  }
  emit_(r);
}

void Session::Runner::floor(unsigned pages) {
  if (!floor_) {
    // Beside the engine's directory, in the same parent (same filesystem,
    // same disk), outside it so the size rows never count it.
    floor_ = std::make_unique<FloorFile>(base_.dir + ".floor", p_.page_bytes, 4096, p_.seed + 7);
  }
  Result r = measure("floor", [&](Result& res, Latencies& lat, Section& sec) {
    sec.start();
    for (std::uint64_t j = 0; j < p_.durable_commits; ++j) {
      const std::uint64_t t = now_ns();
      floor_->commit(pages);
      lat.add(now_ns() - t);
    }
    sec.stop();
    res.ops = p_.durable_commits;
  });
  r.note = "no engine: pwrite of " + std::to_string(pages) + " scattered " + num(p_.page_bytes) +
           "-byte pages into a 16 MiB file, then fdatasync; latency per commit";
  emit_(r);
}

void Session::Runner::threaded_commits(unsigned threads, std::uint64_t first) {
  const std::uint64_t per = p_.per_thread_commits(threads);
  Result r = measure("writes_durable_t" + std::to_string(threads), [&](Result& res, Latencies& lat, Section& sec) {
    std::vector<Latencies> lats(threads, Latencies(per));
    std::vector<std::unique_ptr<Writer>> ws;
    for (unsigned t = 0; t < threads; ++t) ws.push_back(e_.writer());
    std::atomic<unsigned> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> ts;
    std::mutex err_mu;
    std::string err;
    for (unsigned t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        ready.fetch_add(1);
        while (!go.load()) std::this_thread::yield();
        try {
          // Thread t owns keys [first + t * per, first + (t + 1) * per):
          // distinct random keys, no two threads touch the same one.
          for (std::uint64_t j = 0; j < per; ++j) {
            const std::uint64_t k = first + t * per + j;
            const std::uint64_t s = now_ns();
            ws[t]->put_commit(d_.key(k), d_.value(k));
            lats[t].add(now_ns() - s);
          }
        } catch (const std::exception& ex) {
          std::lock_guard<std::mutex> g(err_mu);
          err = ex.what();
        }
      });
    }
    while (ready.load() < threads) std::this_thread::yield();
    sec.start();
    go.store(true);
    for (std::thread& th : ts) th.join();
    sec.stop();
    ws.clear();
    if (!err.empty()) throw std::runtime_error(err);
    res.ops = per * threads;
    for (const Latencies& l : lats) lat.merge(l);
  });
  r.note = num(per) + " commits per thread; " + e_.writer_note() + "; latency per commit";
  emit_(r);
}

void Session::Runner::step(const std::string& id, const StepArgs& a) {
  round_ = a.round;
  const std::uint64_t first = p_.round_first(a.round);  // this round's fresh keys
  if (id == "baseline") {  // the harness's own memory (the shared data set), before any engine work
    Result r;
    r.engine = e_.name();
    r.workload = "rss_baseline";
    r.kind = "info";
    r.peak_rss = Usage::current_rss_bytes();
    emit_(r);
  } else if (id == "load") {  // every round loads into a fresh directory
    close();
    fs::remove_all(base_.dir);
    fs::create_directories(base_.dir);
    ensure(Mode::durable);
    load("load", false);
    if (const unsigned depth = e_.tree_depth()) {
      Result r;
      r.engine = e_.name();
      r.workload = "tree_depth";
      r.kind = "info";
      r.round = round_;
      r.ops = depth;
      emit_(r);
    }
    close();
    size_row("size_load");
  } else if (id == "load_sorted") {
    close();
    EngineConfig sorted = base_;
    sorted.dir = base_.dir + "-sorted";
    fs::create_directories(sorted.dir);
    e_.set_config(sorted);
    e_.open(Mode::durable);
    load("load_sorted", true);
    e_.close();
    fs::remove_all(sorted.dir);
    e_.set_config(base_);
  } else if (id == "writes_durable") {
    ensure(Mode::durable);
    single_commits("writes_durable", first, p_.durable_commits, false);
    floor(a.floor_pages);  // right after, so both see the same minute of the disk
  } else if (id.starts_with("writes_durable_t")) {
    const unsigned threads = static_cast<unsigned>(std::stoul(id.substr(16)));
    std::uint64_t off = first + p_.durable_commits;
    for (const unsigned t : p_.commit_threads) {
      if (t == threads) break;
      off += p_.per_thread_commits(t) * t;
    }
    ensure(Mode::durable);
    threaded_commits(threads, off);
  } else if (id == "writes_nosync") {
    ensure(Mode::no_sync);
    single_commits("writes_nosync", first + p_.durable_commits + p_.threaded_total(), p_.nosync_commits, true);
  } else if (id == "writes_batch") {
    ensure(Mode::durable);
    batch_writes(first + p_.durable_commits + p_.threaded_total() + p_.nosync_commits);
  } else if (id == "reads") {  // pass 1 and pass 2 stay a pair within a round
    ensure(Mode::durable);
    reads("reads_1");
    reads("reads_2");
  } else if (id == "range_reads") {
    ensure(Mode::durable);
    range_reads();
  } else if (id.starts_with("reads_t")) {
    ensure(Mode::durable);
    threaded_reads(static_cast<unsigned>(std::stoul(id.substr(7))));
  } else if (id == "scan_full") {
    ensure(Mode::durable);
    full_scan();
  } else if (id == "removals") {
    ensure(Mode::durable);
    if (a.round > 0) {  // put back what the last round removed (not timed)
      e_.begin_write();
      for (const std::uint32_t i : d_.removed) e_.put(d_.key(i), d_.value(i), false);
      e_.commit();
    }
    removals();
    close();
    size_row("size_removed");
  } else if (id == "compact") {
    ensure(Mode::durable);
    compaction();
    close();
    size_row("size_compacted");
  } else if (id == "mixed") {
    ensure(Mode::no_sync);
    mixed();
  } else if (id == "load_text") {
    load_text();
  } else {
    throw std::invalid_argument("unknown step " + id);
  }
}

std::vector<std::string> step_list(const Plan& p) {
  std::vector<std::string> v{"load", "load_sorted", "writes_durable"};
  for (const unsigned t : p.commit_threads) v.push_back("writes_durable_t" + std::to_string(t));
  for (const char* s : {"writes_nosync", "writes_batch", "reads", "range_reads"}) v.push_back(s);
  for (const unsigned t : p.threads) v.push_back("reads_t" + std::to_string(t));
  for (const char* s : {"scan_full", "removals", "compact", "mixed", "load_text"}) v.push_back(s);
  return v;
}

std::vector<WorkloadInfo> workload_list(const Plan& p) {
  std::vector<WorkloadInfo> v{
      {"load", "bulk load: " + num(p.items) + " random puts, 1 txn"},
      {"load_sorted", "bulk load, sorted input (append where the engine has it), 1 txn"},
      {"writes_durable", "individual writes, durable: " + num(p.durable_commits) + " commits of 1 put"},
      {"floor", "floor, no engine: " + num(p.durable_commits) + " x (pwrite of " + std::to_string(p.floor_pages) +
                    " scattered " + num(p.page_bytes / 1024) + " KiB pages + 1 fdatasync)"},
  };
  for (const unsigned t : p.commit_threads) {
    v.push_back({"writes_durable_t" + std::to_string(t),
                 "individual writes, durable, " + std::to_string(t) + " thread" + (t > 1 ? "s" : "") + ": " +
                     num(p.per_thread_commits(t) * t) + " commits of 1 put"});
  }
  v.push_back({"writes_nosync", "individual writes, no-sync: " + num(p.nosync_commits) + " commits of 1 put"});
  v.push_back({"writes_batch", "batch writes, durable: " + num(p.batch_commits) + " commits of " +
                                   num(p.batch_size) + " puts"});
  v.push_back({"reads_1", "random reads: " + num(p.reads) + " gets, pass 1"});
  v.push_back({"reads_2", "random reads: " + num(p.reads) + " gets, pass 2"});
  v.push_back({"range_reads", "random range reads: " + num(p.range_scans) + " scans of " + num(p.range_len)});
  for (const unsigned t : p.threads) {
    v.push_back({"reads_t" + std::to_string(t),
                 "random reads, " + std::to_string(t) + " thread" + (t > 1 ? "s" : "") + ": " + num(p.reads) + " gets"});
  }
  v.push_back({"scan_full", "full sequential scan (entries/s)"});
  v.push_back({"removals", "removals: " + num(p.items / 2 + p.items % 2) + " deletes, 1 txn"});
  v.push_back({"mixed", "mixed, " + std::to_string(p.mixed_threads) + " threads: " + num(p.mixed_ops) +
                            " ops (50 % get, 25 % put, 25 % scan), values " + num(p.mixed_min_value) + " B-" +
                            num(p.mixed_max_value / 1024) + " KiB"});
  v.push_back({"load_text", "bulk load, compressible values: " + num(p.text_items) +
                                " text records (Debian-like, ~660 B), 1 txn, compressed"});
  v.push_back({"compact", "compaction time (s)", "time"});
  v.push_back({"size_load", "after bulk load: all files", "size"});
  v.push_back({"size_load_data", "after bulk load: data files (no WAL/log/lock)", "size"});
  v.push_back({"size_removed", "after removals: all files", "size"});
  v.push_back({"size_removed_data", "after removals: data files", "size"});
  v.push_back({"size_compacted", "after compaction: all files", "size"});
  v.push_back({"size_compacted_data", "after compaction: data files", "size"});
  v.push_back({"size_text", "compressible values (" + num(p.text_items) +
                                " text records, compressed), after load + compaction: all files", "size"});
  v.push_back({"size_text_data", "compressible values, after load + compaction: data files", "size"});
  return v;
}

Session::Session(Engine& engine, const Data& data, const EngineConfig& config,
                 std::function<void(const Result&)> emit)
    : dir_(config.dir) {
  fs::create_directories(config.dir);
  engine.set_config(config);
  runner_ = std::make_unique<Runner>(engine, data, std::move(emit));
}

Session::~Session() {
  runner_.reset();  // closes the engine first
  std::error_code ec;
  fs::remove_all(dir_, ec);
  fs::remove_all(dir_ + "-sorted", ec);
  fs::remove_all(dir_ + "-text", ec);
}

void Session::run(const std::string& step, const StepArgs& args) { runner_->step(step, args); }

}  // namespace bench
