// Env::copy (LMDB's mdb_env_copy): a copy taken while a writer thread keeps
// committing is exactly one committed state and verifies; an existing
// destination is never replaced.
#include <atomic>
#include <thread>

#include "test_util.h"

namespace {

using alder::Env;
using alder::Txn;
using alder_test::TempDir;

TEST(EnvCopy, CopyBesideAWriterIsOneCommittedState) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options(1024));
  auto round = [&](uint64_t r) {
    Txn w = env.begin_write();
    for (int k = 0; k < 500; k++)
      w.put(alder_test::num_key(uint64_t(k), 4), std::to_string(r) + std::string(k % 50, '.'));
    if (r % 3 == 0) w.put("zbig", std::string(5000, char('a' + r % 26)));  // overflow pages
    w.commit();
  };
  round(0);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (uint64_t r = 1; !stop.load(); r++) round(r);
  });
  uint64_t progress_calls = 0;
  for (int i = 0; i < 6; i++) {
    const std::string dst = dir.file("copy" + std::to_string(i));
    env.copy(dst, [&](uint64_t done, uint64_t total) {
      EXPECT_LE(done, total);
      progress_calls++;
    });
    alder::EnvOptions ro;
    ro.read_only = true;
    Env c = Env::open(dst, ro);
    alder::VerifyResult vr = c.verify();
    EXPECT_TRUE(vr.ok()) << vr.error;
    Txn r = c.begin_read();
    alder_test::Dump d = alder_test::dump_forward(r);
    ASSERT_GE(d.size(), 500u);
    const std::string first = d.front().second.substr(0, d.front().second.find('.'));
    for (size_t k = 0; k < 500; k++)
      ASSERT_EQ(d[k].second.substr(0, d[k].second.find('.')), first) << "a mix of commits";
  }
  stop.store(true);
  writer.join();
  EXPECT_GT(progress_calls, 0u);
  EXPECT_ALDER_ERROR(alder::ErrorCode::invalid_argument, env.copy(dir.file("copy0")));
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

}  // namespace
