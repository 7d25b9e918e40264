// debian_packages: alder on real data.
//
// Reads every record of this machine's Debian package index (the
// /var/lib/apt/lists/*_Packages files apt downloaded, plain or compressed; if
// there are none, /var/lib/dpkg/status), loads them into an alder database in
// one write transaction, then answers queries on it and checks the answers
// against the parsed input:
//
//   main db       package name          -> the whole stanza text
//   "by_section"  section "\0" name     -> ""
//
// A name that appears in several index files (e.g. in bookworm and in
// bookworm-security) keeps its first record; the others are counted as
// duplicates. Every step prints what it did and how long it took.
//
// Usage: debian_packages [--db PATH] [--input FILE]... [--lookup NAME]
//                        [--prefix P] [--top N] [--keep]
#include <alder/alder.hpp>

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kAptLists = "/var/lib/apt/lists";
constexpr const char* kDpkgStatus = "/var/lib/dpkg/status";
constexpr const char* kAptHelper = "/usr/lib/apt/apt-helper";

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// 1234567 -> "1,234,567"
std::string with_commas(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB",
                static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

// "[  123.4 ms] what"
void step(double ms, const std::string& what) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "[%9.1f ms] ", ms);
  std::cout << buf << what << "\n";
}

std::string per_second(std::uint64_t n, double ms) {
  if (ms <= 0) return "-";
  return with_commas(static_cast<std::uint64_t>(static_cast<double>(n) * 1000.0 / ms)) + "/s";
}

struct Source {
  std::string path;
  bool compressed = false;  // read through apt-helper cat-file
  std::string text;
  std::uint64_t records = 0;
};

bool is_packages_file(const std::string& name, bool& compressed) {
  static const char* const kSuffixes[] = {"", ".lz4", ".gz", ".xz",
                                          ".zst", ".bz2", ".lzma"};
  for (const char* suffix : kSuffixes) {
    const std::string want = std::string("_Packages") + suffix;
    if (name.size() > want.size() &&
        name.compare(name.size() - want.size(), want.size(), want) == 0) {
      compressed = *suffix != '\0';
      return true;
    }
  }
  return false;
}

std::vector<Source> find_sources() {
  std::vector<Source> out;
  std::error_code ec;
  const bool have_helper = ::access(kAptHelper, X_OK) == 0;
  for (const auto& de : fs::directory_iterator(kAptLists, ec)) {
    if (!de.is_regular_file(ec)) continue;
    bool compressed = false;
    if (!is_packages_file(de.path().filename().string(), compressed)) continue;
    if (compressed && !have_helper) {
      std::cerr << "skipping " << de.path() << ": compressed and no "
                << kAptHelper << "\n";
      continue;
    }
    out.push_back(Source{de.path().string(), compressed, {}, 0});
  }
  std::sort(out.begin(), out.end(),
            [](const Source& a, const Source& b) { return a.path < b.path; });
  if (out.empty()) out.push_back(Source{kDpkgStatus, false, {}, 0});
  return out;
}

std::string read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

// Runs argv (argv[0] an absolute path, no shell) and returns its stdout.
std::string run_capture(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      ::close(fds[0]);
      throw std::system_error(errno, std::generic_category(), "read");
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " failed on " + argv.back());
  }
  return out;
}

struct Record {
  std::string_view name;
  std::string_view section;
  std::string_view stanza;  // the record's lines, without the blank separator
};

