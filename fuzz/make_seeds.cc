// make_seeds: writes the seed corpora of the two fuzzers.
//   make_seeds OUTDIR   writes OUTDIR/file/* (fuzz_file) and OUTDIR/ops/* (fuzz_ops)
// The committed seeds in fuzz/corpus/ were made with it (scripts/fuzz.sh
// --seeds regenerates them). Checks what it makes: every data file it writes
// must reopen and verify, and be small enough for fuzz_file's -max_len.
//
// fuzz_file seeds: a mode byte (see fuzz_file.cc) + a valid alder file, at
// page sizes 512 to 4096, with named dbs, overflow values, several commits,
// a freelist; some copied while the env was still open (two different metas,
// a recovery walk at open), the rest after a clean close.
// fuzz_ops seeds: short hand-written streams (format in fuzz_common.h).
#include <alder/alder.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_common.h"

namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxLen = 65536;  // fuzz_file's -max_len in scripts/fuzz.sh

std::string read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_all(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string key(int i, int width = 0) {
  char b[32];
  std::snprintf(b, sizeof b, "key%05d", i);
  return std::string(b) + std::string(size_t(width), char('a' + i % 26));
}

std::string val(int i, size_t n) {
  std::string v(n, char('A' + i % 26));
  std::string t = std::to_string(i);
  v.replace(0, std::min(t.size(), n), t.substr(0, n));
  return v;
}

struct FileSeed {
  std::string name;
  uint32_t page_size;
  bool copy_while_open;  // take the bytes before close (unclean)
  std::function<void(alder::Env&)> fill;
  std::vector<uint8_t> modes;
};

// Builds the file, takes its bytes (while open or after close), checks that
// they reopen and verify, and writes one seed per mode byte.
void make_file_seed(const fs::path& out, const FileSeed& s) {
  const std::string tmp = alder_fuzz::scratch_dir() + "/seed.alder";
  alder_fuzz::clean_scratch();
  alder::EnvOptions o;
  o.page_size = s.page_size;
  // Unclean seeds: no_sync, so the copy holds unsynced commits for the
  // recovery walk. A small max_size keeps the file small before close trims it.
  o.durability = s.copy_while_open ? alder::Durability::no_sync : alder::Durability::sync;
  o.max_size = 15 * 4096;
  std::string bytes;
  {
    alder::Env env = alder::Env::open(tmp, o);
    s.fill(env);
    if (s.copy_while_open) {
      bytes = read_all(tmp);
      // Trim to the used pages (the file may have grown past them).
      bytes.resize(std::min<size_t>(bytes.size(), env.stat().used_pages * s.page_size));
    }
    env.close();
  }
  if (!s.copy_while_open) bytes = read_all(tmp);
  write_all(tmp, bytes);
  {
    alder::EnvOptions ro;
    ro.read_only = true;
    ro.create = false;
    alder::Env env = alder::Env::open(tmp, ro);
    alder::VerifyResult v = env.verify();
    if (!v.ok()) throw std::runtime_error(s.name + ": seed does not verify: " + v.error);
  }
  if (bytes.size() + 1 > kMaxLen)
    throw std::runtime_error(s.name + ": seed of " + std::to_string(bytes.size()) +
                             " bytes exceeds -max_len");
  for (uint8_t m : s.modes) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "-m%u", m);
    write_all(out / (s.name + suffix), std::string(1, char(m)) + bytes);
  }
}

void commit_puts(alder::Env& env, alder::Dbi dbi, int from, int to, size_t vlen, int width = 0) {
  alder::Txn w = env.begin_write();
  for (int i = from; i < to; i++) w.put(dbi, key(i, width), val(i, vlen));
  w.commit();
}

void commit_dels(alder::Env& env, alder::Dbi dbi, int from, int to, int step) {
  alder::Txn w = env.begin_write();
  for (int i = from; i < to; i += step) w.del(dbi, key(i));
  w.commit();
}

alder::Dbi create_db(alder::Env& env, const std::string& name,
                     const alder::DbOptions& o = {}) {
  alder::Txn w = env.begin_write();
  alder::Dbi d = w.open_db(name, alder::DbFlags::create, o);
  w.commit();
  return d;
}

