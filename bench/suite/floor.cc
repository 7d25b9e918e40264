#include "floor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace bench {

namespace {
[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }
}  // namespace

FloorFile::FloorFile(const std::string& path, std::uint64_t page_bytes, std::uint64_t file_pages, std::uint64_t seed)
    : path_(path), page_bytes_(page_bytes), file_pages_(file_pages), buf_(page_bytes), rng_(seed) {
  for (char& c : buf_) c = static_cast<char>(rng_());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("open " + path);
  for (std::uint64_t p = 0; p < file_pages_; ++p) {
    if (::pwrite(fd_, buf_.data(), page_bytes_, static_cast<off_t>(p * page_bytes_)) !=
        static_cast<ssize_t>(page_bytes_)) {
      fail("pwrite " + path);
    }
  }
  if (::fdatasync(fd_) != 0) fail("fdatasync " + path);
}

FloorFile::~FloorFile() {
  if (fd_ >= 0) ::close(fd_);
  ::unlink(path_.c_str());
}

void FloorFile::commit(unsigned pages) {
  // Distinct pages: a commit never writes one page twice.
  std::uint64_t picked[64];
  const unsigned n = std::min(pages, 64u);
  for (unsigned i = 0; i < n; ++i) {
    std::uint64_t p;
    do {
      p = rng_() % file_pages_;
    } while (std::find(picked, picked + i, p) != picked + i);
    picked[i] = p;
    buf_[0] = static_cast<char>(rng_());  // new bytes each time
    if (::pwrite(fd_, buf_.data(), page_bytes_, static_cast<off_t>(p * page_bytes_)) !=
        static_cast<ssize_t>(page_bytes_)) {
      fail("pwrite " + path_);
    }
  }
  if (::fdatasync(fd_) != 0) fail("fdatasync " + path_);
}

}  // namespace bench