bool field_is(std::string_view line, std::string_view field,
              std::string_view& value) {
  if (line.size() <= field.size() || line[field.size()] != ':') return false;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) !=
        std::tolower(static_cast<unsigned char>(field[i]))) {
      return false;
    }
  }
  value = line.substr(field.size() + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.remove_suffix(1);
  return true;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Splits RFC822-style stanzas separated by blank lines. Continuation lines
// (starting with space or tab) stay part of their field. Returns the number
// of stanzas without a Package: field (not loaded).
std::uint64_t parse_stanzas(std::string_view text, std::vector<Record>& out) {
  std::uint64_t nameless = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    // Skip separator lines.
    std::size_t start = std::string_view::npos;
    while (pos < text.size()) {
      std::size_t eol = text.find('\n', pos);
      if (eol == std::string_view::npos) eol = text.size();
      if (!blank(text.substr(pos, eol - pos))) {
        start = pos;
        break;
      }
      pos = eol + 1;
    }
    if (start == std::string_view::npos) break;
    Record rec;
    std::size_t end = start;  // end of the last line of the stanza
    while (pos < text.size()) {
      std::size_t eol = text.find('\n', pos);
      if (eol == std::string_view::npos) eol = text.size();
      const std::string_view line = text.substr(pos, eol - pos);
      if (blank(line)) break;
      std::string_view value;
      if (line[0] != ' ' && line[0] != '\t') {
        if (rec.name.empty() && field_is(line, "Package", value)) {
          rec.name = value;
        } else if (rec.section.empty() && field_is(line, "Section", value)) {
          rec.section = value;
        }
      }
      end = eol;
      pos = eol + 1;
    }
    rec.stanza = text.substr(start, end - start);
    if (rec.name.empty()) {
      ++nameless;
    } else {
      if (rec.section.empty()) rec.section = "(none)";
      out.push_back(rec);
    }
  }
  return nameless;
}

