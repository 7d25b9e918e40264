#include "runner.h"

#include "measure.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

namespace bench {

namespace {

// The parent's ends of every live child's pipes. A child forked later
// closes them, so that each pipe has exactly one reader and one writer and
// a dead child is seen as end-of-file.
std::set<int>& parent_fds() {
  static std::set<int> fds;
  return fds;
}

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// Reads one '\n'-terminated line from fd into *line (buffering in *buf);
// false at end of file.
bool read_line_from(int fd, std::string* buf, std::string* line) {
  for (;;) {
    const std::size_t nl = buf->find('\n');
    if (nl != std::string::npos) {
      *line = buf->substr(0, nl);
      buf->erase(0, nl + 1);
      return true;
    }
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf->append(chunk, static_cast<std::size_t>(n));
  }
}

// The protocol: the parent sends "STEP <id> <round> <floor_pages>" or
// "QUIT"; the child answers a step with result lines (result.h) and then
// "END". A step that threw sends an "error" result and the child exits.
[[noreturn]] void child(const EngineInfo& info, const Data& data, const EngineConfig& config, int in, int out) {
  int code = 0;
  try {
    std::unique_ptr<Engine> e = info.make();
    Session session(*e, data, config, [out](const Result& r) { write_all(out, to_line(r) + "\n"); });
    std::string buf, line;
    while (read_line_from(in, &buf, &line)) {
      std::istringstream cmd(line);
      std::string verb, id;
      StepArgs a;
      cmd >> verb >> id >> a.round >> a.floor_pages;
      if (verb != "STEP") break;
      try {
        session.run(id, a);
      } catch (const std::exception& ex) {
        Result r;
        r.engine = info.name;
        r.workload = "error";
        r.ok = false;
        r.note = id + ": " + ex.what();
        write_all(out, to_line(r) + "\n");
        std::cerr << "  [" << info.name << "] error in " << id << ": " << ex.what() << "\n";
        code = 1;
      }
      write_all(out, "END\n");
      if (code != 0) break;
    }
  } catch (const std::exception& ex) {  // making the engine or its directory failed
    Result r;
    r.engine = info.name;
    r.workload = "error";
    r.ok = false;
    r.note = ex.what();
    write_all(out, to_line(r) + "\nEND\n");
    code = 1;
  }
  ::close(out);
  std::cout.flush();
  std::cerr.flush();
  ::_exit(code);
}

}  // namespace

EngineProcess::EngineProcess(const EngineInfo& info, const Data& data, const EngineConfig& config)
    : dir_(config.dir) {
  {
    std::unique_ptr<Engine> e = info.make();
    run_.name = e->name();
    run_.version = e->version();
    run_.settings_durable = e->settings(Mode::durable);
    run_.settings_nosync = e->settings(Mode::no_sync);
    run_.writer_note = e->writer_note();
    run_.compression = e->compression();
  }
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) {
    run_.failed = true;
    run_.error = "pipe failed";
    return;
  }
  std::cout.flush();
  std::cerr.flush();
  pid_ = ::fork();
  if (pid_ == 0) {
    for (const int fd : parent_fds()) ::close(fd);
    ::close(to_child[1]);
    ::close(from_child[0]);
    child(info, data, config, to_child[0], from_child[1]);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  cmd_fd_ = to_child[1];
  res_fd_ = from_child[0];
  if (pid_ < 0) {
    run_.failed = true;
    run_.error = "fork failed";
    return;
  }
  parent_fds().insert(cmd_fd_);
  parent_fds().insert(res_fd_);
  ::kill(pid_, SIGSTOP);  // idle until its first turn
}

EngineProcess::~EngineProcess() { finish(); }

bool EngineProcess::read_line(std::string* line) { return read_line_from(res_fd_, &buf_, line); }

bool EngineProcess::step(const std::string& id, const StepArgs& a) {
  if (run_.failed || pid_ <= 0) return false;
  const std::uint64_t t0 = now_ns();
  ::kill(pid_, SIGCONT);
  write_all(cmd_fd_, "STEP " + id + " " + std::to_string(a.round) + " " + std::to_string(a.floor_pages) + "\n");
  std::string line;
  bool ended = false;
  while (read_line(&line)) {
    if (line == "END") {
      ended = true;
      break;
    }
    if (auto r = from_line(line)) {
      if (r->workload == "error") {
        run_.failed = true;
        run_.error = r->note;
      } else {
        run_.rounds.push_back(*r);
      }
    }
  }
  if (!ended && !run_.failed) {
    run_.failed = true;
    run_.error = "child ended during step " + id;
  }
  if (!run_.failed) ::kill(pid_, SIGSTOP);
  run_.wall_s += static_cast<double>(now_ns() - t0) / 1e9;
  return !run_.failed;
}

void EngineProcess::finish() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);
  write_all(cmd_fd_, "QUIT\n");
  ::close(cmd_fd_);
  std::string line;
  while (read_line(&line)) {
  }
  ::close(res_fd_);
  parent_fds().erase(cmd_fd_);
  parent_fds().erase(res_fd_);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  std::error_code ec;  // the child removes its directories; a crashed one cannot
  std::filesystem::remove_all(dir_, ec);
  std::filesystem::remove_all(dir_ + "-sorted", ec);
  std::filesystem::remove_all(dir_ + "-text", ec);
  std::filesystem::remove(dir_ + ".floor", ec);
  if ((!WIFEXITED(status) || WEXITSTATUS(status) != 0) && !run_.failed) {
    run_.failed = true;
    run_.error = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                     : "exit status " + std::to_string(WEXITSTATUS(status));
  }
}

}  // namespace bench
