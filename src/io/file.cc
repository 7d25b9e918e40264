#include "io/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>
#include <random>

#include "alder/alder.hpp"

namespace alder::io {

void throw_errno(const std::string& what, int err) {
  // EFBIG: the file size limit (RLIMIT_FSIZE) or the filesystem's largest
  // file, a full disk as far as this file is concerned.
  ErrorCode code = err == ENOSPC || err == EDQUOT || err == EFBIG ? ErrorCode::no_space
                                                                  : ErrorCode::io_error;
  throw Error(code, what + ": " + std::strerror(err));
}

const char* to_string(IoOp op) {
  switch (op) {
    case IoOp::open: return "open";
    case IoOp::read: return "read";
    case IoOp::write: return "write";
    case IoOp::sync: return "sync";
    case IoOp::grow: return "grow";
    case IoOp::truncate: return "truncate";
    case IoOp::map: return "map";
    case IoOp::create: return "create";
  }
  return "?";
}

// Asks the hook (if any) about op: returns whether to make the system call,
// throws the injected error (message: what + path). A skip is honoured only
// for the syncs and truncate; a skipped grow would leave mapped pages past the
// end of the file (SIGBUS), so the other calls are always made.
static bool consult(FaultHook* hook, IoOp op, int fd, uint64_t arg, const char* what,
                    const std::string& path = {}) {
  if (!hook) return true;
  IoVerdict v = hook->before(op, fd, arg);
  if (v.kind == IoVerdict::Kind::fail) throw_errno(what + path, v.err);
  return v.kind == IoVerdict::Kind::perform ||
         !(op == IoOp::sync || op == IoOp::truncate);
}

File::~File() { close(); }

void File::open(const std::string& path, bool read_only, FaultHook* hook) {
  consult(hook, IoOp::open, -1, 0, "open ", path);
  hook_ = hook;
  int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) throw_errno("open " + path, errno);
  fd_ = fd;
}

void File::open_or_create(const std::string& path, unsigned mode) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) throw_errno("open " + path, errno);
  close();
  fd_ = fd;
  hook_ = nullptr;
}

static void fsync_dir_of(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;  // best effort: some filesystems refuse dir fds
  ::fsync(dfd);
  ::close(dfd);
}

std::string File::create_temp_next_to(const std::string& path, unsigned mode) {
  std::random_device rd;
  for (;;) {
    std::string tmp = path + ".tmp-" + std::to_string(rd());
    int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) throw_errno("create " + tmp, errno);
    close();
    fd_ = fd;
    hook_ = nullptr;
    return tmp;
  }
}

void File::pwrite(const void* buf, size_t n, uint64_t off) {
  consult(hook_, IoOp::write, fd_, n, "pwrite");
  pwrite_raw(buf, n, off);
}

void File::pwrite_raw(const void* buf, size_t n, uint64_t off) {
  const auto* p = static_cast<const uint8_t*>(buf);
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::pwrite(fd_, p + done, n - done, off_t(off + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      throw_errno("pwrite", errno);
    }
    done += size_t(w);
  }
}

void File::pwritev(const struct iovec* iov, int count, uint64_t off) {
  size_t n = 0;
  for (int i = 0; i < count; i++) n += iov[i].iov_len;
  consult(hook_, IoOp::write, fd_, n, "pwritev");
  // Short writes resume where they stopped: skip the iovecs written whole,
  // then write the rest of a partial one on its own.
  while (count > 0) {
    ssize_t w = ::pwritev(fd_, iov, std::min(count, IOV_MAX), off_t(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      throw_errno("pwritev", errno);
    }
    off += uint64_t(w);
    size_t left = size_t(w);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      iov++;
      count--;
    }
    if (count > 0 && left > 0) {
      pwrite_raw(static_cast<const uint8_t*>(iov->iov_base) + left, iov->iov_len - left, off);
      off += iov->iov_len - left;
      iov++;
      count--;
    }
  }
}

void File::fsync() {
  if (::fsync(fd_) != 0) throw_errno("fsync", errno);
}

bool File::link_into_place(const std::string& tmp, const std::string& path) {
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    if (e == EEXIST) return false;
    throw_errno("link " + path, e);
  }
  ::unlink(tmp.c_str());
  fsync_dir_of(path);
  return true;
}

