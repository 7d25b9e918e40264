// Value compression per db (issue #14, item 1): every codec round-trips
// through get, cursors, reopen and verify; small and incompressible values
// stay raw; bad options change nothing; the format version moves to 2 only
// with a compressed db; a damaged compressed value is `corrupted`, never a
// crash or a huge allocation. White-box for the damage cases (finds the
// value's cell with src/page/node.h).
#include <gtest/gtest.h>

#include <xxhash.h>

#include "alder/alder.h"
#include "alder/alder.hpp"
#include "page/node.h"
#include "test_util.h"

namespace {

using alder::Compression;
using alder::DbFlags;
using alder::DbOptions;
using alder::Env;
using alder::ErrorCode;

using alder_test::text_value;

std::map<std::string, std::string> sample_data(unsigned seed) {
  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> m;
  for (int i = 0; i < 600; i++) {
    const size_t len = i % 10 == 0 ? 20 : i % 10 == 1 ? 9000 : 200 + rng() % 1500;
    m[alder_test::num_key(uint64_t(i), 6)] =
        i % 7 == 0 ? alder_test::random_bytes(rng, len) : text_value(rng, len);
  }
  return m;
}

std::string dictionary_for(const std::map<std::string, std::string>& data) {
  std::vector<std::string_view> samples;
  for (const auto& [k, v] : data) samples.push_back(v);
  return alder::train_dictionary(samples, 8 * 1024);
}

struct Case {
  const char* name;
  Compression c;
  bool dict;
};

class CompressionRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(CompressionRoundTrip, GetCursorReopenVerify) {
  alder_test::TempDir dir;
  const auto data = sample_data(7);
  DbOptions o;
  o.compression = GetParam().c;
  if (GetParam().dict) o.dictionary = dictionary_for(data);
  {
    Env env = Env::open(dir.file());
    alder::Txn w = env.begin_write();
    const alder::Dbi d = w.open_db("vals", DbFlags::create, o);
    const alder::Dbi m = w.open_db("", DbFlags::create, o);  // the main db too
    for (const auto& [k, v] : data) {
      w.put(d, k, v);
      w.put(m, k, v);
    }
    // Read back in the write txn, then replace some in place.
    for (const auto& [k, v] : data) ASSERT_EQ(*w.get(d, k), v) << k;
    w.commit();
    env.close();
  }
  Env env = Env::open(dir.file());
  EXPECT_TRUE(env.verify().ok()) << env.verify().error;
  alder::Txn r = env.begin_read();
  const alder::Dbi d = r.open_db("vals");
  EXPECT_EQ(r.list_dbs(), std::vector<std::string>{"vals"});
  EXPECT_EQ(env.stat().named_dbs, 1u);
  // Every view from get() stays valid until the txn ends.
  std::vector<std::pair<std::string_view, const std::string*>> views;
  for (const auto& [k, v] : data) {
    views.push_back({*r.get(d, k), &v});
    ASSERT_EQ(*r.get(alder::kMainDbi, k), v);
  }
  for (const auto& [got, want] : views) ASSERT_EQ(got, *want);
  // A cursor's view is stable while it stays on the entry.
  alder::Cursor c = r.cursor(d);
  auto it = data.begin();
  for (bool ok = c.first(); ok; ok = c.next(), ++it) {
    ASSERT_NE(it, data.end());
    std::string_view v1 = c.value();
    std::string_view v2 = c.value();
    ASSERT_EQ(v1.data(), v2.data());
    ASSERT_EQ(c.key(), it->first);
    ASSERT_EQ(v1, it->second);
  }
  EXPECT_EQ(it, data.end());
  const alder::DbSpace sp = r.db_space(d);
  EXPECT_EQ(sp.compression, GetParam().c);
  EXPECT_EQ(sp.entries, data.size());
  uint64_t raw = 0, small_or_random = 0;
  for (const auto& [k, v] : data) raw += v.size();
  for (int i = 0; i < 600; i++) small_or_random += i % 10 == 0 || i % 7 == 0;
  EXPECT_EQ(sp.raw_value_bytes, raw);
  if (GetParam().c == Compression::none) {
    EXPECT_EQ(sp.compressed_values, 0u);
    EXPECT_EQ(sp.stored_value_bytes, raw);
  } else {
    // Short and random values are stored raw, the others compressed.
    EXPECT_LE(sp.compressed_values, data.size() - small_or_random / 2);
    EXPECT_GE(sp.compressed_values, data.size() - small_or_random);
    EXPECT_LT(sp.stored_value_bytes, raw / 2);
    EXPECT_EQ(sp.dictionary_bytes, o.dictionary.size());
    EXPECT_EQ(r.db_options(d).dictionary, o.dictionary);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressionRoundTrip,
                         ::testing::Values(Case{"none", Compression::none, false},
                                           Case{"lz4", Compression::lz4, false},
                                           Case{"zstd", Compression::zstd, false},
                                           Case{"zstd_dict", Compression::zstd, true}),
                         [](const auto& i) { return std::string(i.param.name); });

TEST(Compression, RawValuesStayZeroCopy) {
  alder_test::TempDir dir;
  Env env = Env::open(dir.file());
  DbOptions o;
  o.compression = Compression::zstd;
  alder::Txn w = env.begin_write();
  const alder::Dbi d = w.open_db("z", DbFlags::create, o);
  w.put(d, "short", "tiny");
  w.put(d, "text", std::string(500, 'a'));
  w.commit();
  alder::Txn r = env.begin_read();
  // Two gets of a raw value give the same address (the mapping); two of a
  // compressed value, two txn-owned copies.
  EXPECT_EQ(r.get(d, "short")->data(), r.get(d, "short")->data());
  EXPECT_NE(r.get(d, "text")->data(), r.get(d, "text")->data());
  EXPECT_EQ(r.db_space(d).compressed_values, 1u);
}

TEST(Compression, OverwritesDeletesAndDropFreeEverything) {
  alder_test::TempDir dir;
  Env env = Env::open(dir.file());
  const auto data = sample_data(3);
  DbOptions o;
  o.compression = Compression::zstd;
  o.dictionary = dictionary_for(data);
  {
    alder::Txn w = env.begin_write();
    const alder::Dbi d = w.open_db("z", DbFlags::create, o);
    for (const auto& [k, v] : data) w.put(d, k, v);
    w.commit();
  }
  {
    // Same-length and different-length replacements, raw <-> compressed.
    alder::Txn w = env.begin_write();
    const alder::Dbi d = w.open_db("z");
    for (const auto& [k, v] : data) w.put(d, k, k.back() % 2 ? std::string(v.rbegin(), v.rend()) : v + v);
    for (const auto& [k, v] : data)
      ASSERT_EQ(*w.get(d, k), k.back() % 2 ? std::string(v.rbegin(), v.rend()) : v + v);
    int n = 0;
    for (const auto& [k, v] : data)
      if (n++ % 3 == 0) w.del(d, k);
    w.commit();
  }
  EXPECT_TRUE(env.verify().ok()) << env.verify().error;
  {
    alder::Txn w = env.begin_write();
    w.drop_db(w.open_db("z"));  // the dictionary's run is freed too
    w.commit();
  }
  const alder::VerifyResult v = env.verify();
  EXPECT_TRUE(v.ok()) << v.error;
}

// Bad options: a clear invalid_argument, and the file as it was.
TEST(Compression, BadOptionsChangeNothing) {
  alder_test::TempDir dir;
  {
    Env env = Env::open(dir.file());
    alder::Txn w = env.begin_write();
    w.put("k", "v");
    DbOptions z;
    z.compression = Compression::zstd;
    w.open_db("z", DbFlags::create, z);
    w.commit();
    env.close();
  }
  Env::open(dir.file()).close();  // a clean close settles both meta slots
  const std::string before = alder_test::read_file_bytes(dir.file());
  Env env = Env::open(dir.file());
  auto expect_invalid = [&](const std::string& name, const DbOptions& o, const std::string& want) {
    alder::Txn w = env.begin_write();
    try {
      w.open_db(name, DbFlags::create, o);
      ADD_FAILURE() << "open_db(" << name << ") accepted bad options (" << want << ")";
    } catch (const alder::Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
    // The txn goes on, and nothing was written.
    EXPECT_EQ(w.list_dbs(), std::vector<std::string>{"z"});
    const std::uint64_t id = env.stat().last_txn_id;
    w.commit();
    EXPECT_EQ(env.stat().last_txn_id, id) << "a rejected open_db committed something (" << want << ")";
  };
  DbOptions o;
  o.compression = Compression(9);
  expect_invalid("new", o, "unknown compression codec 9");
  o = {};
  o.compression = Compression::lz4;
  o.dictionary = "some dictionary bytes";
  expect_invalid("new", o, "needs zstd");
  o = {};
  o.compression = Compression::lz4;
  o.level = 5;
  expect_invalid("new", o, "lz4 takes no level");
  o = {};
  o.compression = Compression::zstd;
  o.level = 40;
  expect_invalid("new", o, "outside [-7, 19]");
  o = {};
  o.compression = Compression::zstd;
  o.dictionary.assign(2 << 20, 'd');
  expect_invalid("new", o, "exceeds the maximum");
  o = {};
  o.dictionary = "dict";
  expect_invalid("new", o, "needs a compression codec");
  // Reopening with another codec, level or a dictionary it lacks.
  o = {};
  o.compression = Compression::lz4;
  expect_invalid("z", o, "was created with zstd");
  o = {};
  expect_invalid("z", o, "was created with zstd");
  o.compression = Compression::zstd;
  o.level = 9;
  expect_invalid("z", o, "was created with zstd");
  o = {};
  o.compression = Compression::zstd;
  o.dictionary = "a dictionary the db was not created with";
  expect_invalid("z", o, "another dictionary");
  // The main db holds an entry stored raw: too late for compression.
  o = {};
  o.compression = Compression::zstd;
  expect_invalid("", o, "main db already holds entries");
  expect_invalid(std::string("\0", 1), DbOptions{}, "reserved");
  env.close();
  EXPECT_TRUE(alder_test::read_file_bytes(dir.file()) == before) << "a rejected open_db changed the file";
  // The same options as at creation, and no options at all, open it.
  Env again = Env::open(dir.file());
  alder::Txn w = again.begin_write();
  DbOptions z;
  z.compression = Compression::zstd;
  w.open_db("z", DbFlags::none, z);
  w.open_db("z");
  w.abort();
}

uint32_t file_version(const std::string& path) {
  const std::string v = alder_test::read_at(path, 8, 4);
  uint32_t n;
  std::memcpy(&n, v.data(), 4);
  return n;
}

TEST(Compression, FormatVersionTwoOnlyWithACompressedDb) {
  alder_test::TempDir dir;
  {
    Env env = Env::open(dir.file());
    alder::Txn w = env.begin_write();
    w.open_db("plain", DbFlags::create);
    w.put("k", "v");
    w.commit();
    env.close();
  }
  EXPECT_EQ(file_version(dir.file()), 1u);  // older builds still read it
  {
    Env env = Env::open(dir.file());
    alder::Txn w = env.begin_write();
    DbOptions o;
    o.compression = Compression::lz4;
    w.put(w.open_db("packed", DbFlags::create, o), "k", std::string(300, 'x'));
    w.commit();
    env.close();
  }
  EXPECT_EQ(file_version(dir.file()), 2u);
  // A build that reads version 1 only says version_mismatch (this build
  // says the same of version 3, naming what it reads).
  for (uint64_t slot : {0u, 4096u}) {
    std::string meta = alder_test::read_at(dir.file(), slot, 264);
    const uint32_t v = 3;
    std::memcpy(&meta[8], &v, 4);
    const uint64_t sum = XXH3_64bits_withSeed(meta.data(), meta.size(), 0);
    std::string sb(8, '\0');
    std::memcpy(sb.data(), &sum, 8);
    alder_test::patch_file(dir.file(), slot, meta);
    alder_test::patch_file(dir.file(), slot + 264, sb);
  }
  try {
    Env::open(dir.file());
    ADD_FAILURE() << "opened a version 3 file";
  } catch (const alder::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::version_mismatch);
    EXPECT_NE(std::string(e.what()).find("version 3; this build reads versions 1 to 2"),
              std::string::npos)
        << e.what();
  }
}

// Finds the cell of `key` in the file's leaf pages; returns the offset of
// its inline u16 length, or 0.
uint64_t inline_cell_offset(const std::string& bytes, uint32_t ps, const std::string& key,
                            uint64_t skip_below_page) {
  for (uint64_t pg = std::max<uint64_t>(2, skip_below_page); (pg + 1) * ps <= bytes.size(); pg++) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + pg * ps);
    if (alder::page::header(p)->type != alder::page::kLeaf) continue;
    alder::page::Node n(p, ps);
    bool exact = false;
    if (!n.slots_fit() || n.count() == 0) continue;
    uint32_t i = n.lower_bound(key, &exact);
    if (exact && !n.is_overflow(i) && n.inline_compressed(i))
      return pg * ps + uint64_t(n.payload(i) - p);
  }
  return 0;
}

