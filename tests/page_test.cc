// White-box tests of the page layer: the checksum and the slotted node
// layout. They use internal headers from src/.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "page/node.h"

using namespace alder;

namespace {

TEST(PageChecksum, SeedIsThePageNumber) {
  std::vector<uint8_t> p(4096, 0xab);
  EXPECT_NE(page::checksum(p.data(), p.size(), 5), page::checksum(p.data(), p.size(), 6));
}

struct Leaf {
  explicit Leaf(uint32_t ps) : buf(ps), psize(ps) {
    page::NodeWriter(buf.data(), ps).init(page::kLeaf, 1);
  }
  page::Node node() const { return page::Node(buf.data(), psize); }
  bool insert(const std::string& k, const std::string& v) {
    bool exact;
    uint32_t i = node().lower_bound(k, &exact);
    return page::NodeWriter(buf.data(), psize).insert(i, page::leaf_inline_cell(k, v)) ==
           page::NodeWriter::kOk;
  }
  std::vector<uint8_t> buf;
  uint32_t psize;
};

TEST(Node, InsertKeepsOrderAndPrefixAndChecksOut) {
  Leaf leaf(4096);
  std::map<std::string, std::string> model;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; i++) {
    std::string k = "user:0000" + std::to_string(rng() % 100000);
    std::string v(rng() % 20, 'v');
    if (model.count(k)) continue;
    if (!leaf.insert(k, v)) break;
    model[k] = v;
  }
  page::Node n = leaf.node();
  ASSERT_EQ(n.count(), model.size());
  EXPECT_EQ(n.check(), "");
  EXPECT_GE(n.prefix().size(), 9u) << "keys share 'user:0000'";
  uint32_t i = 0;
  for (auto& [k, v] : model) {
    EXPECT_EQ(n.key(i), k);
    EXPECT_EQ(n.inline_value(i), v);
    bool exact;
    EXPECT_EQ(n.lower_bound(k, &exact), i);
    EXPECT_TRUE(exact);
    i++;
  }
  bool exact;
  EXPECT_EQ(n.lower_bound("a", &exact), 0u);
  EXPECT_EQ(n.lower_bound("z", &exact), n.count());
  EXPECT_FALSE(exact);
}

TEST(Node, KeyOutsideThePrefixShrinksIt) {
  Leaf leaf(4096);
  ASSERT_TRUE(leaf.insert("abc1", "x"));
  ASSERT_TRUE(leaf.insert("abc2", "y"));
  // Rebuilds happen only when needed; force one with a key outside "abc".
  ASSERT_TRUE(leaf.insert("abd", "z"));
  page::Node n = leaf.node();
  EXPECT_EQ(n.check(), "");
  EXPECT_EQ(n.key(2), "abd");
  EXPECT_EQ(n.key(0), "abc1");
}

TEST(Node, HeadsTieOnlyOnEqualLeadingBytes) {
  // Shorter keys order before longer ones with the same leading bytes even
  // though their zero-padded heads are equal.
  Leaf leaf(4096);
  for (std::string k :
       {std::string("a"), std::string("a\0", 2), std::string("a\0\0\0\0", 5), std::string("a\x01")})
    ASSERT_TRUE(leaf.insert(k, ""));
  page::Node n = leaf.node();
  EXPECT_EQ(n.check(), "");
  EXPECT_EQ(n.key(0), "a");
  EXPECT_EQ(n.key(1), std::string("a\0", 2));
  EXPECT_EQ(n.key(2), std::string("a\0\0\0\0", 5));
  EXPECT_EQ(n.key(3), "a\x01");
}

TEST(Node, FullNodeRefusesAndStaysIntact) {
  Leaf leaf(512);
  int n = 0;
  while (leaf.insert("key" + std::to_string(1000 + n), std::string(40, 'v'))) n++;
  EXPECT_GT(n, 3);
  EXPECT_EQ(leaf.node().count(), uint32_t(n));
  EXPECT_EQ(leaf.node().check(), "");
}

TEST(Node, CheckRejectsOutOfBoundsCell) {
  Leaf leaf(4096);
  ASSERT_TRUE(leaf.insert("k1", "v"));
  auto* slots = reinterpret_cast<page::Slot*>(
      leaf.buf.data() + page::slot_base(page::header(leaf.buf.data())->prefix_len));
  slots[0].off = 4095;
  EXPECT_NE(leaf.node().check(), "");
}

// The leaf inline limit (node.h max_inline_cell): half the page's room less
// 8 bytes, so any two of the largest inline cells share a leaf whatever
// their keys' prefix (its padding costs up to 3 bytes), three do not, and an
// inline length keeps bit 15 (the compressed flag) free at every page size.
TEST(Node, TwoLargestInlineCellsShareALeaf) {
  for (uint32_t ps : {512u, 1024u, 4096u, 65536u}) {
    SCOPED_TRACE(ps);
    const uint32_t cell = page::max_inline_cell(ps);
    EXPECT_EQ(cell, (ps - 16) / 2 - 8);
    EXPECT_LT(cell - page::kInlineLenSize - sizeof(page::Slot), 0x8000u);
    for (const auto& [k1, k2] : {std::pair<std::string, std::string>{"a", "b"},
                                 {"prefix-1", "prefix-2"},
                                 {"abcde", "abcdf"}}) {
      const std::string v1(cell - k1.size() - 10, 'x'), v2(cell - k2.size() - 10, 'y');
      std::vector<page::CellSpec> cells = {page::leaf_inline_cell(k1, v1),
                                           page::leaf_inline_cell(k2, v2)};
      EXPECT_EQ(cells[0].full_size(), cell);
      EXPECT_TRUE(page::NodeWriter::fits(ps, page::kLeaf, cells)) << k1;
      std::vector<uint8_t> buf(ps);
      page::NodeWriter(buf.data(), ps).rebuild(page::kLeaf, 1, cells);
      page::Node n(buf.data(), ps);
      EXPECT_EQ(n.check(), "");
      EXPECT_EQ(n.inline_value(1), v2);
      // A single cell alone (its whole key the prefix) fits too.
      EXPECT_TRUE(page::NodeWriter::fits(ps, page::kLeaf, {cells[1]}));
      const std::string k3 = k2 + "z", v3(cell - k3.size() - 10, 'z');
      cells.push_back(page::leaf_inline_cell(k3, v3));
      EXPECT_FALSE(page::NodeWriter::fits(ps, page::kLeaf, cells));
    }
  }
}

}  // namespace
