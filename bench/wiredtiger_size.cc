// The same records in WiredTiger (issue #14: alder's compressed file beside
// RocksDB's and WiredTiger's on the Debian package index), e.g.
//
//   build/tools/alder load-debian deb.alder
//   build/bench/wiredtiger_size deb.alder /tmp/deb-wt snappy|zlib|none
//
// Loads every entry of every db of an alder file into one WiredTiger table,
// keys prefixed with the db name and a NUL (as bench/rocksdb_size does), then
// checkpoints, closes and prints the bytes of the directory and of the
// table's .wt file.
//
// Table: row store, key_format=u,value_format=u, block_compressor = the
// third argument. The extension is loaded from the path CMake found
// (bench/CMakeLists.txt); Debian 12's libwiredtiger 3.2.1 ships snappy and
// zlib extensions, no zstd. Leaf pages as in bench/suite/wiredtiger.cc's
// compressible-values rows: that adapter sets no page options, so these are
// WiredTiger's defaults, not set here either: leaf_page_max=32KB,
// memory_page_image_max=0 (4 x leaf_page_max), leaf_value_max=0 (values
// over half a newly split leaf page go to overflow pages),
// internal_page_max=4KB, allocation_size=4KB, split_pct=90,
// prefix_compression=false. Without a compressor a leaf page holds up to
// 32 KiB; with one, WiredTiger grows the uncompressed image it compresses
// from the ratios it sees, up to 128 KiB, aiming at 32 KiB blocks after
// compression (so compressed sizes vary a little from run to run).
//
// Logging is off (the file is written by the final checkpoint), so the
// directory holds no log files; cache_size=512M.
#include <alder/alder.hpp>
#include <wiredtiger.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char* kUri = "table:alder";
constexpr const char* kFile = "alder.wt";

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s ALDER_FILE WT_DIR snappy|zlib|none\n", argv0);
  return 2;
}

bool check(int rc, const char* what) {
  if (rc == 0) {
    return true;
  }
  std::fprintf(stderr, "WiredTiger %s: %s\n", what, wiredtiger_strerror(rc));
  return false;
}

WT_ITEM item(std::string_view s) {
  WT_ITEM i{};
  i.data = s.data();
  i.size = s.size();
  return i;
}

// The extension library for a compressor, "" for none, nullptr if this
// build found none for it.
const char* extension_for(const std::string& compressor) {
  if (compressor == "none") {
    return "";
  }
  if (compressor == "snappy") {
#ifdef ALDER_WT_SNAPPY_LIB
    return ALDER_WT_SNAPPY_LIB;
#else
    return nullptr;
#endif
  }
  if (compressor == "zlib") {
#ifdef ALDER_WT_ZLIB_LIB
    return ALDER_WT_ZLIB_LIB;
#else
    return nullptr;
#endif
  }
  return nullptr;
}

int run(int argc, char** argv) {
  if (argc != 4) {
    return usage(argv[0]);
  }
  const std::string compressor = argv[3];
  if (compressor != "snappy" && compressor != "zlib" && compressor != "none") {
    return usage(argv[0]);
  }
  const char* extension = extension_for(compressor);
  if (extension == nullptr) {
    std::fprintf(stderr, "no WiredTiger %s extension was found at build time\n", compressor.c_str());
    return 1;
  }

  alder::EnvOptions ro;
  ro.read_only = true;
  alder::Env env = alder::Env::open(argv[1], ro);

  const std::filesystem::path dir = argv[2];
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  std::string conn_cfg = "create,cache_size=512M,log=(enabled=false)";
  if (*extension != '\0') {
    conn_cfg += ",extensions=[\"";
    conn_cfg += extension;
    conn_cfg += "\"]";
  }
  const std::string table_cfg = "key_format=u,value_format=u,block_compressor=" + compressor;

  WT_CONNECTION* conn = nullptr;
  if (!check(wiredtiger_open(dir.c_str(), nullptr, conn_cfg.c_str(), &conn), "open")) {
    return 1;
  }
  WT_SESSION* session = nullptr;
  if (!check(conn->open_session(conn, nullptr, nullptr, &session), "open_session")) {
    return 1;
  }
  if (!check(session->create(session, kUri, table_cfg.c_str()), "create")) {
    return 1;
  }
  WT_CURSOR* cursor = nullptr;
  if (!check(session->open_cursor(session, kUri, nullptr, nullptr, &cursor), "open_cursor")) {
    return 1;
  }

  alder::Txn txn = env.begin_read();
  std::vector<std::string> names = txn.list_dbs();
  names.insert(names.begin(), "");  // the main db

  std::size_t entries = 0;
  std::size_t bytes = 0;
  for (const std::string& name : names) {
    alder::Dbi dbi = name.empty() ? alder::kMainDbi : txn.open_db(name);
    alder::Cursor c = txn.cursor(dbi);
    for (bool ok = c.first(); ok; ok = c.next()) {
      const std::string key = name + '\0' + std::string(c.key());
      WT_ITEM k = item(key);
      WT_ITEM v = item(c.value());
      cursor->set_key(cursor, &k);
      cursor->set_value(cursor, &v);
      if (!check(cursor->insert(cursor), "insert")) {
        return 1;
      }
      entries++;
      bytes += key.size() + c.value().size();
    }
  }

  if (!check(cursor->close(cursor), "cursor close")) {
    return 1;
  }
  if (!check(session->checkpoint(session, nullptr), "checkpoint")) {
    return 1;
  }
  if (!check(conn->close(conn, nullptr), "close")) {
    return 1;
  }

  std::uint64_t total = 0;
  std::uint64_t table = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file()) {
      continue;
    }
    total += e.file_size();
    if (e.path().filename() == kFile) {
      table = e.file_size();
    }
  }
  std::printf("%zu entries, %zu bytes of keys+values; %s: dir %llu bytes, %s %llu bytes\n", entries, bytes,
              compressor.c_str(), static_cast<unsigned long long>(total), kFile,
              static_cast<unsigned long long>(table));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
