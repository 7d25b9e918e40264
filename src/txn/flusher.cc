#include "txn/flusher.h"

#include <fcntl.h>

#include "util/check.h"

namespace alder::txn {

Flusher::Flusher(int fd, uint64_t step) : fd_(fd), step_(step), thread_([this] { run(); }) {
  ALDER_DCHECK(fd >= 0 && step > 0);
}

Flusher::~Flusher() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Flusher::wrote(uint64_t bytes) {
  pending_ += bytes;
  if (pending_ < step_) return;
  pending_ = 0;
  {
    std::lock_guard<std::mutex> g(mu_);
    kick_ = true;
  }
  cv_.notify_one();
}

uint64_t Flusher::started() const {
  std::lock_guard<std::mutex> g(mu_);
  return started_;
}

void Flusher::run() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [this] { return kick_ || stop_; });
    if (stop_) return;
    kick_ = false;
    lk.unlock();
    // From 0 to the end of the file; the kernel writes only dirty pages.
    // A failure changes nothing promised (see the header): ignored.
    (void)::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
    lk.lock();
    started_++;
  }
}

}  // namespace alder::txn
