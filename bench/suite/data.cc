#include "data.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>

namespace bench {

namespace {

void fill(std::vector<char>& v, std::size_t bytes, std::mt19937_64& rng) {
  v.resize(bytes);
  std::size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    const std::uint64_t r = rng();
    std::memcpy(v.data() + i, &r, 8);
  }
  for (; i < bytes; ++i) v[i] = static_cast<char>(rng());
}

std::vector<std::uint32_t> sorted_by_key(const Data& d, std::vector<std::uint32_t> idx) {
  std::sort(idx.begin(), idx.end(), [&d](std::uint32_t a, std::uint32_t b) { return d.key(a) < d.key(b); });
  return idx;
}

// Entries with key >= key(i) in sorted (indices ordered by key), capped at n.
std::uint64_t count_from(const Data& d, const std::vector<std::uint32_t>& sorted, std::uint32_t i,
                         std::uint64_t n) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), d.key(i),
                                   [&d](std::uint32_t a, std::string_view k) { return d.key(a) < k; });
  return std::min<std::uint64_t>(n, static_cast<std::uint64_t>(sorted.end() - it));
}

// Vocabularies of the text records (data.h, text_record).
constexpr const char* kStems[] = {
    "gtk", "qt", "kde", "gnome", "xml", "json", "http", "ssl", "sql", "net", "core", "util",
    "font", "audio", "video", "image", "gl", "sdl", "boost", "perl", "python", "ruby", "node",
    "java", "go", "rust", "haskell", "ocaml", "lua", "tcl", "emacs", "vim", "tex", "doc", "data",
    "crypt", "zip", "png", "jpeg", "curl", "dbus", "glib", "cairo", "pango", "udev", "pam",
    "krb", "ldap", "mesa", "pulse", "alsa", "wayland", "xcb", "icu", "yaml", "zmq", "uv", "ev"};
constexpr const char* kSuffixes[] = {"", "-dev", "-doc", "-common", "-data", "1", "2", "-bin",
                                     "-utils", "-tools", "0", "-plugins"};
constexpr const char* kSections[] = {"libs", "libdevel", "utils", "devel", "doc", "python", "perl",
                                     "net", "admin", "text", "x11", "graphics", "sound", "video",
                                     "science", "math", "games", "web", "haskell", "ocaml",
                                     "golang", "rust", "java", "javascript", "misc", "fonts"};
constexpr const char* kPeople[] = {"Debian QA Group <packages@qa.debian.org>",
                                   "Debian Python Team <team+python@tracker.debian.org>",
                                   "Debian Perl Group <pkg-perl-maintainers@lists.alioth.debian.org>",
                                   "Debian Haskell Group <pkg-haskell-maintainers@lists.alioth.debian.org>",
                                   "Debian Go Packaging Team <team+pkg-go@tracker.debian.org>",
                                   "Debian Rust Maintainers <pkg-rust-maintainers@alioth-lists.debian.net>",
                                   "Debian Java Maintainers <pkg-java-maintainers@lists.alioth.debian.org>",
                                   "Debian X Strike Force <debian-x@lists.debian.org>"};
constexpr const char* kFirst[] = {"Anna", "Jonas", "Maria", "Peter", "Laura", "Thomas", "Chen",
                                  "Sofia", "Daniel", "Yuki", "Matthias", "Elena", "Pierre", "Ravi"};
constexpr const char* kLast[] = {"Schmidt", "Garcia", "Rossi", "Novak", "Kowalski", "Dubois",
                                 "Tanaka", "Jensen", "Moreau", "Silva", "Fischer", "Murphy"};
constexpr const char* kWords[] = {
    "library", "for", "the", "and", "of", "to", "a", "with", "support", "development", "files",
    "documentation", "runtime", "module", "tool", "tools", "plugin", "interface", "bindings",
    "command-line", "utility", "data", "shared", "static", "implementation", "client", "server",
    "framework", "parser", "toolkit", "based", "on", "in", "fast", "simple", "lightweight",
    "extension", "extensions", "protocol", "format", "graphical", "GTK", "Qt", "Python", "Perl",
    "Haskell", "Go", "Rust", "OCaml", "Java", "API", "engine", "manager", "system", "network",
    "web", "file", "image", "audio", "video", "text", "editor", "viewer", "debugging", "symbols",
    "test", "suite", "language", "generic", "portable", "(transitional", "package)", "common",
    "fonts", "backend", "frontend", "headers", "utilities", "scientific", "numerical", "game"};
constexpr const char* kTags[] = {"devel::library", "role::devel-lib", "implemented-in::c",
                                 "implemented-in::python", "role::program", "interface::commandline",
                                 "scope::utility", "use::editing", "works-with::text",
                                 "role::documentation", "uitoolkit::gtk", "network::client"};

template <std::size_t N>
const char* pick(std::mt19937_64& rng, const char* const (&from)[N]) {
  return from[rng() % N];
}

std::string hex(std::mt19937_64& rng, std::size_t digits) {
  static const char kHex[] = "0123456789abcdef";
  std::string s(digits, '0');
  for (char& c : s) c = kHex[rng() % 16];
  return s;
}

std::string words(std::mt19937_64& rng, std::size_t n, const char* sep, const char* const* from,
                  std::size_t count) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += (i ? sep : "") + std::string(from[rng() % count]);
  return s;
}

