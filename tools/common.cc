#include "common.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace alder_cli {

Globals& globals() {
  static Globals g;
  return g;
}

namespace {
std::string g_context;
constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string errno_text(int err) { return std::strerror(err); }
}  // namespace

void set_context(const std::string& file) { g_context = file; }
const std::string& context() { return g_context; }

void append_hex(std::string& out, std::string_view bytes) {
  const std::size_t at = out.size();
  out.resize(at + 2 * bytes.size());
  char* p = out.data() + at;
  for (unsigned char c : bytes) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 15];
  }
}

std::string to_hex(std::string_view bytes) {
  std::string s;
  append_hex(s, bytes);
  return s;
}

bool from_hex(std::string_view hex, std::string& out, std::size_t* bad_at) {
  out.clear();
  if (hex.size() % 2 != 0) {
    if (bad_at) *bad_at = hex.size();
    return false;
  }
  out.resize(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      if (bad_at) *bad_at = hi < 0 ? i : i + 1;
      return false;
    }
    out[i / 2] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

void append_printable(std::string& out, std::string_view bytes) {
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('\\');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

std::string printable(std::string_view bytes) {
  std::string s;
  append_printable(s, bytes);
  return s;
}

bool from_printable(std::string_view text, std::string& out, std::size_t* bad_at) {
  out.clear();
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
      continue;
    }
    const int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      if (bad_at) *bad_at = i;
      return false;
    }
    out.push_back(static_cast<char>(hi << 4 | lo));
    i += 2;
  }
  return true;
}

alder::Env open_existing_read_only(const std::string& path) {
  set_context(path);
  alder::EnvOptions o;
  o.read_only = true;
  o.create = false;
  return alder::Env::open(path, o);
}

alder::Env open_existing_read_write(const std::string& path) {
  set_context(path);
  alder::EnvOptions o;
  o.create = false;
  return alder::Env::open(path, o);
}

alder::Dbi open_named(alder::Txn& txn, const std::string& path, const std::string& name,
                      bool create) {
  try {
    return txn.open_db(name, create ? alder::DbFlags::create : alder::DbFlags::none);
  } catch (const alder::Error& e) {
    if (e.code() == alder::ErrorCode::unknown_db) {
      throw CliError(path + ": no database named '" + printable(name) + "'");
    }
    throw;
  }
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::uint64_t file_size_or_zero(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

std::string temp_name_next_to(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  for (;;) {
    std::string name = path + ".tmp-" + std::to_string(::getpid()) + "-" +
                       std::to_string(counter++);
    if (!path_exists(name)) return name;
  }
}

void fsync_parent_dir(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void fsync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CliError(path + ": open for fsync: " + errno_text(errno));
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    throw CliError(path + ": fsync: " + errno_text(e));
  }
  ::close(fd);
}

void rename_file(const std::string& from, const std::string& to, bool no_replace) {
  const int rc = no_replace
                     ? ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE)
                     : ::rename(from.c_str(), to.c_str());
  if (rc != 0) {
    const int e = errno;
    if (e == EEXIST) throw CliError(to + ": already exists (not replaced)");
    throw CliError(to + ": rename from " + from + ": " + errno_text(e));
  }
  fsync_parent_dir(to);
}

AtomicOutput::AtomicOutput(const std::string& path) : path_(path) {
  if (path.empty() || path == "-") {
    to_stdout_ = true;
    f_ = stdout;
    display_ = "stdout";
    return;
  }
  tmp_ = temp_name_next_to(path);
  display_ = path;
  const int fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw CliError(path + ": cannot create " + tmp_ + ": " + errno_text(errno));
  f_ = ::fdopen(fd, "w");
  if (!f_) {
    const int e = errno;
    ::close(fd);
    ::unlink(tmp_.c_str());
    throw CliError(path + ": fdopen: " + errno_text(e));
  }
  buf_.reserve(1 << 20);
}

AtomicOutput::~AtomicOutput() {
  if (!to_stdout_ && f_) {
    std::fclose(f_);
    f_ = nullptr;
  }
  if (!to_stdout_ && !committed_) ::unlink(tmp_.c_str());
}

void AtomicOutput::flush_buffer() {
  if (buf_.empty()) return;
  if (std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) {
    throw CliError(display_ + ": write: " + errno_text(errno));
  }
  buf_.clear();
}

void AtomicOutput::write(std::string_view bytes) {
  buf_.append(bytes);
  if (buf_.size() >= (1u << 20)) flush_buffer();
}

void AtomicOutput::commit() {
  flush_buffer();
  if (std::fflush(f_) != 0) throw CliError(display_ + ": write: " + errno_text(errno));
  if (to_stdout_) {
    committed_ = true;
    return;
  }
  if (::fsync(::fileno(f_)) != 0) throw CliError(display_ + ": fsync: " + errno_text(errno));
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (rc != 0) throw CliError(display_ + ": close: " + errno_text(errno));
  rename_file(tmp_, path_, false);
  committed_ = true;
}

std::string human_bytes(std::uint64_t n) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  }
  return buf;
}

std::string with_commas(std::uint64_t n) {
  const std::string d = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(d[i]);
  }
  return out;
}

}  // namespace alder_cli
