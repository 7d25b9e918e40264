#include "loader.h"

#include "common.h"

#include <unistd.h>

#include <iostream>

namespace alder_cli {

LoadTarget::LoadTarget(const std::string& path, Mode mode, std::uint32_t page_size)
    : path_(path), mode_(mode) {
  set_context(path);
  const bool exists = path_exists(path);
  if (mode == Mode::new_only && exists) {
    throw CliError(path + ": already exists (refusing to overwrite)");
  }
  alder::EnvOptions o;
  if (mode == Mode::into_existing_or_new && exists) {
    o.create = false;
    env_.emplace(alder::Env::open(path, o));
  } else {
    tmp_ = temp_name_next_to(path);
    o.create = true;
    o.page_size = page_size;
    // Unchecked durability while building: the file is synced once at
    // close, before it is renamed into place.
    o.durability = alder::Durability::no_sync;
    o.autosync_bytes = UINT64_MAX;
    try {
      env_.emplace(alder::Env::open(tmp_, o));
    } catch (...) {
      ::unlink(tmp_.c_str());
      ::unlink(alder::Env::lock_path(tmp_).c_str());
      throw;
    }
  }
  max_key_ = env_->max_key_size();
  txn_.emplace(env_->begin_write());
}

LoadTarget::~LoadTarget() {
  if (done_) return;
  if (txn_) txn_->abort();
  txn_.reset();
  if (env_) {
    try {
      env_->close();
    } catch (...) {
    }
  }
  env_.reset();
  if (!tmp_.empty()) {
    ::unlink(tmp_.c_str());
    ::unlink(alder::Env::lock_path(tmp_).c_str());
  }
}

void LoadTarget::set_compression(const CompressSpec& spec) {
  if (!spec.given()) return;
  spec.options();  // throws for an unknown codec
  compress_ = spec;
}

bool LoadTarget::exists(const std::string& name) {
  if (name.empty())
    return txn_->db_stat(alder::kMainDbi).entries != 0 ||
           txn_->db_options(alder::kMainDbi).compression != alder::Compression::none;
  try {
    txn_->open_db(name);
    return true;
  } catch (const alder::Error& e) {
    if (e.code() != alder::ErrorCode::unknown_db) throw;
    return false;
  }
}

alder::Dbi LoadTarget::open(const std::string& name, const alder::DbOptions* options) {
  if (!options) return name.empty() ? alder::kMainDbi : txn_->open_db(name, alder::DbFlags::create);
  return txn_->open_db(name, alder::DbFlags::create, *options);
}

alder::Dbi LoadTarget::db(const std::optional<std::string>& name, const alder::DbOptions* keep) {
  const std::string n = name.value_or("");
  for (size_t i = 0; i < pending_.size(); i++)
    if (pending_[i].name == n) return pending_[i].dbi ? *pending_[i].dbi : kPendingBase + alder::Dbi(i);
  alder::Dbi dbi;
  if (compress_) {
    alder::DbOptions o = compress_->options();
    if (compress_->train() && !exists(n)) {
      pending_.push_back({n, o, {}, {}, 0, std::nullopt});
      return kPendingBase + alder::Dbi(pending_.size() - 1);
    }
    dbi = open(n, &o);
  } else if (keep && keep->compression != alder::Compression::none) {
    dbi = open(n, keep);
  } else {
    dbi = open(n, nullptr);
  }
  if (!dbs_.contains(dbi)) {
    DbState s;
    s.append = txn_->db_stat(dbi).entries == 0;
    dbs_.emplace(dbi, std::move(s));
  }
  return dbi;
}

void LoadTarget::flush(Pending& p) {
  if (p.dbi) return;
  std::vector<std::string_view> samples;
  for (const auto& kv : p.puts)
    if (kv.second.size() >= p.options.min_size) samples.push_back(kv.second);
  // Values below min_size stay raw: with (almost) none above it there is
  // nothing to train on, nor to gain.
  if (samples.size() >= 16) try {
    p.options.dictionary = alder::train_dictionary(samples, compress_->dict_size);
  } catch (const alder::Error& e) {
    if (e.code() != alder::ErrorCode::invalid_argument) throw;
    std::cerr << "alder: db '" << (p.name.empty() ? "(main)" : p.name)
              << "': no dictionary (" << e.what() << "); zstd without one\n";
  }
  const alder::Dbi dbi = open(p.name, &p.options);
  p.dbi = dbi;
  DbState s;
  s.append = txn_->db_stat(dbi).entries == 0;
  dbs_.emplace(dbi, std::move(s));
  for (const auto& kv : p.puts) store(dbi, kv.first, kv.second, false);
  p.puts.clear();
  p.puts.shrink_to_fit();
  p.keys.clear();
}

bool LoadTarget::put(alder::Dbi dbi, std::string_view key, std::string_view value,
                     bool no_overwrite) {
  if (key.empty()) throw CliError("empty key (alder keys are 1 to " +
                                  std::to_string(max_key_) + " bytes)");
  if (key.size() > max_key_) {
    throw CliError("key too long: " + std::to_string(key.size()) + " bytes (max " +
                   std::to_string(max_key_) + " at page size " +
                   std::to_string(env_->page_size()) + ")");
  }
  if (dbi >= kPendingBase && dbi - kPendingBase < pending_.size()) {
    Pending& p = pending_[dbi - kPendingBase];
    if (p.dbi) return store(*p.dbi, key, value, no_overwrite);
    if (!p.keys.emplace(key).second) {  // a key seen twice before the db exists
      if (no_overwrite) return false;
      for (auto& kv : p.puts)
        if (kv.first == key) kv.second.assign(value);
      return true;
    }
    if (value.size() > alder::kMaxValueSize)
      throw alder::Error(alder::ErrorCode::value_too_large, "value too large");
    p.puts.emplace_back(key, value);
    p.bytes += value.size();
    if (p.bytes >= compress_->sample_bytes()) flush(p);
    return true;
  }
  return store(dbi, key, value, no_overwrite);
}

bool LoadTarget::store(alder::Dbi dbi, std::string_view key, std::string_view value,
                       bool no_overwrite) {
  DbState& s = dbs_[dbi];
  if (s.append && s.has_last && !(key > std::string_view(s.last))) s.append = false;
  bool stored;
  if (s.append) {
    stored = txn_->put(dbi, key, value, alder::PutFlags::append);
    s.last.assign(key);
    s.has_last = true;
  } else {
    stored = txn_->put(dbi, key, value,
                       no_overwrite ? alder::PutFlags::no_overwrite : alder::PutFlags::none);
  }
  if (stored) ++records_;
  return stored;
}

void LoadTarget::commit() {
  for (Pending& p : pending_) flush(p);
  txn_->commit();
  txn_.reset();
  if (!tmp_.empty()) env_->sync();
  env_->close();
  env_.reset();
  if (!tmp_.empty()) {
    ::unlink(alder::Env::lock_path(tmp_).c_str());  // the temp name's; path_ has its own
    rename_file(tmp_, path_, mode_ != Mode::replace);
  }
  done_ = true;
}

}  // namespace alder_cli
