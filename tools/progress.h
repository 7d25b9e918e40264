// A progress line on stderr (percentage, rate, ETA), drawn only when stderr
// is a terminal and --no-progress was not given. Redraws at most 10 times a
// second; finish() (or the destructor) erases it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace alder_cli {

class Progress {
 public:
  enum class Unit { bytes, items };
  /// total 0 = unknown (shows the count and the rate only).
  Progress(std::string label, std::uint64_t total, Unit unit);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  void set_total(std::uint64_t total) { total_ = total; }
  /// Reports `done` units so far (cheap when nothing is to be drawn).
  void update(std::uint64_t done) {
    if (!enabled_) return;
    if (++calls_ % 64 != 0 && done != total_) return;
    draw(done, false);
  }
  void finish();

  /// For a step with no progress of its own (e.g. Env::verify()): while it
  /// runs, a background thread shows the elapsed time.
  template <class F>
  auto while_running(F&& f) -> decltype(f()) {
    start_ticker();
    struct Stop {
      Progress* p;
      ~Stop() { p->stop_ticker(); }
    } stop{this};
    return f();
  }

 private:
  void draw(std::uint64_t done, bool force);
  void start_ticker();
  void stop_ticker();
  std::string amount(std::uint64_t n) const;

  std::string label_;
  std::atomic<std::uint64_t> total_;
  Unit unit_;
  bool enabled_;
  bool drawn_ = false;
  std::uint64_t calls_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::atomic<bool> ticking_{false};
  std::thread ticker_;
};

}  // namespace alder_cli
