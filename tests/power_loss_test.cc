// Power-loss simulation (issue #3, item 3). Each case runs a seeded workload
// on a SimDisk (fault_util.h), cuts the power at a random sync or between
// two operations, builds a file the platter could hold (unsynced page
// writes dropped, kept, torn or reordered), and opens it without faults:
//   sync, sync_spill: it verifies and holds the last acknowledged commit, or
//     the one in flight when the power failed (never a mix);
//   no_meta_sync, no_sync, no_sync_spill: it verifies and holds exactly one
//     committed state, no older than the newest sync (Env::sync, autosync,
//     or the sync no_meta_sync makes before each meta).
// Cases per mode: 40 by default; ALDER_FAULT_CASES=1000 for the long run.
#include "fault_util.h"
#include "test_util.h"

namespace {

using alder::Durability;
using alder::Env;
using alder::EnvOptions;
using alder::detail::EnvAccess;
using alder_fault::SimDisk;
using alder_fault::Workload;

using Mode = alder_test::DurabilityMode;
const auto& kModes = alder_test::kDurabilityModes;

bool acknowledges_durably(const Mode& m) {
  return m.durability == Durability::sync;
}

class PowerLoss : public ::testing::TestWithParam<Mode> {};
INSTANTIATE_TEST_SUITE_P(Modes, PowerLoss, ::testing::ValuesIn(kModes),
                         [](const auto& info) { return std::string(info.param.name); });

struct Totals {
  uint64_t cases = 0, cut_in_sync = 0, commits = 0, torn = 0, dropped = 0, newest = 0;
};

// One case; returns "" or the problem.
std::string power_loss_case(const Mode& mode, uint64_t seed, const std::string& dir,
                            Totals& t) {
  std::mt19937_64 rng(seed * 7919 + 17);
  const uint32_t sizes[] = {512, 1024, 4096};
  EnvOptions o = alder_test::mode_options(mode);
  o.page_size = sizes[seed % 3];
  o.autosync_bytes = 32 * 1024;
  const std::string path = dir + "/db.alder", image = dir + "/crashed.alder";
  std::filesystem::remove(path);

  Workload w(seed);
  w.create(path, o);
  SimDisk disk(path, o.page_size);
  uint64_t floor = 0;  // newest commit a completed sync covers
  disk.on_sync = [&] { floor = w.acked(); };
  const uint64_t steps = 1 + rng() % 60;
  disk.arm_cut_at_sync(1 + rng() % (steps + 2));
  const uint64_t cut_after = rng() % (steps + 1);  // if no sync cut comes first
  {
    try {
      Env env = EnvAccess::open_with_hook(path, o, &disk);
      for (uint64_t i = 0; i < steps && !disk.is_cut(); i++) {
        if (i == cut_after) {
          disk.cut_now();
          break;
        }
        w.step(env);
        disk.capture();
        if (!acknowledges_durably(mode) && rng() % 16 == 0) {
          env.sync();
          floor = w.acked();
        }
      }
    } catch (const alder::Error&) {
      if (!disk.is_cut()) throw;  // only the power cut may fail an operation
    }
    if (!disk.is_cut()) disk.cut_now();
  }  // the env closes: its sync fails (no power), nothing reaches the image
  SimDisk::ImageStats st = disk.crash_image(image, rng);
  t.cases++;
  t.commits += w.acked();
  t.torn += st.torn;
  t.dropped += st.kept_old;
  const uint64_t lo = acknowledges_durably(mode) ? w.acked() : floor;
  const uint64_t hi = w.acked() + (w.in_flight() ? 1 : 0);
  if (w.in_flight()) t.cut_in_sync++;
  std::string problem = alder_fault::check_recovered(image, w, lo, hi);
  if (problem.empty()) {
    alder::EnvOptions ro;
    ro.read_only = true;
    Env env = Env::open(image, ro);
    if (Workload::seq_of(env) == w.acked()) t.newest++;
  }
  if (!problem.empty())
    problem += " (seed " + std::to_string(seed) + ", page size " + std::to_string(o.page_size) +
               ", " + std::to_string(w.acked()) + " acknowledged, floor " + std::to_string(floor) +
               ", " + std::to_string(st.pages_changed) + " unsynced pages: " +
               std::to_string(st.kept_old) + " dropped, " + std::to_string(st.took_new) +
               " written, " + std::to_string(st.torn) + " torn)";
  return problem;
}

TEST_P(PowerLoss, RecoversExactlyOneAllowedCommittedState) {
  alder_test::TempDir dir;
  const uint64_t cases = alder_fault::case_count(40);
  uint64_t mode_index = 0;  // each mode its own seeds
  while (std::string(kModes[mode_index].name) != GetParam().name) mode_index++;
  const uint64_t base = mode_index * 1000003;
  Totals t;
  for (uint64_t c = 0; c < cases; c++) {
    std::string problem = power_loss_case(GetParam(), base + c, dir.path(), t);
    ASSERT_EQ(problem, "") << "case " << c;
  }
  std::cout << "[ info   ] " << GetParam().name << ": " << t.cases << " power cuts ("
            << t.cut_in_sync << " during a commit's sync), " << t.commits
            << " acknowledged commits, " << t.dropped << " unsynced page writes dropped, "
            << t.torn << " torn; recovered the newest commit in " << t.newest
            << " cases; 0 lost, 0 corrupt\n";
}

}  // namespace
