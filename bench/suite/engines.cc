// The list of engines compiled into alder-bench. Each peer adapter is built
// only when CMake found its library (ALDER_BENCH_WITH_<ENGINE>).
#include "adapter.h"

namespace bench {

std::unique_ptr<Engine> make_alder();
#ifdef ALDER_BENCH_WITH_LMDB
std::unique_ptr<Engine> make_lmdb();
#endif
#ifdef ALDER_BENCH_WITH_ROCKSDB
std::unique_ptr<Engine> make_rocksdb();
#endif
#ifdef ALDER_BENCH_WITH_LEVELDB
std::unique_ptr<Engine> make_leveldb();
#endif
#ifdef ALDER_BENCH_WITH_WIREDTIGER
std::unique_ptr<Engine> make_wiredtiger();
#endif
#ifdef ALDER_BENCH_WITH_SQLITE
std::unique_ptr<Engine> make_sqlite();
#endif

std::vector<EngineInfo> compiled_engines() {
  std::vector<EngineInfo> v{{"alder", &make_alder}};
#ifdef ALDER_BENCH_WITH_LMDB
  v.push_back({"LMDB", &make_lmdb});
#endif
#ifdef ALDER_BENCH_WITH_ROCKSDB
  v.push_back({"RocksDB", &make_rocksdb});
#endif
#ifdef ALDER_BENCH_WITH_LEVELDB
  v.push_back({"LevelDB", &make_leveldb});
#endif
#ifdef ALDER_BENCH_WITH_WIREDTIGER
  v.push_back({"WiredTiger", &make_wiredtiger});
#endif
#ifdef ALDER_BENCH_WITH_SQLITE
  v.push_back({"SQLite", &make_sqlite});
#endif
  return v;
}

}  // namespace bench
