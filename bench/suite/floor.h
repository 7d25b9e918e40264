// The floor row: what one durable commit of P pages costs on this disk with
// no engine at all (issue 12 item 4) -- P scattered page writes into one
// file, then one fdatasync. "Durable individual writes" cannot beat it.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace bench {

/// A scratch file of file_pages pages, written in full and synced when
/// made (so the timed writes overwrite allocated blocks, as a B+tree's
/// commits mostly do, instead of allocating), unlinked when destroyed.
class FloorFile {
 public:
  FloorFile(const std::string& path, std::uint64_t page_bytes, std::uint64_t file_pages, std::uint64_t seed);
  ~FloorFile();
  FloorFile(const FloorFile&) = delete;
  FloorFile& operator=(const FloorFile&) = delete;

  /// pwrite of `pages` distinct random pages, then one fdatasync. Throws
  /// std::system_error on an I/O error.
  void commit(unsigned pages);

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t page_bytes_, file_pages_;
  std::vector<char> buf_;
  std::mt19937_64 rng_;
};

}  // namespace bench
