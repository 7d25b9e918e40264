// A description of the machine a run happened on, for the report.
#pragma once

#include <cstdint>
#include <string>

namespace bench {

/// What the report states about the machine.
struct Machine {
  std::string cpu;         ///< model name from /proc/cpuinfo
  unsigned cores = 0;      ///< CPUs this process may run on
  std::uint64_t mem_bytes = 0;
  std::string kernel;      ///< uname -srm
  std::string filesystem;  ///< source, type and options of the mount holding the data dir
  std::string compiler;
  std::string loadavg;     ///< /proc/loadavg when the run started (shared machine)
};

/// Reads /proc and uname; dir is the data directory (--dir).
Machine describe_machine(const std::string& dir);

}  // namespace bench
