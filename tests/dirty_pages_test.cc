// White-box tests of the write path's parts: the dirty-page table
// (src/btree/dirty_pages.h), the page writer (src/txn/page_writer.h) and the
// no-sync mode's background writeback (src/txn/flusher.h).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "btree/dirty_pages.h"
#include "io/file.h"
#include "test_util.h"
#include "txn/flusher.h"
#include "txn/page_writer.h"

namespace {

using alder::btree::DirtyPages;

// Random adds and drops against a std::map: lookups find exactly what is
// held (the open-addressing table's probing and backward-shift deletion).
TEST(DirtyPages, MatchesAMapThroughAddsAndDrops) {
  DirtyPages d(64, 16);
  std::map<uint64_t, uint8_t*> model;
  std::mt19937_64 rng(7);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 5000; i++) {
      // Page numbers from a small range: many collide and many repeat.
      uint64_t pgno = 2 + rng() % 3000;
      if (rng() % 3 == 0) {
        d.drop(pgno);
        model.erase(pgno);
      } else if (!model.count(pgno)) {
        uint8_t* p = d.add(pgno, 1 + uint32_t(rng() % 2));
        p[0] = uint8_t(pgno);
        model[pgno] = p;
      }
      uint64_t probe = 2 + rng() % 3000;
      auto it = model.find(probe);
      ASSERT_EQ(d.find(probe), it == model.end() ? nullptr : it->second) << "page " << probe;
    }
    auto runs = d.sorted();
    ASSERT_EQ(runs.size(), model.size());
    auto it = model.begin();
    for (const auto& r : runs) {
      EXPECT_EQ(r.pgno, it->first);
      EXPECT_EQ(r.data[0], uint8_t(it->first));
      ++it;
    }
    d.clear();
    model.clear();
    EXPECT_TRUE(d.empty());
    EXPECT_EQ(d.find(5), nullptr);
  }
}

// The txn scope that lets group commit carry pages across txns: random
// txns add, adopt (change a carried page in place), drop and sometimes
// spill (clear() mid-txn), then commit or abort, against a model. After an
// abort the table holds exactly what the txn found (less the carried pages
// a spill wrote out and nobody changed), with the same contents.
TEST(DirtyPages, AbortGivesBackWhatEarlierTxnsLeft) {
  DirtyPages d(64, 8);
  std::map<uint64_t, uint8_t> model;  // held page -> its first byte
  std::mt19937_64 rng(11);
  auto held_matches = [&](const char* when) {
    std::vector<DirtyPages::Run> runs = d.sorted();
    ASSERT_EQ(runs.size(), model.size()) << when;
    for (const auto& r : runs) {
      ASSERT_TRUE(model.count(r.pgno)) << when << ": page " << r.pgno;
      ASSERT_EQ(r.data[0], model[r.pgno]) << when << ": page " << r.pgno;
    }
  };
  for (int txn = 0; txn < 400; txn++) {
    d.begin_txn();
    const std::map<uint64_t, uint8_t> before = model;
    std::map<uint64_t, uint8_t> touched;  // carried pages adopted or dropped: their old bytes
    bool spilled = false;
    std::set<uint64_t> dropped_carried;   // never reused in the same txn (the allocator's rule)
    const int ops = 1 + int(rng() % 40);
    for (int i = 0; i < ops; i++) {
      const uint64_t pgno = 2 + rng() % 200;
      const int op = int(rng() % 10);
      if (op < 4) {
        if (model.count(pgno) || dropped_carried.count(pgno)) continue;
        uint8_t* p = d.add(pgno, 1 + uint32_t(rng() % 2));
        p[0] = uint8_t(rng());
        model[pgno] = p[0];
      } else if (op < 7) {
        uint8_t* p = d.adopt(pgno);
        ASSERT_EQ(p != nullptr, model.count(pgno) == 1) << "adopt " << pgno;
        if (!p) continue;
        ASSERT_EQ(p[0], model[pgno]);
        if (before.count(pgno) && !touched.count(pgno)) touched[pgno] = before.at(pgno);
        p[0] = uint8_t(rng());
        model[pgno] = p[0];
      } else if (op < 9) {
        if (!model.count(pgno)) continue;
        if (before.count(pgno) && !touched.count(pgno)) touched[pgno] = before.at(pgno);
        if (before.count(pgno)) dropped_carried.insert(pgno);
        d.drop(pgno);
        model.erase(pgno);
      } else if (rng() % 4 == 0) {
        d.clear();  // a spill: everything written out, buffers freed
        model.clear();
        spilled = true;
      }
    }
    if (rng() % 3 == 0) {
      d.abort_txn();
      if (!spilled) {
        model = before;
      } else {
        model.clear();  // untouched carried pages went to the file
        for (auto [pgno, byte] : touched) model[pgno] = byte;
      }
      held_matches("after abort");
    } else {
      d.commit_txn();
      held_matches("after commit");
    }
    if (rng() % 10 == 0) {  // the group's flush
      d.clear();
      model.clear();
    }
  }
}

