// Micro-benchmark: the page checksum (xxHash3 seeded with the page number)
// that every page read verifies and every commit computes. Bytes/s.
#include <benchmark/benchmark.h>

#include "page/page.h"

#include <cstdint>
#include <vector>

namespace {

void BM_PageChecksum(benchmark::State& state) {
  std::vector<std::uint8_t> page(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < page.size(); ++i) page[i] = static_cast<std::uint8_t>(i * 131);
  std::uint64_t pgno = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(alder::page::checksum(page.data(), page.size(), pgno++));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_PageChecksum)->Arg(4096)->Arg(16384)->Arg(65536);

}  // namespace