alder::DbOptions compressed(alder::Compression c, bool dict) {
  alder::DbOptions o;
  o.compression = c;
  if (dict)
    for (int i = 0; i < 20; i++) o.dictionary += "key value text of a record 0123456789 ";
  return o;
}

std::vector<FileSeed> file_seeds() {
  // Mode bits: 1 reseal, 2 read-write, 4 write, 8 spill.
  return {
      {"empty-512", 512, false, [](alder::Env&) {}, {6}},
      {"small-512", 512, false,
       [](alder::Env& e) {
         commit_puts(e, alder::kMainDbi, 0, 40, 8);
         commit_puts(e, alder::kMainDbi, 20, 60, 12);
         commit_dels(e, alder::kMainDbi, 0, 60, 3);
       },
       {0, 7}},
      {"named-overflow-512", 512, false,
       [](alder::Env& e) {
         alder::Dbi a = create_db(e, "alpha"), b = create_db(e, "beta");
         commit_puts(e, alder::kMainDbi, 0, 10, 300);  // overflow values
         commit_puts(e, a, 0, 30, 20);
         commit_puts(e, b, 0, 3, 1500);  // multi-page runs
       },
       {3, 15}},
      {"deep-512", 512, false,
       [](alder::Env& e) { commit_puts(e, alder::kMainDbi, 0, 120, 10, 40); },
       {0, 7}},
      {"freelist-1024", 1024, false,
       [](alder::Env& e) {
         commit_puts(e, alder::kMainDbi, 0, 300, 30);
         commit_dels(e, alder::kMainDbi, 0, 300, 1);
         commit_puts(e, alder::kMainDbi, 0, 20, 30);
       },
       {6}},
      {"unclean-1024", 1024, true,
       [](alder::Env& e) {
         alder::Dbi a = create_db(e, "alpha");
         commit_puts(e, alder::kMainDbi, 0, 60, 20);
         e.sync();
         commit_puts(e, a, 0, 20, 200);
         commit_dels(e, alder::kMainDbi, 0, 60, 2);
       },
       {0, 7}},
      {"unclean-512", 512, true,
       [](alder::Env& e) {
         commit_puts(e, alder::kMainDbi, 0, 30, 10);
         e.sync();
         commit_puts(e, alder::kMainDbi, 30, 60, 10);
       },
       {6}},
      {"small-2048", 2048, false,
       [](alder::Env& e) {
         alder::Dbi g = create_db(e, "gamma");
         commit_puts(e, alder::kMainDbi, 0, 30, 16);
         commit_puts(e, g, 0, 1, 3000);
       },
       {0, 6}},
      {"compressed-1024", 1024, false,  // lz4, zstd, zstd + dictionary (format v2)
       [](alder::Env& e) {
         alder::Dbi l = create_db(e, "lz4", compressed(alder::Compression::lz4, false));
         alder::Dbi z = create_db(e, "zstd", compressed(alder::Compression::zstd, false));
         alder::Dbi d = create_db(e, "zdict", compressed(alder::Compression::zstd, true));
         commit_puts(e, l, 0, 30, 200);
         commit_puts(e, z, 0, 30, 120);
         commit_puts(e, d, 0, 20, 3000);  // compressed, still on overflow runs
         commit_dels(e, z, 0, 30, 4);
       },
       {0, 7}},
      {"named-4096", 4096, false,
       [](alder::Env& e) {
         alder::Dbi a = create_db(e, "alpha");
         commit_puts(e, alder::kMainDbi, 0, 30, 24);
         commit_puts(e, a, 0, 1, 5000);
       },
       {14}},
  };
}

// ---- fuzz_ops streams -------------------------------------------------------

using namespace alder_fuzz::ops;
using Stream = std::vector<uint8_t>;

