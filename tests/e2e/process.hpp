#pragma once
// Runs a real program of the project for end-to-end tests: output to a log file, signals,
// waiting with deadlines.

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace offpeak::testing {

class Process {
 public:
  // Starts `argv` with stdout and stderr appended to `log_file`; `env` entries
  // ("NAME=value") are added to the environment.
  Process(std::vector<std::string> argv, std::string log_file, std::vector<std::string> env = {})
      : log_(std::move(log_file)) {
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      for (auto& e : env) putenv(e.data());
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Process() {
    if (running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (exited_) return false;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      status_ = st;
      return false;
    }
    return true;
  }
  void signal(int sig) { kill(pid_, sig); }

  // Waits for the exit; returns the exit code, or -1 on timeout (the process is left running),
  // or 128+N when killed by signal N.
  int wait(std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() > end) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    return 128 + WTERMSIG(status_);
  }

  std::string log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Waits until the log contains `text` `count` times (or the process dies / time runs out).
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout, int count = 1) {
    auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::string l = log();
      int n = 0;
      for (auto pos = l.find(text); pos != std::string::npos; pos = l.find(text, pos + 1)) ++n;
      if (n >= count) return true;
      if (!running() || std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  pid_t pid_ = -1;
  std::string log_;
  bool exited_ = false;
  int status_ = 0;
};

}  // namespace offpeak::testing
