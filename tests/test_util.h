// Shared helpers for the alder test suite.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <alder/alder.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alder_test {

/// A fresh directory under /tmp, removed with everything in it on
/// destruction.
/// A parent for TempDir in memory (/dev/shm, where fdatasync costs nothing)
/// if this machine has one we can write to, else /tmp. For suites that make
/// thousands of syncs to check what a failing call leaves behind in the
/// files a process sees, not what a disk keeps: the countdown sweeps. The
/// power-loss suites simulate the disk themselves.
inline std::string memory_parent() {
  return ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

class TempDir {
 public:
  /// A fresh directory under `parent` (default /tmp, a disk here).
  explicit TempDir(const std::string& parent = "/tmp") {
    std::string tmpl = parent + "/alder_test_XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    if (p == nullptr) {
      throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// Path of a file inside the directory.
  std::string file(std::string_view name = "db.alder") const {
    return path_ + "/" + std::string(name);
  }

 private:
  std::string path_;
};

/// Random bytes over the whole 0..255 range.
inline std::string random_bytes(std::mt19937_64& rng, std::size_t len) {
  std::string s(len, '\0');
  std::size_t i = 0;
  while (i + 8 <= len) {
    std::uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
    i += 8;
  }
  if (i < len) {
    std::uint64_t v = rng();
    std::memcpy(&s[i], &v, len - i);
  }
  return s;
}

/// Random printable characters from [a-z0-9].
inline std::string random_alnum(std::mt19937_64& rng, std::size_t len) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(len, '\0');
  for (auto& c : s) c = kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

/// Text-like bytes that compress well (words of a Debian package stanza,
/// drawn at random from a small vocabulary), for compressed dbs.
inline std::string text_value(std::mt19937_64& rng, std::size_t len) {
  static const char* const kWords[] = {"Package: ", "Version: ", "Depends: ", "libc6 ",
                                       "(>= 2.34)", "Section: ", "utils\n", "Priority: ",
                                       "optional\n", "Maintainer: ", "Debian ", "amd64 "};
  std::string s;
  while (s.size() < len) s += kWords[rng() % std::size(kWords)];
  s.resize(len);
  return s;
}

/// Uniform integer in [lo, hi].
inline std::uint64_t uniform(std::mt19937_64& rng, std::uint64_t lo, std::uint64_t hi) {
  return lo + rng() % (hi - lo + 1);
}

/// Deterministic value for an (index, generation) pair of a given length,
/// so readers can recompute what they should see.
inline std::string pattern_value(std::uint64_t index, std::uint64_t gen, std::size_t len) {
  std::mt19937_64 rng(index * 0x9E3779B97F4A7C15ull ^ (gen + 1) * 0xD1B54A32D192ED03ull);
  return random_bytes(rng, len);
}

/// Fixed-width decimal, so lexicographic order equals numeric order.
inline std::string num_key(std::uint64_t n, int width = 10, std::string_view prefix = "k") {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(n));
  return std::string(prefix) + buf;
}

using Dump = std::vector<std::pair<std::string, std::string>>;

/// Every entry of a db, in forward order, copied out.
inline Dump dump_forward(alder::Txn& txn, alder::Dbi dbi = alder::kMainDbi) {
  Dump out;
  alder::Cursor c = txn.cursor(dbi);
  for (bool ok = c.first(); ok; ok = c.next()) {
    out.emplace_back(std::string(c.key()), std::string(c.value()));
  }
  return out;
}

/// Every entry of a db, walking from the last key backwards, returned in
/// forward order (so it compares equal to dump_forward).
inline Dump dump_reverse(alder::Txn& txn, alder::Dbi dbi = alder::kMainDbi) {
  Dump out;
  alder::Cursor c = txn.cursor(dbi);
  for (bool ok = c.last(); ok; ok = c.prev()) {
    out.emplace_back(std::string(c.key()), std::string(c.value()));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

inline Dump to_dump(const std::map<std::string, std::string>& m) {
  return Dump(m.begin(), m.end());
}

/// Whole state of an env: main db plus every named db, by name.
using EnvDump = std::map<std::string, Dump>;

inline EnvDump dump_env(alder::Env& env) {
  EnvDump out;
  alder::Txn txn = env.begin_read();
  out[""] = dump_forward(txn, alder::kMainDbi);
  for (const auto& name : txn.list_dbs()) {
    alder::Dbi dbi = txn.open_db(name);
    out[name] = dump_forward(txn, dbi);
  }
  return out;
}

/// Short human-readable description of the first difference of two dumps.
inline std::string describe_diff(const Dump& got, const Dump& want) {
  std::ostringstream os;
  std::size_t n = std::min(got.size(), want.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (got[i].first != want[i].first) {
      os << "entry " << i << ": key differs (got size " << got[i].first.size() << ", want size "
         << want[i].first.size() << ")";
      return os.str();
    }
    if (got[i].second != want[i].second) {
      os << "entry " << i << ": value differs (got size " << got[i].second.size() << ", want size "
         << want[i].second.size() << ")";
      return os.str();
    }
  }
  if (got.size() != want.size()) {
    os << "sizes differ: got " << got.size() << " entries, want " << want.size();
    return os.str();
  }
  return "";
}

/// Runs f and checks that it throws alder::Error with the given code.
template <class F>
::testing::AssertionResult ThrowsAlder(alder::ErrorCode want, F&& f) {
  try {
    f();
  } catch (const alder::Error& e) {
    if (e.code() == want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "threw alder::Error code " << static_cast<int>(e.code()) << " ("
           << alder::error_name(e.code()) << ": " << e.what() << "), expected code "
           << static_cast<int>(want) << " (" << alder::error_name(want) << ")";
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-alder exception: " << e.what();
  } catch (...) {
    return ::testing::AssertionFailure() << "threw an unknown exception";
  }
  return ::testing::AssertionFailure() << "did not throw; expected code " << static_cast<int>(want)
                                       << " (" << alder::error_name(want) << ")";
}

/// Like ThrowsAlder, with several acceptable codes.
template <class F>
::testing::AssertionResult ThrowsAlderOneOf(std::initializer_list<alder::ErrorCode> want, F&& f) {
  try {
    f();
  } catch (const alder::Error& e) {
    for (auto w : want) {
      if (e.code() == w) return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "threw alder::Error code " << static_cast<int>(e.code()) << " ("
           << alder::error_name(e.code()) << ": " << e.what() << "), not one of the expected codes";
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-alder exception: " << e.what();
  } catch (...) {
    return ::testing::AssertionFailure() << "threw an unknown exception";
  }
  return ::testing::AssertionFailure() << "did not throw";
}

#define EXPECT_ALDER_ERROR(code, ...) \
  EXPECT_TRUE(::alder_test::ThrowsAlder((code), [&] { __VA_ARGS__; }))
#define ASSERT_ALDER_ERROR(code, ...) \
  ASSERT_TRUE(::alder_test::ThrowsAlder((code), [&] { __VA_ARGS__; }))

inline std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file_bytes(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

/// Overwrites len bytes at offset of an existing file.
inline void patch_file(const std::string& path, std::uint64_t offset, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY);
  if (fd < 0) throw std::runtime_error("open " + path);
  ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
  ::close(fd);
  if (n != static_cast<ssize_t>(bytes.size())) {
    throw std::runtime_error("pwrite " + path);
  }
}

/// Reads len bytes at offset (fewer at end of file).
inline std::string read_at(const std::string& path, std::uint64_t offset, std::size_t len) {
  std::string out(len, '\0');
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("open " + path);
  ssize_t n = ::pread(fd, out.data(), len, static_cast<off_t>(offset));
  ::close(fd);
  if (n < 0) throw std::runtime_error("pread " + path);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

inline std::uint64_t file_size_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

/// A durability mode under test: EnvOptions' durability, and whether write
/// txns spill their dirty pages to the file after a few KiB (so spilled
/// pages are written, read back and rewritten before commit all the time).
struct DurabilityMode {
  const char* name;
  alder::Durability durability;
  bool spill;
};
inline void PrintTo(const DurabilityMode& m, std::ostream* os) { *os << m.name; }

/// Every mode: sync, no_meta_sync, no_sync, and sync and no_sync spilling.
inline constexpr DurabilityMode kDurabilityModes[] = {
    {"sync", alder::Durability::sync, false},
    {"no_meta_sync", alder::Durability::no_meta_sync, false},
    {"no_sync", alder::Durability::no_sync, false},
    {"sync_spill", alder::Durability::sync, true},
    {"no_sync_spill", alder::Durability::no_sync, true},
};

/// EnvOptions::spill_bytes of the spilling modes: a few pages.
inline constexpr std::uint64_t kTinySpillBytes = 8 * 1024;

/// Default options in mode m.
inline alder::EnvOptions mode_options(const DurabilityMode& m) {
  alder::EnvOptions o;
  o.durability = m.durability;
  if (m.spill) o.spill_bytes = kTinySpillBytes;
  return o;
}

/// How the dbs of a suite's compressed variant store their values (issue
/// #14, item 6): raw, lz4, or zstd with a dictionary. Suites run the raw
/// variant as before and the others beside it, with text_value() values.
struct CompressionCase {
  const char* name;
  alder::Compression compression;
  bool dictionary;
};
inline void PrintTo(const CompressionCase& c, std::ostream* os) { *os << c.name; }

inline constexpr CompressionCase kRaw{"raw", alder::Compression::none, false};
inline constexpr CompressionCase kLz4{"lz4", alder::Compression::lz4, false};
inline constexpr CompressionCase kZstdDict{"zstd_dict", alder::Compression::zstd, true};

/// DbOptions of case c. The dictionary (4 KiB) is trained once per process
/// from 400 text_value()s of a fixed seed, so every run stores the same one.
inline alder::DbOptions compression_options(const CompressionCase& c) {
  alder::DbOptions o;
  o.compression = c.compression;
  if (c.dictionary) {
    static const std::string dict = [] {
      std::mt19937_64 rng(1);
      std::vector<std::string> values;
      for (int i = 0; i < 400; i++) values.push_back(text_value(rng, 100 + rng() % 900));
      std::vector<std::string_view> samples(values.begin(), values.end());
      return alder::train_dictionary(samples, 4 * 1024);
    }();
    o.dictionary = dict;
  }
  return o;
}

/// Cases (or rounds) a crash/fault suite runs: the environment variable
/// ALDER_FAULT_CASES if set (the long run, scripts/crash_long.sh), else dflt.
inline std::uint64_t case_count(std::uint64_t dflt) {
  const char* v = std::getenv("ALDER_FAULT_CASES");
  return v && *v ? std::strtoull(v, nullptr, 10) : dflt;
}

/// Options with no_sync durability, for tests where fsync cost is irrelevant.
inline alder::EnvOptions fast_options(std::uint32_t page_size = 4096) {
  alder::EnvOptions o;
  o.page_size = page_size;
  o.durability = alder::Durability::no_sync;
  return o;
}

/// Runs body in a forked child process and returns what it reports. The
/// child writes problem descriptions through `report`; an empty result
/// means it exited normally (status 0) and reported nothing; lines starting
/// with "INFO" are printed, other lines are progress notes. A crash of the
/// child is returned as a description (with the last progress note), so a
/// segfault in the engine fails one test instead of the whole binary.
inline std::string run_in_child(
    const std::function<void(const std::function<void(const std::string&)>&)>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(fds[0]);
    auto report = [fd = fds[1]](const std::string& msg) {
      std::string line = msg + "\n";
      const char* p = line.data();
      std::size_t left = line.size();
      while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
      }
    };
    int code = 0;
    try {
      body(report);
    } catch (const std::exception& e) {
      report(std::string("FAIL uncaught exception: ") + e.what());
      code = 1;
    } catch (...) {
      report("FAIL unknown exception");
      code = 1;
    }
    ::close(fds[1]);
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string all;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    all.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // Keep only FAIL lines, plus the last progress line on a crash.
  std::string fails, last_note;
  std::istringstream is(all);
  for (std::string line; std::getline(is, line);) {
    if (line.rfind("FAIL", 0) == 0) {
      fails += line + "\n";
    } else if (line.rfind("INFO", 0) == 0) {
      std::cout << "[ child  ] " << line.substr(4) << std::endl;
    } else {
      last_note = line;
    }
  }
  if (WIFSIGNALED(status)) {
    fails += "child killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
             strsignal(WTERMSIG(status)) + "); last progress note: " + last_note + "\n";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && fails.empty()) {
    fails += "child exited with status " + std::to_string(WEXITSTATUS(status)) + "\n";
  }
  return fails;
}

}  // namespace alder_test