bool File::create_atomically(const std::string& path, unsigned mode,
                             const void* contents, size_t size, FaultHook* hook) {
  consult(hook, IoOp::create, -1, size, "create ", path);
  File f;
  const std::string tmp = f.create_temp_next_to(path, mode);
  try {
    f.pwrite(contents, size, 0);
    f.fsync();
  } catch (...) {
    f.close();
    ::unlink(tmp.c_str());
    throw;
  }
  f.close();
  return link_into_place(tmp, path);
}

void File::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void File::lock(bool exclusive) {
  if (::flock(fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      throw Error(ErrorCode::locked,
                  "database file is open in another process");
    throw_errno("flock", errno);
  }
}

bool File::locked_by_writer() const {
  if (::flock(fd_, LOCK_SH | LOCK_NB) != 0) return errno == EWOULDBLOCK;
  ::flock(fd_, LOCK_UN);
  return false;
}

namespace {
int byte0_lock(int fd, short type, bool posix) {
  struct flock l;
  std::memset(&l, 0, sizeof l);
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = 0;
  l.l_len = 1;
#ifdef F_OFD_SETLK
  const int cmd = posix ? F_SETLK : F_OFD_SETLK;
#else
  (void)posix;
  const int cmd = F_SETLK;
#endif
  int rc;
  while ((rc = ::fcntl(fd, cmd, &l)) != 0 && errno == EINTR) {
  }
  return rc == 0 ? 0 : errno;
}
}  // namespace

File::RecordLock File::try_lock_byte0(bool exclusive) {
  const short type = exclusive ? F_WRLCK : F_RDLCK;
  int e = byte0_lock(fd_, type, posix_locks_);
  if (e == EINVAL && !posix_locks_) {  // a kernel before open-file-description locks
    posix_locks_ = true;
    e = byte0_lock(fd_, type, true);
  }
  if (e == 0) return RecordLock::held;
  if (e == EAGAIN || e == EACCES) return RecordLock::busy;
  if (e == ENOLCK || e == EOPNOTSUPP || e == ENOSYS) return RecordLock::unsupported;
  throw_errno("fcntl lock", e);
}

void File::unlock_byte0() { byte0_lock(fd_, F_UNLCK, posix_locks_); }

uint64_t File::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) throw_errno("fstat", errno);
  return uint64_t(st.st_size);
}

size_t File::pread(void* buf, size_t n, uint64_t off) const {
  consult(hook_, IoOp::read, fd_, n, "pread");
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, static_cast<uint8_t*>(buf) + done, n - done,
                        off_t(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno("pread", errno);
    }
    if (r == 0) break;
    done += size_t(r);
  }
  return done;
}

void File::datasync() {
  if (!consult(hook_, IoOp::sync, fd_, 0, "fdatasync")) return;
  if (::fdatasync(fd_) != 0) throw_errno("fdatasync", errno);
}

void File::truncate(uint64_t size) {
  if (!consult(hook_, IoOp::truncate, fd_, size, "ftruncate")) return;
  if (::ftruncate(fd_, off_t(size)) != 0) throw_errno("ftruncate", errno);
}

void File::grow(uint64_t size) {
  uint64_t cur = this->size();
  if (size <= cur) return;
  if (!consult(hook_, IoOp::grow, fd_, size, "fallocate")) return;
  int rc = ::posix_fallocate(fd_, off_t(cur), off_t(size - cur));
  if (rc == EOPNOTSUPP || rc == EINVAL) {
    if (::ftruncate(fd_, off_t(size)) != 0) throw_errno("ftruncate", errno);
    return;
  }
  if (rc != 0) throw_errno("fallocate", rc);
}

Mapping::~Mapping() { unmap(); }

void Mapping::map(int fd, uint64_t reserve, uint64_t minimum, bool writable,
                  bool random_access, FaultHook* hook) {
  consult(hook, IoOp::map, fd, reserve, "mmap reservation");
  int prot = PROT_READ | (writable ? PROT_WRITE : 0);
  void* p;
  for (;;) {
    p = ::mmap(nullptr, reserve, prot, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) break;
    if (errno != ENOMEM || reserve / 2 < minimum) throw_errno("mmap reservation", errno);
    reserve /= 2;
  }
  base_ = static_cast<uint8_t*>(p);
  size_ = reserve;
  writable_ = writable;
  if (random_access) ::madvise(p, reserve, MADV_RANDOM);
}

void Mapping::unmap() {
  if (base_) ::munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
}

}  // namespace alder::io
