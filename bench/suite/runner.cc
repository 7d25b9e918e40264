#include "runner.h"

#include "measure.h"
#include "workloads.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>

namespace bench {

namespace {

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void child(const EngineInfo& info, const Data& data, const EngineConfig& config, int fd) {
  const std::string& dir = config.dir;
  int code = 0;
  try {
    std::unique_ptr<Engine> e = info.make();
    run_workloads(*e, data, config, [fd](const Result& r) { write_all(fd, to_line(r) + "\n"); });
  } catch (const std::exception& ex) {
    Result r;
    r.engine = info.name;
    r.workload = "error";
    r.ok = false;
    r.note = ex.what();
    write_all(fd, to_line(r) + "\n");
    std::cerr << "  [" << info.name << "] error: " << ex.what() << "\n";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::remove_all(dir + "-sorted", ec);
    code = 1;
  }
  ::close(fd);
  std::cout.flush();
  std::cerr.flush();
  ::_exit(code);
}

}  // namespace

EngineRun run_engine(const EngineInfo& info, const Data& data, const EngineConfig& config) {
  const std::string& dir = config.dir;
  EngineRun run;
  {
    std::unique_ptr<Engine> e = info.make();
    run.name = e->name();
    run.version = e->version();
    run.settings_durable = e->settings(Mode::durable);
    run.settings_nosync = e->settings(Mode::no_sync);
  }
  int fds[2];
  if (::pipe(fds) != 0) {
    run.failed = true;
    run.error = "pipe failed";
    return run;
  }
  std::cout.flush();
  std::cerr.flush();
  const std::uint64_t t0 = now_ns();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    child(info, data, config, fds[1]);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    run.failed = true;
    run.error = "fork failed";
    return run;
  }
  std::string buf;
  char chunk[4096];
  ssize_t n;
  while ((n = ::read(fds[0], chunk, sizeof chunk)) > 0) buf.append(chunk, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::error_code ec;  // the child removes its directories; a crashed one cannot
  std::filesystem::remove_all(dir, ec);
  std::filesystem::remove_all(dir + "-sorted", ec);
  run.wall_s = static_cast<double>(now_ns() - t0) / 1e9;
  std::size_t start = 0;
  while (start < buf.size()) {
    std::size_t end = buf.find('\n', start);
    if (end == std::string::npos) end = buf.size();
    if (auto r = from_line(buf.substr(start, end - start))) {
      if (r->workload == "error") {
        run.failed = true;
        run.error = r->note;
      } else {
        run.results.push_back(*r);
      }
    }
    start = end + 1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    run.failed = true;
    if (run.error.empty()) {
      run.error = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                      : "exit status " + std::to_string(WEXITSTATUS(status));
    }
  }
  return run;
}

}  // namespace bench