// Damage to a compressed value is `corrupted`: a length the frame cannot
// hold (no giant allocation), a frame that does not decode, a value shorter
// than its header, a flag in a db stored raw. With verify_checksums, any
// damage at all.
TEST(Compression, DamagedCompressedValuesAreCorruptedNotCrashes) {
  struct Damage {
    const char* what;
    std::function<void(std::string& cell)> apply;  // cell: u16 len, then the stored bytes
  };
  const std::vector<Damage> damages = {
      {"raw length too large", [](std::string& c) { c[2 + 3] = char(0x7f); }},
      {"raw length off by one", [](std::string& c) { c[2] = char(c[2] + 1); }},
      {"frame garbage", [](std::string& c) { std::fill(c.begin() + 6, c.end(), char(0xa5)); }},
      {"frame truncated", [](std::string& c) {
         uint16_t n;
         std::memcpy(&n, c.data(), 2);
         n = uint16_t((n & 0x8000) | 9);
         std::memcpy(c.data(), &n, 2);
       }},
      {"shorter than the header", [](std::string& c) {
         const uint16_t n = 0x8000 | 2;
         std::memcpy(c.data(), &n, 2);
       }},
  };
  for (Compression codec : {Compression::lz4, Compression::zstd}) {
    for (const Damage& dmg : damages) {
      for (bool verify : {false, true}) {
        SCOPED_TRACE(std::string(alder::compression_name(codec)) + ": " + dmg.what +
                     (verify ? " (verify_checksums)" : ""));
        alder_test::TempDir dir;
        std::mt19937_64 rng(5);
        const std::string value = text_value(rng, 700);
        {
          Env env = Env::open(dir.file());
          alder::Txn w = env.begin_write();
          DbOptions o;
          o.compression = codec;
          w.put(w.open_db("z", DbFlags::create, o), "victim", value);
          w.commit();
          alder::Txn w2 = env.begin_write();  // later commit: open checks only its pages
          w2.put("other", "x");
          w2.commit();
          env.close();
        }
        std::string bytes = alder_test::read_file_bytes(dir.file());
        const uint64_t off = inline_cell_offset(bytes, 4096, "victim", 0);
        ASSERT_NE(off, 0u);
        uint16_t len;
        std::memcpy(&len, bytes.data() + off, 2);
        std::string cell = bytes.substr(off, 2 + (len & 0x7fff));
        dmg.apply(cell);
        alder_test::patch_file(dir.file(), off, cell);
        alder::EnvOptions eo;
        eo.verify_checksums = verify;
        Env env = Env::open(dir.file(), eo);
        alder::Txn r = env.begin_read();
        const alder::Dbi d = r.open_db("z");
        try {
          (void)r.get(d, "victim");
          // Only without checksums may a damaged frame decode at all, and
          // then only when the damage left a well-formed frame.
          EXPECT_FALSE(verify) << "damage went unnoticed";
        } catch (const alder::Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::corrupted) << e.what();
        }
        try {
          alder::Cursor c = r.cursor(d);
          if (c.first()) (void)c.value();
        } catch (const alder::Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::corrupted) << e.what();
        }
      }
    }
  }
}

