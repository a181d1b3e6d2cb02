#include "switches.hpp"

#include "runtime.hpp"

#include <offpeak/net/http_client.hpp>

#include <spdlog/spdlog.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

namespace offpeak::daemon {
namespace {

class LogSwitch final : public Switch {
 public:
  boost::asio::awaitable<SwitchOutcome> send(Action action, std::string device_id) override {
    spdlog::info("switch (log): {} charging of {}", to_string(action), device_id);
    co_return SwitchOutcome{true, "logged"};
  }
  bool confirmable() const override { return false; }
  std::string name() const override { return "log"; }
};

class HttpSwitch final : public Switch {
 public:
  explicit HttpSwitch(config::HttpSwitch c) : c_(std::move(c)) {}
  boost::asio::awaitable<SwitchOutcome> send(Action action, std::string device_id) override {
    const config::HttpRequestTemplate& t = action == Action::start ? c_.start : c_.stop;
    net::ClientRequest req;
    req.method = t.method;
    req.url = substitute(t.url, device_id, action);
    req.body = substitute(t.body, device_id, action);
    for (const auto& [k, v] : t.headers)
      req.headers.emplace_back(k, substitute(v, device_id, action));
    if (!req.body.empty() && !net::find_header(req.headers, "Content-Type")) {
      req.headers.emplace_back("Content-Type", "application/json");
    }
    net::ClientOptions opts;
    opts.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c_.timeout);
    opts.max_response_bytes = 64 * 1024;
    net::HttpResult r = co_await net::async_fetch(std::move(req), opts);
    if (r.ok()) co_return SwitchOutcome{true, "HTTP " + std::to_string(r.response->status)};
    co_return SwitchOutcome{false,
                            std::string(net::to_string(r.error.kind)) + ": " + r.error.message};
  }
  bool confirmable() const override { return true; }
  std::string name() const override { return "http"; }

 private:
  config::HttpSwitch c_;
};

class ExecSwitch final : public Switch {
 public:
  ExecSwitch(config::ExecSwitch c, boost::asio::thread_pool& pool)
      : c_(std::move(c)), pool_(pool) {}
  boost::asio::awaitable<SwitchOutcome> send(Action action, std::string device_id) override {
    std::vector<std::string> argv = action == Action::start ? c_.start : c_.stop;
    for (auto& a : argv)
      a = substitute(a, device_id, action);
    const Seconds timeout = c_.timeout;
    // argv lives in this coroutine's frame until the program has run (see offload).
    const std::vector<std::string>* args = &argv;
    SwitchOutcome out = co_await offload<SwitchOutcome>(
        pool_, [args, timeout] { return run_program(*args, timeout); });
    co_return out;
  }
  bool confirmable() const override { return true; }
  std::string name() const override { return "exec"; }

 private:
  config::ExecSwitch c_;
  boost::asio::thread_pool& pool_;
};

std::string trim_output(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  if (s.size() > 500) s = s.substr(0, 500) + "...";
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

std::string substitute(std::string text, const std::string& device_id, Action action) {
  auto replace_all = [&text](std::string_view from, std::string_view to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
      text.replace(pos, from.size(), to);
    }
  };
  replace_all("{device_id}", device_id);
  replace_all("{action}", to_string(action));
  return text;
}

SwitchOutcome run_program(const std::vector<std::string>& argv, Seconds timeout) {
  int fds[2];
  if (argv.empty() || pipe2(fds, O_CLOEXEC) != 0) return {false, "cannot start: no pipe"};
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return {false, std::string("cannot fork: ") + std::strerror(errno)};
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  std::string output;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  std::array<char, 4096> buf{};
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    ssize_t r = read(fds[0], buf.data(), buf.size());
    if (r <= 0) break;  // EOF: the program closed its output
    if (output.size() < 64 * 1024) output.append(buf.data(), static_cast<std::size_t>(r));
  }
  close(fds[0]);
  int status = 0;
  if (timed_out) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return {false, "timed out after " + format_duration(timeout) + " (killed)"};
  }
  // The output is closed; wait for the exit, still within the deadline.
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return {false, "timed out after " + format_duration(timeout) + " (killed)"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string out = trim_output(output);
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    if (code == 127 && out.empty()) return {false, "cannot run " + argv[0]};
    std::string detail = "exit " + std::to_string(code) + (out.empty() ? "" : ": " + out);
    return {code == 0, detail};
  }
  return {false, "killed by signal " + std::to_string(WTERMSIG(status))};
}

std::unique_ptr<Switch> make_switch(const config::SwitchConfig& config,
                                    boost::asio::thread_pool& exec_pool, MqttSwitchFactory* mqtt) {
  if (const auto* m = std::get_if<config::MqttSwitch>(&config)) {
    if (mqtt) return mqtt->make_mqtt_switch(*m);
    spdlog::error("switch type mqtt without an MQTT connection: commands are only logged");
  }
  if (const auto* h = std::get_if<config::HttpSwitch>(&config))
    return std::make_unique<HttpSwitch>(*h);
  if (const auto* e = std::get_if<config::ExecSwitch>(&config)) {
    return std::make_unique<ExecSwitch>(*e, exec_pool);
  }
  return std::make_unique<LogSwitch>();
}

}  // namespace offpeak::daemon
