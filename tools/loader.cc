#include "loader.h"

#include "common.h"

#include <unistd.h>

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

alder::Dbi LoadTarget::db(const std::optional<std::string>& name) {
  const alder::Dbi dbi =
      name && !name->empty() ? txn_->open_db(*name, alder::DbFlags::create) : alder::kMainDbi;
  if (!dbs_.contains(dbi)) {
    DbState s;
    s.append = txn_->db_stat(dbi).entries == 0;
    dbs_.emplace(dbi, std::move(s));
  }
  return dbi;
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
