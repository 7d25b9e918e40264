// The lock file's claim on its name (src/txn/shared_readers.h): every env
// holds a shared fcntl lock on byte 0 of Env::lock_path, which is what
// keeps real LMDB (same name with MDB_NOSUBDIR) from taking the file as its
// own: LMDB's first step is an exclusive POSIX lock on that byte. A lock
// file real LMDB rewrote while nobody held it is alder's again at the next
// open. bindings/lmdb/tests/lock_file_test.cc runs the real liblmdb itself.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "test_util.h"

namespace {

using alder::Env;
using alder::EnvOptions;
using alder::ErrorCode;
using alder_test::TempDir;

// LMDB's first step at mdb_env_open: an exclusive POSIX record lock on byte
// 0 of the lock file, without waiting. True when it would be granted (it
// is dropped again at once).
bool lmdb_would_lock_exclusively(const std::string& lock) {
  const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock l;
  std::memset(&l, 0, sizeof l);
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  l.l_len = 1;
  const bool granted = ::fcntl(fd, F_SETLK, &l) == 0;
  ::close(fd);  // drops it
  return granted;
}

std::string head(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), std::streamsize(n));
  s.resize(size_t(in.gcount()));
  return s;
}

void write_head(const std::string& path, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

// What real LMDB leaves in a lock file it set up: its magic 0xBEEFC0DE
// (little-endian) and a format word, then its own data.
const std::string kLmdbHead("\xDE\xC0\xEF\xBE\x01\x00\x01\x00", 8);

void put(Env& env, const std::string& k, const std::string& v) {
  alder::Txn w = env.begin_write();
  w.put(k, v);
  w.commit();
}

TEST(LockFile, HeldAgainstLmdbWhileAnyEnvHasTheFileOpen) {
  TempDir dir;
  const std::string path = dir.file(), lock = Env::lock_path(path);
  {
    Env env = Env::open(path);
    put(env, "k", "v");
    EXPECT_FALSE(lmdb_would_lock_exclusively(lock));  // this process too
    {
      EnvOptions ro;
      ro.read_only = true;
      Env reader = Env::open(path, ro);  // a second env, second descriptor
      EXPECT_EQ(reader.begin_read().get("k").value_or(""), "v");
    }
    // The reader closed its descriptors: the writer's lock is still held
    // (a POSIX record lock would have gone with them).
    EXPECT_FALSE(lmdb_would_lock_exclusively(lock));
    pid_t child = ::fork();
    if (child == 0) ::_exit(lmdb_would_lock_exclusively(lock) ? 1 : 0);  // another process
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_TRUE(lmdb_would_lock_exclusively(lock));  // every env closed: nobody holds it
  // A read-only env holds it as well.
  EnvOptions ro;
  ro.read_only = true;
  Env reader = Env::open(path, ro);
  EXPECT_FALSE(lmdb_would_lock_exclusively(lock));
}

TEST(LockFile, ALockFileRealLmdbRewroteIsStartedAfresh) {
  TempDir dir;
  const std::string path = dir.file(), lock = Env::lock_path(path);
  {
    Env env = Env::open(path);
    put(env, "k", "v");
  }
  for (bool read_only : {true, false}) {
    write_head(lock, kLmdbHead);
    EnvOptions o;
    o.read_only = read_only;
    Env env = Env::open(path, o);
    EXPECT_EQ(head(lock, 8), "alderlk1");
    EXPECT_EQ(env.begin_read().get("k").value_or(""), "v");
    if (!read_only) put(env, "k2", "v2");
  }
}

TEST(LockFile, AnotherForeignLockFileIsRefusedAndLeftAlone) {
  TempDir dir;
  const std::string path = dir.file(), lock = Env::lock_path(path);
  { Env env = Env::open(path); }
  write_head(lock, "notalder");
  EXPECT_ALDER_ERROR(ErrorCode::not_alder_file, Env::open(path));
  EXPECT_EQ(head(lock, 8), "notalder");
}

// Real LMDB's header while another program holds byte 0 (an LMDB env in
// the middle of opening): alder waits, then answers locked, and leaves it.
TEST(LockFile, ARewrittenLockFileSomeoneHoldsIsLeftAlone) {
  TempDir dir;
  const std::string path = dir.file(), lock = Env::lock_path(path);
  { Env env = Env::open(path); }
  write_head(lock, kLmdbHead);
  const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  struct flock l;
  std::memset(&l, 0, sizeof l);
  l.l_type = F_RDLCK;
  l.l_whence = SEEK_SET;
  l.l_len = 1;
  ASSERT_EQ(::fcntl(fd, F_SETLK, &l), 0);
  EXPECT_ALDER_ERROR(ErrorCode::locked, Env::open(path));
  EXPECT_EQ(head(lock, 8), kLmdbHead);
  ::close(fd);
  Env env = Env::open(path);  // nobody holds it now
  EXPECT_EQ(head(lock, 8), "alderlk1");
}

}  // namespace