std::vector<std::pair<std::string, Stream>> ops_seeds() {
  const uint8_t main = 0, alpha = 1, beta = 2;
  const uint8_t any = 0, sync = 1, grow = 2, trunc = 3, open = 5;
  return {
      {"basic", {0,  kPut, main, 1, 9,  kPut, main, 2, 17, kGet, main, 1, 0, kCommit,
                 kGet, main, 2, 1, kScan, main, 0, 10, 0, kDel, main, 1, kAbort,
                 kScan, main, 0, 10, 1, kReopen, kVerify}},
      {"named", {kPage1024, kOpenDb, alpha, kOpenDb, beta, kPut, alpha, 3, 12, kPut, beta, 4, 5,
                 kCommit, kDropDb, beta, 0, kPut, alpha, 8, 14, kCommit, kReopen,
                 kScan, alpha, 0, 0, 12, kDropDb, alpha, 1, kCommit, kReopen}},
      {"splits", {0, kPutMany, main, 0, 15, 4, kPutMany, main, 16, 15, 5, kCommit,
                  kSnapBegin, 0, kDelMany, main, 4, 15, kPutMany, main, 40, 15, 6, kCommit,
                  kSnapCheck, 0, main, 1, kScan, main, 0, 63, 13, kReopen}},
      {"sync-fault", {uint8_t(2 << kDurShift), kPut, main, 5, 9, kCommit, kFault, sync, 0, 0,
                      kSync, kPut, main, 6, 9, kCommit, kReopen}},
      {"commit-fault", {0, kPut, main, 5, 9, kCommit, kFault, sync, 0, 0, kPut, main, 7, 9,
                        kCommit, kGet, main, 7, 1, kPut, main, 8, 9, kCommit, kReopen}},
      {"grow-fault", {0, kFault, grow, 0, 3, kPutMany, main, 0, 15, 6, kPut, main, 3, 3, kCommit,
                      kPut, main, 4, 4, kCommit, kReopen}},
      {"close-fault", {uint8_t(1 << kDurShift), kPut, main, 2, 2, kCommit, kFault, trunc, 0, 0,
                       kReopen, kFault, open, 0, 0, kReopen, kFault, any, 3, 2, kPut, main, 9, 9,
                       kCommit, kReopen}},
      {"cursor", {kPage1024, kPutMany, main, 0, 12, 1, kCursor, main, 3, 0, 1, kCursor, main, 5,
                  1, 2, kCursor, main, 7, 2, 3, kCursor, main, 9, 3, 4, kCommit,
                  kScan, main, 0, 0, 12}},
      {"mapfull", {kSmallMap, kPutMany, main, 0, 15, 6, kPutMany, main, 16, 15, 6, kCommit,
                   kPutFlags, main, 70, 1, 1, kPutFlags, main, 1, 1, 2, kCommit, kReopen}},
      // Frees more pages in one commit than the meta's inline freelist holds:
      // the freelist B+tree, reuse of its pages, a held snapshot.
      {"freelist", {0, kPutMany, main, 0, 15, 6, kPutMany, main, 15, 15, 6, kPutMany, main, 30, 15,
                    6, kCommit, kSnapBegin, 1, kDropDb, main, 1, kCommit, kPutMany, main, 0, 15, 5,
                    kCommit, kSnapCheck, 1, main, 1, kPutMany, main, 20, 15, 6, kCommit, kVerify,
                    kReopen, kScan, main, 0, 0, 8 | 2}},
      {"writemap", {uint8_t(kSpill | kFewDbs), kOpenDb, alpha, kOpenDb, beta, kOpenDb, 3,
                    kPut, alpha, 1, 1, kCommit, kFault, sync, 1, 2, kPut, alpha, 2, 2, kCommit,
                    kPut, alpha, 3, 3, kCommit, kReopen}},
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds OUTDIR\n";
    return 2;
  }
  try {
    fs::path out = argv[1];
    fs::create_directories(out / "file");
    fs::create_directories(out / "ops");
    for (const FileSeed& s : file_seeds()) make_file_seed(out / "file", s);
    for (const auto& [name, bytes] : ops_seeds())
      write_all(out / "ops" / name, std::string(bytes.begin(), bytes.end()));
  } catch (const std::exception& e) {
    std::cerr << "make_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