TEST(DirtyPages, AddingAPageTwiceIsCorruption) {
  DirtyPages d(64, 16);
  d.add(9, 1);
  EXPECT_ALDER_ERROR(alder::ErrorCode::corrupted, d.add(9, 1));
  EXPECT_NE(d.find(9), nullptr);
}

TEST(DirtyPages, ADroppedBufferStaysReadableUntilClear) {
  DirtyPages d(64, 16);
  uint8_t* p = d.add(4, 1);
  std::memset(p, 0xab, 64);
  d.drop(4);
  EXPECT_EQ(d.find(4), nullptr);
  EXPECT_EQ(p[63], 0xab);  // ASan would report a use after free here
  EXPECT_EQ(d.bytes(), 64u);
  d.clear();
  EXPECT_EQ(d.bytes(), 0u);
}

// Adjacent pages go out in calls of at most kMaxCallPages pages; every page
// lands at its own offset.
TEST(PageWriter, WritesEveryPageAtItsOffsetInBoundedCalls) {
  alder_test::TempDir dir;
  const uint32_t ps = 512;
  alder::io::File f;
  {
    int fd = ::open(dir.file().c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  f.open(dir.file(), false);
  DirtyPages d(ps, 16);
  // 40 adjacent pages (3 calls), one alone (1 call), a 20-page run (1 call).
  for (uint64_t pg = 10; pg < 50; pg++) std::memset(d.add(pg, 1), int(pg), ps);
  std::memset(d.add(60, 1), 60, ps);
  std::memset(d.add(70, 20), 70, size_t(20) * ps);
  alder::txn::WrittenPages w;
  alder::txn::write_dirty_pages(f, d, ps, &w);
  EXPECT_EQ(w.pages, 61u);
  EXPECT_EQ(w.calls, 5u);
  EXPECT_EQ(w.lo, 10u * ps);
  EXPECT_EQ(w.hi, 90u * ps);
  std::string bytes(90 * ps, '\0');
  ASSERT_EQ(::pread(f.fd(), bytes.data(), bytes.size(), 0), ssize_t(bytes.size()));
  for (uint64_t pg = 10; pg < 50; pg++) EXPECT_EQ(uint8_t(bytes[pg * ps + 7]), pg);
  EXPECT_EQ(uint8_t(bytes[60 * ps]), 60);
  EXPECT_EQ(uint8_t(bytes[89 * ps + ps - 1]), 70);
  EXPECT_EQ(uint8_t(bytes[55 * ps]), 0);  // a gap stays unwritten
}

// The flusher wakes once per step of bytes written and stops cleanly.
TEST(ConcurrencyFlusher, StartsWritebackOncePerStep) {
  alder_test::TempDir dir;
  int fd = ::open(dir.file().c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  {
    alder::txn::Flusher fl(fd, 1000);
    fl.wrote(999);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(fl.started(), 0u);
    fl.wrote(1);
    // Waits for the thread to run (up to 20 s on a loaded machine); no
    // timing is asserted.
    for (int i = 0; i < 4000 && fl.started() == 0; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(fl.started(), 1u);
  }  // joins
  ::close(fd);
}

}  // namespace
