#include "fault_util.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "test_util.h"

namespace alder_fault {

IoVerdict CountdownHook::before(IoOp op, int, uint64_t) {
  if (ops_++ >= fail_from_) {
    failures_++;
    return IoVerdict::fail(err_);
  }
  return op == IoOp::sync ? IoVerdict::skip() : IoVerdict::perform();
}

IoVerdict SelectiveHook::before(IoOp op, int, uint64_t) {
  if (enabled && std::find(ops_.begin(), ops_.end(), op) != ops_.end()) {
    failures++;
    return IoVerdict::fail(err_);
  }
  return IoVerdict::perform();
}

// ---------------------------------------------------------------- SimDisk

SimDisk::SimDisk(const std::string& path, uint32_t page_size) : path_(path), ps_(page_size) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("SimDisk: open " + path + ": " + std::strerror(errno));
  durable_ = read_file();
  seen_ = durable_;
}

SimDisk::~SimDisk() {
  if (fd_ >= 0) ::close(fd_);
}

std::string SimDisk::read_file() const {
  off_t size = ::lseek(fd_, 0, SEEK_END);
  std::string out(size_t(size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, off_t(done));
    if (n <= 0) break;
    done += size_t(n);
  }
  out.resize(done);
  return out;
}

void SimDisk::capture() {
  std::lock_guard lk(mu_);
  capture_locked();
}

void SimDisk::capture_locked() {
  if (cut_) return;
  std::string now = read_file();
  const uint64_t pages = now.size() / ps_;
  for (uint64_t p = 0; p < pages; p++) {
    const char* cur = now.data() + p * ps_;
    bool changed = (p + 1) * ps_ > seen_.size() || std::memcmp(cur, seen_.data() + p * ps_, ps_);
    if (changed) versions_[p].emplace_back(cur, ps_);
  }
  seen_ = std::move(now);
}

void SimDisk::cut_now() {
  std::lock_guard lk(mu_);
  capture_locked();
  cut_ = true;
}

IoVerdict SimDisk::before(IoOp op, int, uint64_t) {
  std::unique_lock lk(mu_);
  if (cut_) return IoVerdict::fail(EIO);
  if (op == IoOp::write) capture_locked();  // each write's pages become versions of their own
  if (op != IoOp::sync) return IoVerdict::perform();
  capture_locked();
  if (cut_countdown_ && --cut_countdown_ == 0) {
    cut_ = true;
    return IoVerdict::fail(EIO);
  }
  durable_ = seen_;
  versions_.clear();
  syncs_++;
  if (on_sync) on_sync();
  const unsigned delay = sync_delay_us_;
  lk.unlock();
  if (delay) ::usleep(delay);
  return IoVerdict::skip();
}

SimDisk::ImageStats SimDisk::crash_image(const std::string& out, std::mt19937_64& rng) const {
  std::lock_guard lk(mu_);
  ImageStats st;
  std::string img = durable_;
  if (seen_.size() > img.size() && rng() % 2) img.resize(seen_.size(), '\0');
  for (const auto& [pgno, vers] : versions_) {
    const uint64_t off = pgno * ps_;
    if (off + ps_ > img.size()) continue;  // the file's new length was lost
    st.pages_changed++;
    // 0: durable contents; k: the k-th later version.
    const size_t pick = rng() % 3 == 0 ? 0 : 1 + rng() % vers.size();
    if (pick == 0) {
      st.kept_old++;
      continue;
    }
    std::string page = vers[pick - 1];
    if (rng() % 4 == 0) {
      // Torn: part of the page is the version before the one chosen.
      const std::string older = pick >= 2 ? vers[pick - 2] : img.substr(off, ps_);
      if (rng() % 2) {
        const size_t cut = 1 + rng() % (ps_ - 1);  // byte granularity
        if (rng() % 2) page.replace(0, cut, older, 0, cut);
        else page.replace(cut, ps_ - cut, older, cut, ps_ - cut);
      } else {
        for (size_t s = 0; s < ps_; s += 512)  // sector granularity
          if (rng() % 2) page.replace(s, std::min<size_t>(512, ps_ - s), older, s, 512);
      }
      st.torn++;
    } else {
      st.took_new++;
    }
    img.replace(off, ps_, page);
  }
  alder_test::write_file_bytes(out, img);
  return st;
}

// --------------------------------------------------------------- Workload

namespace {
constexpr char kSide[] = "side";
constexpr int kKeySpace = 600;

std::string wkey(std::mt19937_64& rng) {
  return alder_test::num_key(rng() % kKeySpace, 6, "key");
}

}  // namespace

Workload::Workload(uint64_t seed, const alder_test::CompressionCase& c)
    : rng_(seed), db_options_(alder_test::compression_options(c)), text_(c.compression != alder::Compression::none) {}

