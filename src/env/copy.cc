// Env::copy: a consistent copy of one snapshot (LMDB's mdb_env_copy).
//
// A read txn pins the snapshot, so every page it can reach stays as it is
// while the copy runs, even with a writer committing beside it (in this
// process or, through the lock file, another). Pages it cannot reach (free
// in the snapshot) may be rewritten meanwhile; they are copied as found and
// stay free in the copy, whose freelist is the snapshot's. Both meta slots
// of the copy hold the snapshot's meta, marked synced (the copy is fsynced
// before it gets its name), so the copy opens without a recovery walk.
#include <unistd.h>

#include <algorithm>

#include "env/env.h"

namespace alder::detail {

void EnvImpl::copy(const std::string& dst,
                   const std::function<void(uint64_t, uint64_t)>& progress) {
  check_open();
  txn::EnvState& s = *st_;
  with_snapshot([&](txn::Txn& t, const std::vector<uint64_t>& words) {
    txn::Meta m = t.meta();
    const uint64_t ps = s.page_size, total = m.npages * ps;
    io::File out;
    const std::string tmp = out.create_temp_next_to(dst, 0644);
    try {
      std::vector<uint8_t> buf(std::max<uint64_t>(2 * ps, 1 << 20));
      m.synced_base = m.txnid;
      txn::encode_meta(m, words, buf.data(), uint32_t(ps));
      std::copy_n(buf.data(), ps, buf.data() + ps);
      out.pwrite(buf.data(), 2 * ps, 0);
      uint64_t done = 2 * ps;
      if (progress) progress(done, total);
      while (done < total) {
        const size_t n = size_t(std::min<uint64_t>(buf.size(), total - done));
        if (s.file.pread(buf.data(), n, done) != n)
          throw Error(ErrorCode::io_error, s.path + ": shorter than its snapshot");
        out.pwrite(buf.data(), n, done);
        done += n;
        if (progress) progress(done, total);
      }
      out.fsync();
      out.close();
    } catch (...) {
      out.close();
      ::unlink(tmp.c_str());
      throw;
    }
    if (!io::File::link_into_place(tmp, dst))
      throw Error(ErrorCode::invalid_argument, dst + ": already exists (copy never replaces a file)");
  });
}

}  // namespace alder::detail
