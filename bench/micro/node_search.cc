// Micro-benchmark: binary search inside one leaf node (Node::lower_bound),
// the step every get and seek takes at each level of the tree. A 4 KiB leaf
// is filled with random 24-byte keys and 16-byte values (internal API).
#include <benchmark/benchmark.h>

#include "page/node.h"

#include <random>
#include <string>
#include <vector>

namespace {

using namespace alder;

struct FilledLeaf {
  explicit FilledLeaf(std::uint32_t page_size) : buf(page_size), psize(page_size) {
    page::NodeWriter(buf.data(), psize).init(page::kLeaf, 1);
    std::mt19937_64 rng(7);
    for (;;) {
      std::string k(24, '\0');
      for (char& c : k) c = static_cast<char>(rng());
      bool exact = false;
      const std::uint32_t i = node().lower_bound(k, &exact);
      if (exact) continue;
      if (page::NodeWriter(buf.data(), psize).insert(i, page::leaf_inline_cell(k, std::string(16, 'v'))) !=
          page::NodeWriter::kOk) {
        break;
      }
      keys.push_back(k);
    }
  }
  page::Node node() const { return page::Node(buf.data(), psize); }
  std::vector<std::uint8_t> buf;
  std::uint32_t psize;
  std::vector<std::string> keys;
};

// Lookups of keys present in the leaf, in a random order. Items = lookups.
void BM_NodeLowerBound(benchmark::State& state) {
  const FilledLeaf leaf(static_cast<std::uint32_t>(state.range(0)));
  const page::Node node = leaf.node();
  std::size_t i = 0;
  for (auto _ : state) {
    bool exact = false;
    benchmark::DoNotOptimize(node.lower_bound(leaf.keys[i], &exact));
    i = (i + 7919) % leaf.keys.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["keys_in_node"] = static_cast<double>(leaf.keys.size());
}
BENCHMARK(BM_NodeLowerBound)->Arg(4096)->Arg(16384);

}  // namespace