std::string Workload::value() {
  size_t len = rng_() % 16 == 0 ? 2000 + rng_() % 6000 : rng_() % 200;
  if (!text_) return alder_test::random_alnum(rng_, len);
  // Values under min_size (64) and random bytes stay raw; the rest shrink.
  if (rng_() % 8 == 0) return alder_test::random_bytes(rng_, len);
  return alder_test::text_value(rng_, len);
}

void Workload::create(const std::string& path, const alder::EnvOptions& o) {
  alder::EnvOptions opts = o;
  opts.create = true;
  alder::Env env = alder::Env::open(path, opts);
  alder::Txn w = env.begin_write();
  if (text_) w.open_db("", alder::DbFlags::create, db_options_);  // the main db, still empty
  alder::Dbi side = text_ ? w.open_db(kSide, alder::DbFlags::create, db_options_)
                          : w.open_db(kSide, alder::DbFlags::create);
  w.put("seq", "0");
  committed_[""]["seq"] = "0";
  w.put(side, "sentinel", "kept");  // never deleted, so "side" always lists
  committed_[kSide]["sentinel"] = "kept";
  for (int i = 0; i < 150; i++) {
    std::string k = wkey(rng_), v = value();
    w.put(k, v);
    committed_[""][k] = v;
  }
  w.commit();
  env.close();
  hashes_.assign(1, hash_state(committed_));
}

void Workload::step(alder::Env& env) {
  const bool abort = rng_() % 8 == 0;
  const uint64_t seq = acked_ + 1;
  State next = committed_;
  alder::Txn w = env.begin_write();
  alder::Dbi side = w.open_db(kSide);
  const int ops = 1 + int(rng_() % (rng_() % 10 == 0 ? 300 : 12));
  for (int i = 0; i < ops; i++) {
    const bool in_side = rng_() % 4 == 0;
    auto& db = next[in_side ? kSide : ""];
    std::string k = wkey(rng_);
    if (rng_() % 3 == 0) {
      w.del(in_side ? side : alder::kMainDbi, k);
      db.erase(k);
    } else {
      std::string v = value();
      w.put(in_side ? side : alder::kMainDbi, k, v);
      db[k] = v;
    }
  }
  if (abort) {
    w.abort();
    return;
  }
  w.put("seq", std::to_string(seq));
  next[""]["seq"] = std::to_string(seq);
  hashes_.resize(seq + 1);
  hashes_[seq] = hash_state(next);
  in_flight_ = true;
  w.commit();  // throws: stays in flight
  in_flight_ = false;
  committed_ = std::move(next);
  acked_ = seq;
}

uint64_t Workload::hash_state(const State& s) {
  XXH3_state_t* h = XXH3_createState();
  XXH3_64bits_reset(h);
  for (const auto& [name, db] : s) {
    uint64_t n = name.size();
    XXH3_64bits_update(h, &n, sizeof n);
    XXH3_64bits_update(h, name.data(), name.size());
    for (const auto& [k, v] : db) {
      uint64_t lens[2] = {k.size(), v.size()};
      XXH3_64bits_update(h, lens, sizeof lens);
      XXH3_64bits_update(h, k.data(), k.size());
      XXH3_64bits_update(h, v.data(), v.size());
    }
  }
  uint64_t out = XXH3_64bits_digest(h);
  XXH3_freeState(h);
  return out;
}

uint64_t Workload::hash_env(alder::Env& env) {
  State s;
  for (const auto& [name, dump] : alder_test::dump_env(env)) {
    auto& db = s[name];
    for (const auto& [k, v] : dump) db[k] = v;
  }
  return hash_state(s);
}

uint64_t Workload::seq_of(alder::Env& env) {
  alder::Txn r = env.begin_read();
  auto v = r.get("seq");
  if (!v) throw std::runtime_error("no seq key");
  return std::stoull(std::string(*v));
}

std::pair<uint64_t, uint64_t> Workload::value_forms(alder::Env& env) {
  alder::Txn r = env.begin_read();
  uint64_t compressed = 0, raw = 0;
  for (alder::Dbi d : {alder::kMainDbi, r.open_db(kSide)}) {
    const alder::DbSpace s = r.db_space(d);
    compressed += s.compressed_values;
    raw += s.entries - s.compressed_values;
  }
  return {compressed, raw};
}

std::string check_recovered(const std::string& path, const Workload& w, uint64_t lo,
                            uint64_t hi) {
  try {
    alder::EnvOptions o;
    o.create = false;
    alder::Env env = alder::Env::open(path, o);
    alder::VerifyResult vr = env.verify();
    if (!vr.ok()) return "verify: " + vr.error;
    const uint64_t seq = Workload::seq_of(env);
    if (seq < lo || seq > hi)
      return "holds commit " + std::to_string(seq) + ", expected one in [" + std::to_string(lo) +
             ", " + std::to_string(hi) + "]";
    if (Workload::hash_env(env) != w.hash_of(seq))
      return "holds commit " + std::to_string(seq) + " but not its exact state (a mix)";
    env.close();
    return "";
  } catch (const std::exception& e) {
    return std::string("reopen: ") + e.what();
  }
}

}  // namespace alder_fault
