#include "progress.h"

#include "common.h"

#include <unistd.h>

#include <cstdio>

namespace alder_cli {

namespace {
using Clock = std::chrono::steady_clock;

std::string clock_text(double seconds) {
  if (seconds < 0 || seconds > 359999) return "--:--";
  const auto s = static_cast<unsigned long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lu:%02lu", s / 60, s % 60);
  }
  return buf;
}
}  // namespace

Progress::Progress(std::string label, std::uint64_t total, Unit unit)
    : label_(std::move(label)),
      total_(total),
      unit_(unit),
      enabled_(!globals().no_progress && ::isatty(STDERR_FILENO) == 1),
      start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

std::string Progress::amount(std::uint64_t n) const {
  return unit_ == Unit::bytes ? human_bytes(n) : with_commas(n);
}

void Progress::draw(std::uint64_t done, bool force) {
  const auto now = Clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string line;
  line.reserve(160);
  line.append("\r").append(label_).append("  ");
  const std::uint64_t total = total_;
  if (total > 0) {
    char pct[16];
    const double f = done >= total ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    std::snprintf(pct, sizeof pct, "%5.1f%% ", 100.0 * f);
    const int width = 24, fill = static_cast<int>(f * width);
    line.push_back('[');
    line.append(static_cast<std::size_t>(fill), '#');
    line.append(static_cast<std::size_t>(width - fill), '.');
    line.append("] ").append(pct).append(amount(done)).append("/").append(amount(total));
  } else {
    line += amount(done);
  }
  line += "  " + amount(static_cast<std::uint64_t>(rate)) +
          (unit_ == Unit::bytes ? "/s" : " /s");
  if (total > 0 && rate > 0 && done < total) {
    line += "  ETA " + clock_text(static_cast<double>(total - done) / rate);
  } else {
    line += "  " + clock_text(secs);
  }
  line += "\x1b[K";  // clear to the end of the line
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  stop_ticker();
  if (drawn_) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

void Progress::start_ticker() {
  if (!enabled_ || ticking_) return;
  ticking_ = true;
  ticker_ = std::thread([this] {
    while (ticking_) {
      const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
      std::string line;
      line.append("\r").append(label_).append("  ").append(clock_text(secs)).append(" elapsed\x1b[K");
      std::fputs(line.c_str(), stderr);
      std::fflush(stderr);
      drawn_ = true;
      for (int i = 0; i < 5 && ticking_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(40));
      }
    }
  });
}

void Progress::stop_ticker() {
  if (!ticking_) return;
  ticking_ = false;
  if (ticker_.joinable()) ticker_.join();
}

}  // namespace alder_cli
