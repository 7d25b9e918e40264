#include "machine.h"

#include <sched.h>
#include <sys/utsname.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace bench {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::size_t b = s.find_first_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b);
}

std::string field(const char* file, const char* name) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) == 0) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) return trim(line.substr(colon + 1));
    }
  }
  return "";
}

std::string run(const std::string& cmd) {
  std::string out;
  if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  return trim(out);
}

}  // namespace

Machine describe_machine(const std::string& dir) {
  Machine m;
  m.cpu = field("/proc/cpuinfo", "model name");
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) m.cores = static_cast<unsigned>(CPU_COUNT(&set));
  const std::string mem = field("/proc/meminfo", "MemTotal");
  if (!mem.empty()) m.mem_bytes = std::stoull(mem) * 1024;
  struct utsname u {};
  ::uname(&u);
  m.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  m.loadavg = run("cut -d' ' -f1-3 /proc/loadavg");
  m.filesystem = run("findmnt -no SOURCE,FSTYPE,OPTIONS --target '" + dir + "' 2>/dev/null");
#if defined(__clang__)
  m.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  m.compiler = "gcc " __VERSION__;
#endif
  return m;
}

}  // namespace bench
