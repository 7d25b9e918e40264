// The Debian package index as real input (issue #4's demo):
//
//   alder debian-dump [--input F]... [-p] [-o FILE]   the index as a dump stream
//   alder load-debian PATH [--input F]...            the index straight into PATH
//
// Input: this machine's /var/lib/apt/lists/*_Packages* (compressed ones read
// through `apt-helper cat-file`), or /var/lib/dpkg/status when there are
// none, or the --input files. Two dbs:
//
//   main db       package name          -> the stanza text
//   by_section    section "\0" name     -> ""
//
// A name present in several index files keeps its first record. Records are
// sorted by name, so the dump stream is a canonical dump (what `alder dump
// --all` of the loaded file writes again).
#include "common.h"
#include "dump_format.h"
#include "loader.h"
#include "progress.h"

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

extern char** environ;

namespace alder_cli {

namespace {

namespace fs = std::filesystem;
constexpr const char* kLists = "/var/lib/apt/lists";
constexpr const char* kStatus = "/var/lib/dpkg/status";
constexpr const char* kAptHelper = "/usr/lib/apt/apt-helper";

struct DebOpts {
  std::vector<std::string> inputs;
  std::string path, output;
  bool print = false;
  CompressSpec compress;
};

struct Package {
  std::string_view name, section, stanza;
};

struct Index {
  std::vector<std::string> texts;  // owns the bytes the views point into
  std::vector<Package> packages;   // unique names, sorted
  std::uint64_t records = 0, duplicates = 0, nameless = 0, bytes = 0;
  std::size_t files = 0;
};

bool compressed_name(const std::string& name, bool& compressed) {
  static const char* const kSuffixes[] = {"", ".lz4", ".gz", ".xz", ".zst", ".bz2", ".lzma"};
  for (const char* suffix : kSuffixes) {
    const std::string tail = std::string("_Packages") + suffix;
    if (name.size() > tail.size() && name.ends_with(tail)) {
      compressed = *suffix != '\0';
      return true;
    }
  }
  return false;
}

// stdout of `apt-helper cat-file FILE` (decompresses whatever apt can read).
std::string cat_compressed(const std::string& file) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw CliError(file + ": pipe: " + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  const char* argv[] = {kAptHelper, "cat-file", file.c_str(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, kAptHelper, &fa, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw CliError(file + ": cannot run " + kAptHelper + ": " + std::strerror(rc));
  }
  std::string out;
  std::vector<char> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::read(fds[0], buf.data(), buf.size());
    if (n > 0) {
      out.append(buf.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw CliError(file + ": " + kAptHelper + " cat-file failed");
  }
  return out;
}

std::string read_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CliError(file + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

// "Field: value" (field name case-insensitive) -> value, trimmed.
bool field(std::string_view line, std::string_view name, std::string_view& value) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) !=
        std::tolower(static_cast<unsigned char>(name[i]))) {
      return false;
    }
  }
  value = line.substr(name.size() + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) {
    value.remove_suffix(1);
  }
  return true;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

void parse(std::string_view text, Index& ix, std::vector<Package>& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    // Skip blank lines, then take lines up to the next blank one.
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    if (blank(text.substr(pos, eol - pos))) {
      pos = eol + 1;
      continue;
    }
    const std::size_t start = pos;
    std::size_t end = pos;
    Package p;
    while (pos < text.size()) {
      eol = text.find('\n', pos);
      if (eol == std::string_view::npos) eol = text.size();
      const std::string_view line = text.substr(pos, eol - pos);
      if (blank(line)) break;
      std::string_view v;
      if (line[0] != ' ' && line[0] != '\t') {
        if (p.name.empty() && field(line, "Package", v)) {
          p.name = v;
        } else if (p.section.empty() && field(line, "Section", v)) {
          p.section = v;
        }
      }
      end = eol;
      pos = eol + 1;
    }
    p.stanza = text.substr(start, end - start);
    if (p.name.empty()) {
      ++ix.nameless;
      continue;
    }
    if (p.section.empty()) p.section = "(none)";
    ++ix.records;
    out.push_back(p);
  }
}

Index read_index(const std::vector<std::string>& inputs) {
  struct Source {
    std::string path;
    bool compressed;
  };
  std::vector<Source> sources;
  if (!inputs.empty()) {
    for (const std::string& p : inputs) {
      bool c = false;
      compressed_name(fs::path(p).filename().string(), c);
      sources.push_back({p, c});
    }
  } else {
    std::error_code ec;
    const bool helper = ::access(kAptHelper, X_OK) == 0;
    for (const auto& de : fs::directory_iterator(kLists, ec)) {
      bool c = false;
      if (!de.is_regular_file(ec) || !compressed_name(de.path().filename().string(), c)) continue;
      if (c && !helper) continue;
      sources.push_back({de.path().string(), c});
    }
    std::sort(sources.begin(), sources.end(),
              [](const Source& a, const Source& b) { return a.path < b.path; });
    if (sources.empty()) sources.push_back({kStatus, false});
  }
  Index ix;
  ix.files = sources.size();
  ix.texts.reserve(sources.size());
  std::vector<Package> all;
  for (const Source& s : sources) {
    set_context(s.path);
    ix.texts.push_back(s.compressed ? cat_compressed(s.path) : read_file(s.path));
    ix.bytes += ix.texts.back().size();
    parse(ix.texts.back(), ix, all);
  }
  set_context("");
  // First record of each name wins; then sort by name (byte order).
  std::unordered_set<std::string_view> seen;
  for (const Package& p : all) {
    if (seen.insert(p.name).second) {
      ix.packages.push_back(p);
    } else {
      ++ix.duplicates;
    }
  }
  std::sort(ix.packages.begin(), ix.packages.end(),
            [](const Package& a, const Package& b) { return a.name < b.name; });
  if (ix.packages.empty()) throw CliError("no package records found in the input");
  return ix;
}

std::string section_key(const Package& p) {
  std::string k(p.section);
  k.push_back('\0');
  k.append(p.name);
  return k;
}

std::string summary(const Index& ix) {
  return "read " + std::to_string(ix.files) + " index file(s), " + human_bytes(ix.bytes) +
         ": " + with_commas(ix.records) + " records, " + with_commas(ix.packages.size()) +
         " unique packages (" + with_commas(ix.duplicates) + " duplicate names kept their first record)";
}

void cmd_debian_dump(const DebOpts& o) {
  const Index ix = read_index(o.inputs);
  std::vector<std::string> skeys;
  skeys.reserve(ix.packages.size());
  for (const Package& p : ix.packages) skeys.push_back(section_key(p));
  std::sort(skeys.begin(), skeys.end());
  AtomicOutput out(o.output);
  DumpWriter w(out, o.print);
  const std::uint64_t mapsize =
      std::max<std::uint64_t>(ix.bytes * 4, std::uint64_t{1} << 30) >> 20 << 20;
  w.begin_section(std::nullopt, mapsize);
  for (const Package& p : ix.packages) w.record(p.name, p.stanza);
  w.end_section();
  w.begin_section(std::string("by_section"), mapsize);
  for (const std::string& k : skeys) w.record(k, "");
  w.end_section();
  out.commit();
  if (!globals().quiet) std::cerr << "alder debian-dump: " << summary(ix) << "\n";
}

void cmd_load_debian(const DebOpts& o) {
  if (o.compress.given()) o.compress.options();  // a bad codec: before any file is touched
  const Index ix = read_index(o.inputs);
  if (!globals().quiet) std::cout << summary(ix) << "\n";
  const auto t0 = std::chrono::steady_clock::now();
  LoadTarget target(o.path, LoadTarget::Mode::into_existing_or_new);
  target.set_compression(o.compress);
  Progress progress("load-debian " + o.path, 2 * ix.packages.size(), Progress::Unit::items);
  std::uint64_t n = 0, too_long = 0;
  const alder::Dbi main_db = target.db(std::nullopt);
  for (const Package& p : ix.packages) {
    if (p.name.size() > target.max_key_size()) {
      ++too_long;
      continue;
    }
    target.put(main_db, p.name, p.stanza);
    progress.update(++n);
  }
  std::vector<std::string> skeys;
  for (const Package& p : ix.packages) {
    if (p.name.size() <= target.max_key_size() && p.section.size() + 1 + p.name.size() <= target.max_key_size()) {
      skeys.push_back(section_key(p));
    }
  }
  std::sort(skeys.begin(), skeys.end());
  const alder::Dbi by_section = target.db(std::string("by_section"));
  for (const std::string& k : skeys) {
    target.put(by_section, k, "");
    progress.update(++n);
  }
  progress.finish();
  target.commit();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!globals().quiet) {
    std::cout << o.path << ": loaded " << with_commas(target.records()) << " records ("
              << with_commas(ix.packages.size() - too_long) << " packages + by_section) in "
              << static_cast<long long>(ms) << " ms"
              << (too_long ? ", " + with_commas(too_long) + " names too long skipped" : "") << "\n";
  }
}

}  // namespace

void add_debian_commands(CLI::App& app) {
  auto o = std::make_shared<DebOpts>();
  CLI::App* s = app.add_subcommand(
      "debian-dump", "write this machine's Debian package index as a dump stream (main db + by_section)");
  s->add_option("--input", o->inputs, "index files instead of /var/lib/apt/lists/*_Packages*");
  s->add_flag("-p,--print", o->print, "format=print instead of bytevalue");
  s->add_option("-o,--output", o->output, "write to FILE (atomically) instead of stdout");
  s->callback([o] { cmd_debian_dump(*o); });

  s = app.add_subcommand("load-debian", "load this machine's Debian package index into PATH");
  s->add_option("PATH", o->path, "alder database file (created if missing)")->required();
  s->add_option("--input", o->inputs, "index files instead of /var/lib/apt/lists/*_Packages*");
  add_compress_options(s, &o->compress);
  s->callback([o] { cmd_load_debian(*o); });
}

}  // namespace alder_cli