std::string_view field_of(std::string_view stanza, std::string_view field) {
  std::size_t pos = 0;
  while (pos < stanza.size()) {
    std::size_t eol = stanza.find('\n', pos);
    if (eol == std::string_view::npos) eol = stanza.size();
    std::string_view value;
    if (field_is(stanza.substr(pos, eol - pos), field, value)) return value;
    pos = eol + 1;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Load this machine's Debian package index into alder and query it"};
  std::string db_path = (fs::temp_directory_path() / "alder-debian-packages.alder").string();
  std::vector<std::string> inputs;
  std::string lookup = "bash";
  std::string prefix = "lib";
  std::size_t top = 10;
  bool keep = false;
  app.add_option("--db", db_path, "database file to create (replaced if present)")
      ->capture_default_str();
  app.add_option("--input", inputs,
                 "index files to read instead of /var/lib/apt/lists/*_Packages*");
  app.add_option("--lookup", lookup, "package to look up by name")->capture_default_str();
  app.add_option("--prefix", prefix, "name prefix to scan")->capture_default_str();
  app.add_option("--top", top, "sections to list")->capture_default_str();
  app.add_flag("--keep", keep, "keep the database file at the end");
  CLI11_PARSE(app, argc, argv);

  bool all_ok = true;
  auto check = [&all_ok](bool ok, const std::string& what) {
    if (!ok) {
      all_ok = false;
      std::cout << "CHECK FAILED: " << what << "\n";
    }
  };

  try {
    const auto t_total = Clock::now();

    // 1. Read the index files.
    std::vector<Source> sources;
    if (inputs.empty()) {
      sources = find_sources();
    } else {
      for (const std::string& p : inputs) {
        bool compressed = false;
        is_packages_file(fs::path(p).filename().string(), compressed);
        sources.push_back(Source{p, compressed, {}, 0});
      }
    }
    auto t0 = Clock::now();
    std::uint64_t input_bytes = 0;
    for (Source& s : sources) {
      s.text = s.compressed ? run_capture({kAptHelper, "cat-file", s.path})
                            : read_plain(s.path);
      input_bytes += s.text.size();
    }
    step(ms_since(t0), "read " + std::to_string(sources.size()) +
                           " index file(s), " + mib(input_bytes) + " of text");

    // 2. Parse the stanzas.
    t0 = Clock::now();
    std::vector<Record> records;
    std::uint64_t nameless = 0;
    for (Source& s : sources) {
      const std::size_t before = records.size();
      nameless += parse_stanzas(s.text, records);
      s.records = records.size() - before;
    }
    step(ms_since(t0), "parsed " + with_commas(records.size()) + " records (" +
                           with_commas(nameless) + " without a Package: field)");
    for (const Source& s : sources) {
      std::cout << "               " << with_commas(s.records) << " records  "
                << s.path << (s.compressed ? "  (via apt-helper cat-file)" : "")
                << "\n";
    }
    if (records.empty()) {
      std::cerr << "no package records found\n";
      return 1;
    }

    // 3. Load: one write transaction, both dbs.
    std::error_code ec;
    fs::remove(db_path, ec);
    t0 = Clock::now();
    alder::Env env = alder::Env::open(db_path);
    std::vector<Record> unique;  // first record of each name, input order
    unique.reserve(records.size());
    std::uint64_t duplicates = 0, too_long = 0;
    alder::Dbi by_section = 0;
    {
      alder::Txn txn = env.begin_write();
      by_section = txn.open_db("by_section", alder::DbFlags::create);
      std::string skey;
      const std::size_t max_key = env.max_key_size();
      for (const Record& r : records) {
        if (r.name.size() > max_key || r.section.size() + 1 + r.name.size() > max_key) {
          ++too_long;
          continue;
        }
        if (!txn.put(alder::kMainDbi, r.name, r.stanza, alder::PutFlags::no_overwrite)) {
          ++duplicates;
          continue;
        }
        skey.assign(r.section);
        skey.push_back('\0');
        skey.append(r.name);
        txn.put(by_section, skey, "");
        unique.push_back(r);
      }
      txn.commit();
    }
    const double load_ms = ms_since(t0);
    step(load_ms, "loaded " + with_commas(unique.size()) +
                      " packages in one write txn (open + puts + commit, " +
                      per_second(records.size(), load_ms) + "); " +
                      with_commas(duplicates) + " duplicate names kept their first record" +
                      (too_long ? ", " + with_commas(too_long) + " names too long" : ""));

    // Expected answers, computed from the parsed input.
    std::map<std::string_view, std::uint64_t> expect_sections;
    std::uint64_t expect_prefix = 0;
    for (const Record& r : unique) {
      ++expect_sections[r.section];
      if (r.name.substr(0, prefix.size()) == prefix) ++expect_prefix;
    }
    if (lookup.empty()) lookup = std::string(unique.front().name);

    // 4. Look up one package by name.
    {
      alder::Txn txn = env.begin_read();
      t0 = Clock::now();
      std::optional<std::string_view> v = txn.get(lookup);
      const double ms = ms_since(t0);
      if (!v) {
        step(ms, "get(\"" + lookup + "\"): not in the index; using the first package");
        lookup = std::string(unique.front().name);
        t0 = Clock::now();
        v = txn.get(lookup);
      }
      check(v.has_value(), "lookup of " + lookup);
      if (v) {
        step(ms_since(t0), "get(\"" + lookup + "\"): " + std::to_string(v->size()) +
                               "-byte record, Version " +
                               std::string(field_of(*v, "Version")) + ", Section " +
                               std::string(field_of(*v, "Section")));
        std::cout << "               Description: " << field_of(*v, "Description") << "\n";
      }
    }

    // 5. Read every package back and compare with the input.
    {
      alder::Txn txn = env.begin_read();
      t0 = Clock::now();
      std::uint64_t missing = 0, different = 0;
      for (const Record& r : unique) {
        const std::optional<std::string_view> v = txn.get(r.name);
        if (!v) {
          ++missing;
        } else if (*v != r.stanza) {
          ++different;
        }
      }
      const double ms = ms_since(t0);
      step(ms, "read back all " + with_commas(unique.size()) + " packages by name (" +
                   per_second(unique.size(), ms) + "): " + with_commas(missing) +
                   " missing, " + with_commas(different) + " different");
      check(missing == 0 && different == 0, "every package reads back as loaded");
    }

    // 6. Prefix scan.
    {
      alder::Txn txn = env.begin_read();
      t0 = Clock::now();
      std::uint64_t n = 0;
      std::vector<std::string> first;
      for (alder::Entry e : txn.prefix(alder::kMainDbi, prefix)) {
        if (first.size() < 5) first.emplace_back(e.key);
        ++n;
      }
      std::string shown;
      for (const std::string& k : first) shown += (shown.empty() ? "" : ", ") + k;
      step(ms_since(t0), "prefix(\"" + prefix + "\"): " + with_commas(n) +
                             " packages; first: " + shown);
      check(n == expect_prefix, "prefix count " + std::to_string(n) +
                                    " == expected " + std::to_string(expect_prefix));
    }

    // 7. Packages per section, by a scan of by_section.
    {
      alder::Txn txn = env.begin_read();
      t0 = Clock::now();
      std::vector<std::pair<std::string, std::uint64_t>> counts;
      std::uint64_t scanned = 0;
      bool well_formed = true;
      alder::Cursor c = txn.cursor(by_section);
      for (bool ok = c.first(); ok; ok = c.next()) {
        const std::string_view k = c.key();
        const std::size_t nul = k.find('\0');
        if (nul == std::string_view::npos) {
          well_formed = false;
          continue;
        }
        const std::string_view section = k.substr(0, nul);
        if (counts.empty() || counts.back().first != section) {
          counts.emplace_back(std::string(section), 0);
        }
        ++counts.back().second;
        ++scanned;
      }
      std::stable_sort(counts.begin(), counts.end(),
                       [](const auto& a, const auto& b) { return a.second > b.second; });
      step(ms_since(t0), "scanned by_section: " + with_commas(scanned) + " keys, " +
                             std::to_string(counts.size()) + " sections; top " +
                             std::to_string(std::min(top, counts.size())) + ":");
      for (std::size_t i = 0; i < counts.size() && i < top; ++i) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "               %8s  %s",
                      with_commas(counts[i].second).c_str(), counts[i].first.c_str());
        std::cout << buf << "\n";
      }
      bool match = well_formed && counts.size() == expect_sections.size();
      for (const auto& [section, n] : counts) {
        auto it = expect_sections.find(section);
        match = match && it != expect_sections.end() && it->second == n;
      }
      check(scanned == unique.size() && match,
            "section counts from by_section match the input");
    }

    // 8. Verify every page.
    {
      t0 = Clock::now();
      const alder::VerifyResult vr = env.verify();
      step(ms_since(t0), std::string("verify: ") + (vr.ok() ? "ok" : "FAILED: " + vr.error) +
                             ", " + with_commas(vr.pages_checked) + " pages checked, " +
                             with_commas(vr.entries) + " entries");
      check(vr.ok(), "env.verify()");
    }

    // 9. Figures.
    {
      t0 = Clock::now();
      const alder::EnvStat st = env.stat();
      alder::DbStat bs;
      {
        alder::Txn txn = env.begin_read();
        bs = txn.db_stat(by_section);
      }
      step(ms_since(t0), "stat:");
      std::cout << "               file " << with_commas(st.file_size) << " bytes ("
                << mib(st.file_size) << "), page size " << st.page_size << ", "
                << with_commas(st.used_pages) << " pages used, "
                << with_commas(st.free_pages) << " free, last txn "
                << st.last_txn_id << ", " << st.named_dbs << " named db(s)\n";
      std::cout << "               main db:    " << with_commas(st.main.entries)
                << " entries, depth " << st.main.depth << ", "
                << with_commas(st.main.branch_pages) << " branch + "
                << with_commas(st.main.leaf_pages) << " leaf + "
                << with_commas(st.main.overflow_pages) << " overflow pages\n";
      std::cout << "               by_section: " << with_commas(bs.entries)
                << " entries, depth " << bs.depth << ", "
                << with_commas(bs.branch_pages) << " branch + "
                << with_commas(bs.leaf_pages) << " leaf pages\n";
      check(st.main.entries == unique.size(), "main db entries == packages loaded");
      check(bs.entries == unique.size(), "by_section entries == packages loaded");
    }

    // 10. Close, reopen read-only, look up again.
    {
      t0 = Clock::now();
      env.close();
      const double close_ms = ms_since(t0);
      const std::uint64_t size = fs::file_size(db_path);
      step(close_ms, "close: file is " + with_commas(size) + " bytes (" + mib(size) +
                         ") for " + mib(input_bytes) + " of input text");
      t0 = Clock::now();
      alder::EnvOptions ro;
      ro.read_only = true;
      alder::Env env2 = alder::Env::open(db_path, ro);
      alder::Txn txn = env2.begin_read();
      const std::optional<std::string_view> v = txn.get(lookup);
      step(ms_since(t0), "reopen read-only + get(\"" + lookup + "\"): " +
                             (v ? "found, Version " + std::string(field_of(*v, "Version"))
                                : std::string("NOT FOUND")));
      check(v.has_value(), "lookup after reopen");
      txn.abort();
      env2.close();
    }
    if (!keep) fs::remove(db_path, ec);

    step(ms_since(t_total), std::string("total; ") +
                                (all_ok ? "all checks passed" : "SOME CHECKS FAILED") +
                                (keep ? "; database kept at " + db_path : ""));
  } catch (const alder::Error& e) {
    std::cerr << "alder error (" << alder::error_name(e.code()) << "): " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return all_ok ? 0 : 1;
}