std::string package_name(std::mt19937_64& rng) {
  std::string n = rng() % 2 ? "lib" : rng() % 2 ? "python3-" : "";
  n += pick(rng, kStems);
  if (rng() % 2) n += std::string("-") + pick(rng, kStems);
  return n + pick(rng, kSuffixes);
}

}  // namespace

std::string text_record(std::mt19937_64& rng, const std::string& name) {
  const auto num = [&rng](std::uint64_t n) { return std::to_string(rng() % n); };
  const std::string version = num(5) + "." + num(20) + "." + num(10) + "-" + std::to_string(1 + rng() % 4) +
                              (rng() % 4 ? "" : "+b" + std::to_string(1 + rng() % 3));
  const std::string arch = rng() % 3 ? "amd64" : "all";
  const std::string source = rng() % 2 ? name : std::string(pick(rng, kStems)) + "-" + pick(rng, kStems);
  std::string r = "Package: " + name + "\n";
  if (source != name) r += "Source: " + source + "\n";
  r += "Version: " + version + "\nInstalled-Size: " + num(60000) + "\nMaintainer: ";
  r += rng() % 2 ? std::string(pick(rng, kPeople))
                 : std::string(pick(rng, kFirst)) + " " + pick(rng, kLast) + " <" + hex(rng, 2) + "@debian.org>";
  r += "\nArchitecture: " + arch + "\n";
  if (rng() % 3 == 0) r += std::string("Multi-Arch: ") + (rng() % 2 ? "same" : "foreign") + "\n";
  std::string deps = "libc6 (>= 2." + std::to_string(14 + rng() % 23) + ")";
  for (std::uint64_t i = rng() % 8; i > 0; --i)
    deps += ", lib" + std::string(pick(rng, kStems)) + std::to_string(rng() % 4) + " (>= " + num(4) + "." + num(30) + ")";
  r += "Depends: " + deps + "\n";
  if (rng() % 5 == 0) r += "Recommends: " + package_name(rng) + ", " + package_name(rng) + "\n";
  r += "Description: " + words(rng, 3 + rng() % 8, " ", kWords, std::size(kWords)) + "\n";
  if (rng() % 5 < 3) r += "Homepage: https://github.com/" + source + "/" + source + "\n";
  r += "Description-md5: " + hex(rng, 32) + "\n";
  if (rng() % 3 == 0) r += "Tag: " + words(rng, 2 + rng() % 5, ", ", kTags, std::size(kTags)) + "\n";
  r += std::string("Section: ") + pick(rng, kSections) + "\nPriority: optional\n";
  r += "Filename: pool/main/" + source.substr(0, 1) + "/" + source + "/" + name + "_" + version + "_" + arch + ".deb\n";
  r += "Size: " + num(3000000) + "\nMD5sum: " + hex(rng, 32) + "\nSHA256: " + hex(rng, 64) + "\n";
  return r;
}

std::uint64_t Data::remaining_from(std::uint32_t i, std::uint64_t n) const {
  return count_from(*this, remaining, i, n);
}

Data make_data(const Plan& plan) {
  Data d;
  d.plan = plan;
  d.total = plan.items + plan.repeat * plan.extra();
  std::mt19937_64 rng(plan.seed);
  fill(d.keys, d.total * plan.key_bytes, rng);
  fill(d.values, d.total * plan.value_bytes, rng);
  fill(d.blob, plan.mixed_max_value * 2, rng);

  std::vector<std::uint32_t> all(d.total);
  std::iota(all.begin(), all.end(), 0u);
  const std::vector<std::uint32_t> all_sorted = sorted_by_key(d, all);
  for (std::size_t i = 1; i < all_sorted.size(); ++i) {
    if (d.key(all_sorted[i - 1]) == d.key(all_sorted[i])) throw std::runtime_error("duplicate random key; change --seed");
  }
  d.sorted = sorted_by_key(d, std::vector<std::uint32_t>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(plan.items)));

  std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(plan.items - 1));
  d.read_order.resize(plan.reads);
  for (auto& i : d.read_order) i = pick(rng);
  d.scan_order.resize(plan.range_scans);
  for (auto& i : d.scan_order) i = pick(rng);
  // Range scans run after all writes: every key [0, total) is present.
  for (const std::uint32_t i : d.scan_order) d.scan_expected += count_from(d, all_sorted, i, plan.range_len);

  // Removals: every even-numbered loaded key (keys are random: a random half).
  std::vector<std::uint32_t> left;
  for (std::uint32_t i = 0; i < d.total; ++i) {
    if (i < plan.items && i % 2 == 0) {
      d.removed.push_back(i);
    } else {
      left.push_back(i);
    }
  }
  d.remaining = sorted_by_key(d, std::move(left));

  // Text records: a name drawn again when taken, numbered after a few tries.
  std::set<std::string> names;
  for (std::uint64_t i = 0; i < plan.text_items; ++i) {
    std::string name = package_name(rng);
    for (int tries = 0; names.contains(name); ++tries) {
      name = tries < 4 ? package_name(rng) : name + std::to_string(rng() % 10);
    }
    names.insert(name);
    d.text_values.push_back(text_record(rng, name));
    d.text_keys.push_back(std::move(name));
  }
  return d;
}

}  // namespace bench
