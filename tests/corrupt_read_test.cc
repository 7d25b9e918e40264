// Reads of a file damaged after a clean close: every get and scan either
// answers or throws alder::Error(corrupted); none follows a bad offset out
// of its page (which would crash). White-box: finds leaf pages by their
// header, so it includes src/page/page.h.
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "alder/alder.hpp"
#include "page/node.h"
#include "test_util.h"

namespace {

using alder::Env;
using alder::ErrorCode;

std::vector<char> read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(f), {});
}

void write_all(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

// Calls f and reports whether it threw corrupted (any other error fails).
template <class F>
bool corrupted_or_ok(F&& f) {
  try {
    f();
    return false;
  } catch (const alder::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupted) << e.what();
    return true;
  }
}

TEST(CorruptRead, SlotOffsetsPastThePageAreErrorsNotCrashes) {
  alder_test::TempDir dir;
  const std::string path = dir.file();
  std::vector<std::string> keys;
  {
    Env env = Env::open(path);
    alder::Txn w = env.begin_write();
    for (int i = 0; i < 3000; i++) {
      keys.push_back(alder_test::num_key(uint64_t(i), 8));
      w.put(keys.back(), std::string(40, 'v'));
    }
    w.commit();
    alder::Txn w2 = env.begin_write();  // a later commit: recovery checks only its pages
    w2.put(keys.back(), "last");
    w2.commit();
    env.close();
  }
  // Point every slot of every leaf the first commit wrote at the end of the
  // page: open checks only the pages of the last commit.
  std::vector<char> bytes = read_all(path);
  const size_t ps = 4096;
  int damaged = 0;
  for (size_t off = 2 * ps; off + ps <= bytes.size(); off += ps) {
    auto* p = reinterpret_cast<uint8_t*>(bytes.data() + off);
    auto* h = alder::page::header(p);
    if (h->type != alder::page::kLeaf || h->count == 0 || h->txnid != 2) continue;
    auto* slots = reinterpret_cast<alder::page::Slot*>(p + alder::page::slot_base(h->prefix_len));
    for (uint32_t i = 0; i < h->count; i++) slots[i].off = 0xfff0;
    damaged++;
  }
  ASSERT_GT(damaged, 5);
  write_all(path, bytes);

  Env env = Env::open(path);
  int errors = 0;
  alder::Txn r = env.begin_read();
  for (auto& k : keys) errors += corrupted_or_ok([&] { r.get(k); });
  errors += corrupted_or_ok([&] {
    alder::Cursor c = r.cursor();
    for (bool ok = c.first(); ok; ok = c.next()) (void)c.value();
  });
  EXPECT_GT(errors, 0);
  alder::VerifyResult v = env.verify();
  EXPECT_FALSE(v.ok());
  EXPECT_GE(v.bad_page, 2u);
}

}  // namespace