TEST(Compression, CompressedFlagInARawDbIsCorrupted) {
  alder_test::TempDir dir;
  {
    Env env = Env::open(dir.file());
    alder::Txn w = env.begin_write();
    DbOptions o;
    o.compression = Compression::zstd;
    w.put(w.open_db("z", DbFlags::create, o), "victim", std::string(700, 'q'));
    w.commit();
    alder::Txn w2 = env.begin_write();
    w2.put("other", "x");
    w2.commit();
    env.close();
  }
  // Clear the codec in the db's catalog record (104 bytes, codec at offset
  // 64): a compressed record without a codec is malformed.
  std::string bytes = alder_test::read_file_bytes(dir.file());
  const std::string needle("z", 1);
  bool patched = false;
  for (uint64_t pg = 2; (pg + 1) * 4096 <= bytes.size() && !patched; pg++) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + pg * 4096);
    if (alder::page::header(p)->type != alder::page::kLeaf) continue;
    alder::page::Node n(p, 4096);
    bool exact = false;
    if (!n.slots_fit() || n.count() == 0) continue;
    uint32_t i = n.lower_bound(needle, &exact);
    if (!exact || n.is_overflow(i) || n.inline_value(i).size() != 104) continue;
    const uint64_t off = pg * 4096 + uint64_t(n.payload(i) - p) + 2 + 64;
    alder_test::patch_file(dir.file(), off, std::string(1, '\0'));
    patched = true;
  }
  ASSERT_TRUE(patched);
  Env env = Env::open(dir.file());
  alder::Txn r = env.begin_read();
  EXPECT_ALDER_ERROR(ErrorCode::corrupted, r.open_db("z"));  // a malformed catalog record
}

