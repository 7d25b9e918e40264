// Readers in other processes (the lock file's reader table,
// src/txn/shared_readers.h): a read-only env reads while another process
// commits, sees its new commits, and a snapshot it holds stays intact while
// the writer reuses pages; a reader process that dies without cleaning up
// does not pin pages forever.
#include "test_util.h"

namespace {

using alder::Env;
using alder::EnvOptions;
using alder::Txn;
using alder_test::TempDir;

constexpr int kKeys = 300;

// Every commit sets all keys to "<round>/<key>" padded: a snapshot is
// consistent when all keys carry the same round.
void write_round(Env& env, uint64_t round) {
  Txn w = env.begin_write();
  for (int k = 0; k < kKeys; k++)
    w.put(alder_test::num_key(uint64_t(k), 5),
          std::to_string(round) + "/" + std::to_string(k) + std::string(100, '.'));
  w.commit();
}

// The round of a consistent snapshot, or a description of the mix.
std::string round_of(Txn& r, uint64_t* round) {
  alder_test::Dump d = alder_test::dump_forward(r);
  if (d.size() != size_t(kKeys)) return "snapshot has " + std::to_string(d.size()) + " keys";
  const std::string first = d.front().second.substr(0, d.front().second.find('/'));
  for (const auto& [k, v] : d)
    if (v.substr(0, v.find('/')) != first) return "snapshot mixes rounds";
  *round = std::stoull(first);
  return "";
}

// Forks a writer process that commits rounds until killed; returns its pid
// once round 0 is committed.
pid_t start_writer(const std::string& path) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    try {
      EnvOptions o;
      o.durability = alder::Durability::no_sync;
      Env env = Env::open(path, o);
      write_round(env, 0);
      char c = 'r';
      if (::write(fds[1], &c, 1) != 1) ::_exit(3);
      for (uint64_t r = 1;; r++) write_round(env, r);
    } catch (...) {
      ::_exit(2);
    }
  }
  ::close(fds[1]);
  char c;
  ssize_t n = ::read(fds[0], &c, 1);
  ::close(fds[0]);
  return n == 1 ? pid : -1;
}

// Kills and reaps the writer process on every way out of a test.
struct WriterProcess {
  explicit WriterProcess(pid_t p) : pid(p) {}
  ~WriterProcess() { stop(); }
  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    int status;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
  pid_t pid;
};

TEST(MultiProcess, ReadOnlyEnvReadsBesideAWriterProcess) {
  TempDir dir;
  WriterProcess writer(start_writer(dir.file()));
  ASSERT_GT(writer.pid, 0);
  {
    EnvOptions ro;
    ro.read_only = true;
    Env env = Env::open(dir.file(), ro);
    Txn held = env.begin_read();  // pinned for the whole test
    uint64_t held_round = 0;
    ASSERT_EQ(round_of(held, &held_round), "");
    const alder_test::Dump held_dump = alder_test::dump_forward(held);
    uint64_t last = held_round, distinct = 0;
    for (int i = 0; i < 400 && distinct < 20; i++) {
      Txn r = env.begin_read();
      uint64_t round = 0;
      std::string p = round_of(r, &round);
      ASSERT_EQ(p, "") << "read " << i;
      ASSERT_GE(round, last) << "a later read txn saw an older commit";
      distinct += round > last;
      last = round;
      ::usleep(2000);
    }
    EXPECT_GE(distinct, 5u) << "the reader did not follow the writer's commits";
    EXPECT_TRUE(env.verify().ok());
    // The writer reused pages all along; the held snapshot is untouched.
    EXPECT_TRUE(alder_test::dump_forward(held) == held_dump) << "a held snapshot changed";
  }
  writer.stop();
  Env env = Env::open(dir.file());
  EXPECT_TRUE(env.verify().ok());
}

TEST(MultiProcess, AReaderThatDiedDoesNotPinPages) {
  TempDir dir;
  {
    Env env = Env::open(dir.file(), alder_test::fast_options());
    write_round(env, 0);
  }
  // A reader process takes a snapshot and dies without ending it.
  std::string problem = alder_test::run_in_child([&](const auto&) {
    EnvOptions ro;
    ro.read_only = true;
    static std::optional<Env> env;  // never destroyed: _exit below
    env.emplace(Env::open(dir.file(), ro));
    static std::optional<Txn> r;
    r.emplace(env->begin_read());
    ::_exit(0);
  });
  ASSERT_EQ(problem, "");
  Env env = Env::open(dir.file(), alder_test::fast_options());
  for (uint64_t round = 1; round <= 50; round++) write_round(env, round);
  EXPECT_EQ(env.stat().readers, 0u) << "the dead reader's slot was not cleared";
  const uint64_t pages = env.stat().used_pages;
  for (uint64_t round = 51; round <= 150; round++) write_round(env, round);
  EXPECT_LE(env.stat().used_pages, pages + 8) << "freed pages are not being reused";
}

TEST(MultiProcess, SecondWriterIsRefusedButReadersAreNot) {
  TempDir dir;
  Env env = Env::open(dir.file());
  write_round(env, 0);
  std::string problem = alder_test::run_in_child([&](const auto& report) {
    try {
      Env w = Env::open(dir.file());
      report("FAIL a second writing env opened");
    } catch (const alder::Error& e) {
      if (e.code() != alder::ErrorCode::locked) report(std::string("FAIL wrong error: ") + e.what());
    }
    EnvOptions ro;
    ro.read_only = true;
    Env r = Env::open(dir.file(), ro);
    Txn t = r.begin_read();
    uint64_t round = 99;
    if (round_of(t, &round) != "" || round != 0) report("FAIL the reader saw a wrong state");
  });
  EXPECT_EQ(problem, "");
}

}  // namespace
