// The same records in RocksDB (issue #14: alder's compressed file beside
// RocksDB's on the Debian package index), e.g.
//
//   build/tools/alder load-debian deb.alder
//   build/bench/rocksdb_size deb.alder /tmp/deb-rocks [dict]
//
// Loads every entry of every db of an alder file into one RocksDB (zstd;
// "dict": with a 64 KiB dictionary trained from 6.4 MB of samples), keys
// prefixed with the db name and a NUL, then compacts, closes and prints the
// bytes of the directory and of its .sst files.
#include <alder/alder.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s ALDER_FILE ROCKSDB_DIR [dict]\n", argv[0]);
    return 2;
  }
  const bool dict = argc > 3 && std::strcmp(argv[3], "dict") == 0;

  alder::EnvOptions ro;
  ro.read_only = true;
  alder::Env env = alder::Env::open(argv[1], ro);
  std::filesystem::remove_all(argv[2]);

  rocksdb::Options o;
  o.create_if_missing = true;
  o.compression = rocksdb::kZSTD;
  o.bottommost_compression = rocksdb::kZSTD;
  if (dict) {
    o.compression_opts.max_dict_bytes = 64 << 10;
    o.compression_opts.zstd_max_train_bytes = 6400 << 10;
    o.bottommost_compression_opts = o.compression_opts;
    o.bottommost_compression_opts.enabled = true;
  }
  rocksdb::DB* db;
  auto s = rocksdb::DB::Open(o, argv[2], &db);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }

  alder::Txn t = env.begin_read();
  std::vector<std::string> names = t.list_dbs();
  names.insert(names.begin(), "");  // the main db
  size_t n = 0;
  size_t bytes = 0;
  for (auto& name : names) {
    alder::Dbi d = name.empty() ? alder::kMainDbi : t.open_db(name);
    alder::Cursor c = t.cursor(d);
    for (bool ok = c.first(); ok; ok = c.next()) {
      std::string k = name + '\0' + std::string(c.key());
      db->Put(rocksdb::WriteOptions(), k, rocksdb::Slice(c.value().data(), c.value().size()));
      n++;
      bytes += k.size() + c.value().size();
    }
  }
  db->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr);
  db->Flush(rocksdb::FlushOptions());
  delete db;

  uint64_t total = 0;
  uint64_t sst = 0;
  for (auto& e : std::filesystem::directory_iterator(argv[2])) {
    total += e.file_size();
    if (e.path().extension() == ".sst") {
      sst += e.file_size();
    }
  }
  std::printf("%zu entries, %zu bytes of keys+values; dir %lu bytes, sst %lu bytes\n", n, bytes, total, sst);
}
