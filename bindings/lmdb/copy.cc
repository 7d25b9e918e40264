// mdb_env_copy/copy2/copyfd/copyfd2: alder::Env::copy for a plain copy
// (one read txn, free pages copied as they are); MDB_CP_COMPACT re-inserts
// every db's entries in key order into a new file (dense, no free pages).
// Either way the destination is a complete alder file or absent.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "shim.h"

namespace {

using alder_lmdb::fail;

// Writes the compacted latest commit of env to a new file at dst.
void compact_to(MDB_env* env, const std::string& dst) {
  const std::string tmp = dst + ".compact-tmp";
  std::remove(tmp.c_str());
  std::remove(alder::Env::lock_path(tmp).c_str());
  try {
    alder::Txn src = env->env->begin_read();
    alder::EnvOptions o;
    o.max_size = std::max<uint64_t>(env->mapsize, uint64_t{1} << 30);
    o.max_dbs = 65535;
    alder::Env out = alder::Env::open(tmp, o);
    alder::Txn w = out.begin_write();
    auto copy_db = [&](alder::Dbi from, alder::Dbi to) {
      alder::Cursor c = src.cursor(from);
      for (bool ok = c.first(); ok; ok = c.next()) w.put(to, c.key(), c.value(), alder::PutFlags::append);
    };
    copy_db(alder::kMainDbi, alder::kMainDbi);
    for (const std::string& name : src.list_dbs())
      copy_db(src.open_db(name), w.open_db(name, alder::DbFlags::create));
    w.commit();
    src.abort();
    out.close();
  } catch (...) {
    std::remove(tmp.c_str());
    std::remove(alder::Env::lock_path(tmp).c_str());
    throw;
  }
  std::remove(alder::Env::lock_path(tmp).c_str());
  // link(2) fails with EEXIST instead of replacing: dst is never clobbered.
  if (::link(tmp.c_str(), dst.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    fail(e, "copy to " + dst);
  }
  std::remove(tmp.c_str());
}

void copy_to(MDB_env* env, const std::string& dst, unsigned flags) {
  struct stat st;
  if (::stat(dst.c_str(), &st) == 0) fail(EEXIST, dst + " exists");
  if (flags & MDB_CP_COMPACT)
    compact_to(env, dst);
  else
    env->env->copy(dst);
}

// The destination file: path itself with MDB_NOSUBDIR, else path/data.mdb
// in a directory that must exist (LMDB's ENOENT / ENOTDIR otherwise).
std::string dst_file(MDB_env* env, const char* path) {
  if (env->flags & MDB_NOSUBDIR) return path;
  struct stat st;
  if (::stat(path, &st) != 0) fail(errno, std::string("copy: ") + path);
  if (!S_ISDIR(st.st_mode)) fail(ENOTDIR, std::string("copy: ") + path);
  return std::string(path) + "/data.mdb";
}

}  // namespace

using namespace alder_lmdb;

extern "C" {

int mdb_env_copy2(MDB_env* env, const char* path, unsigned int flags) {
  return guard("mdb_env_copy2", [&] {
    if (!env || !path || !env->env || (flags & ~MDB_CP_COMPACT)) return EINVAL;
    copy_to(env, dst_file(env, path), flags);
    return MDB_SUCCESS;
  });
}

int mdb_env_copy(MDB_env* env, const char* path) { return mdb_env_copy2(env, path, 0); }

// The copy goes to a temporary file beside the data file, then to fd.
int mdb_env_copyfd2(MDB_env* env, mdb_filehandle_t fd, unsigned int flags) {
  return guard("mdb_env_copyfd2", [&] {
    if (!env || fd < 0 || !env->env || (flags & ~MDB_CP_COMPACT)) return EINVAL;
    const std::string tmp =
        env->data_path + ".copyfd-" + std::to_string(::getpid()) + "-" + std::to_string(fd);
    std::remove(tmp.c_str());
    copy_to(env, tmp, flags);
    const int in = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    std::remove(tmp.c_str());
    if (in < 0) return errno;
    char buf[1 << 16];
    int rc = MDB_SUCCESS;
    for (;;) {
      const ssize_t n = ::read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n < 0) rc = errno;
        break;
      }
      for (ssize_t off = 0; off < n;) {
        const ssize_t w = ::write(fd, buf + off, size_t(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          rc = errno;
          break;
        }
        off += w;
      }
      if (rc) break;
    }
    ::close(in);
    return rc;
  });
}

int mdb_env_copyfd(MDB_env* env, mdb_filehandle_t fd) { return mdb_env_copyfd2(env, fd, 0); }

}  // extern "C"
