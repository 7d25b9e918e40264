// Reproducer for the fuzz_file findings, public API only:
//   repro FILE.alder [KEY]
// copies FILE to /tmp/alder-repro.alder, opens it read-only and verifies,
// then opens it read-write, puts KEY (default "fuzz-new-key") = "v1",
// commits and verifies again. Each step prints its result; the findings
// crash (ASan) or show a verify() failure after a commit on a file that
// verified. Build: see README.md in this directory.
#include <alder/alder.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: repro FILE.alder [KEY]\n");
    return 2;
  }
  const std::string path = "/tmp/alder-repro.alder";
  std::filesystem::copy_file(argv[1], path, std::filesystem::copy_options::overwrite_existing);
  const std::string key = argc > 2 ? argv[2] : "fuzz-new-key";
  alder::EnvOptions o;
  o.create = false;
  o.read_only = true;
  try {
    alder::Env env = alder::Env::open(path, o);
    alder::VerifyResult v = env.verify();
    std::printf("read-only open: ok; verify: %s\n", v.ok() ? "ok" : v.error.c_str());
  } catch (const alder::Error& e) {
    std::printf("read-only: %s: %s\n", alder::error_name(e.code()), e.what());
  }
  o.read_only = false;
  try {
    alder::Env env = alder::Env::open(path, o);
    alder::Txn w = env.begin_write();
    w.put(key, "v1");
    w.commit();
    alder::VerifyResult v = env.verify();
    std::printf("put + commit: ok; verify after: %s\n", v.ok() ? "ok" : v.error.c_str());
  } catch (const alder::Error& e) {
    std::printf("read-write: %s: %s\n", alder::error_name(e.code()), e.what());
  }
}