// fuzz_file's finding (fuzz/regressions/file-compressed-flag-in-raw-db):
// verify() must not accept a value flagged compressed in a raw db, since
// reading it fails.
TEST(Compression, VerifyDecodesCompressedValues) {
  alder_test::TempDir dir;
  std::filesystem::copy_file(
      std::string(ALDER_SOURCE_DIR) + "/fuzz/regressions/file-compressed-flag-in-raw-db.alder",
      dir.file());
  alder::EnvOptions o;
  o.read_only = true;
  Env env = Env::open(dir.file(), o);
  const alder::VerifyResult v = env.verify();
  EXPECT_FALSE(v.ok());
  EXPECT_NE(v.error.find("flagged compressed in a db stored raw"), std::string::npos) << v.error;
}

TEST(Compression, CApiFlags) {
  alder_test::TempDir dir;
  alder_env* env = nullptr;
  alder_env_options eo = alder_env_options_default();
  ASSERT_EQ(alder_env_open(dir.file().c_str(), &eo, &env), ALDER_SUCCESS);
  alder_txn* txn = nullptr;
  ASSERT_EQ(alder_txn_begin(env, 0, &txn), ALDER_SUCCESS);
  alder_dbi dbi = 0;
  EXPECT_EQ(alder_dbi_open(txn, "both", ALDER_CREATE | ALDER_LZ4 | ALDER_ZSTD, &dbi), ALDER_INVALID);
  ASSERT_EQ(alder_dbi_open(txn, "z", ALDER_CREATE | ALDER_ZSTD, &dbi), ALDER_SUCCESS);
  const std::string v(2000, 'z');
  alder_val k{1, "k"}, val{v.size(), v.data()}, out{0, nullptr};
  ASSERT_EQ(alder_put(txn, dbi, &k, &val, 0), ALDER_SUCCESS);
  ASSERT_EQ(alder_get(txn, dbi, &k, &out), ALDER_SUCCESS);
  EXPECT_EQ(std::string_view(static_cast<const char*>(out.data), out.size), v);
  EXPECT_EQ(alder_dbi_open(txn, "z", ALDER_LZ4, &dbi), ALDER_INVALID);  // another codec
  ASSERT_EQ(alder_txn_commit(txn), ALDER_SUCCESS);
  alder_env_close(env);
}

}  // namespace
