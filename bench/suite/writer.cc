// The default Engine::writer(): the engine's own single write path shared
// by every thread under one mutex, for engines whose handle is not
// thread-safe (SQLite's one connection; any future adapter).
#include "adapter.h"

namespace bench {

class SerialWriter final : public Writer {
 public:
  explicit SerialWriter(Engine& e) : e_(e) {}
  void put_commit(std::string_view key, std::string_view value) override {
    // One mutex per engine: begin_write / put / commit use the engine's
    // single transaction state, which two threads must never share.
    std::lock_guard<std::mutex> g(e_.write_mutex_);
    e_.begin_write();
    e_.put(key, value, false);
    e_.commit();
  }

 private:
  Engine& e_;
};

std::unique_ptr<Writer> Engine::writer() { return std::make_unique<SerialWriter>(*this); }

}  // namespace bench
