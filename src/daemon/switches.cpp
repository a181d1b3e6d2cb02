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
#include <cmath>
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
  HttpSwitch(config::HttpSwitch c, CurrentSetting full) : c_(std::move(c)), full_(full) {}
  boost::asio::awaitable<SwitchOutcome> send(Action action, std::string device_id) override {
    if (action == Action::start) {
      SwitchOutcome o = co_await start_at(full_, std::move(device_id));
      co_return o;
    }
    SwitchOutcome o = co_await request(c_.stop, device_id, action, std::nullopt);
    co_return o;
  }
  boost::asio::awaitable<SwitchOutcome> start_at(CurrentSetting c, std::string device_id) override {
    SwitchOutcome o = co_await request(c_.start, device_id, Action::start, std::nullopt);
    if (o.ok && c_.set_current) {
      SwitchOutcome r = co_await request(*c_.set_current, device_id, Action::start, c);
      co_return SwitchOutcome{r.ok, o.detail + "; current: " + r.detail};
    }
    co_return o;
  }
  bool modulating() const override { return c_.set_current.has_value(); }
  boost::asio::awaitable<SwitchOutcome> set_current(CurrentSetting c,
                                                    std::string device_id) override {
    if (!c_.set_current || c.current_a <= 0) {
      SwitchOutcome o =
          co_await send(c.current_a > 0 ? Action::start : Action::stop, std::move(device_id));
      co_return o;
    }
    SwitchOutcome o = co_await request(*c_.set_current, device_id, Action::start, c);
    co_return o;
  }
  bool confirmable() const override { return true; }
  std::string name() const override { return "http"; }

 private:
  boost::asio::awaitable<SwitchOutcome> request(config::HttpRequestTemplate t,
                                                std::string device_id, Action action,
                                                std::optional<CurrentSetting> current) {
    auto fill = [&](const std::string& text) {
      std::string v = substitute(text, device_id, action);
      return current ? substitute_current(std::move(v), *current) : v;
    };
    net::ClientRequest req;
    req.method = t.method;
    req.url = fill(t.url);
    req.body = fill(t.body);
    for (const auto& [k, v] : t.headers)
      req.headers.emplace_back(k, fill(v));
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

  config::HttpSwitch c_;
  CurrentSetting full_;
};

class ExecSwitch final : public Switch {
 public:
  ExecSwitch(config::ExecSwitch c, boost::asio::thread_pool& pool, CurrentSetting full)
      : c_(std::move(c)), pool_(pool), full_(full) {}
  boost::asio::awaitable<SwitchOutcome> send(Action action, std::string device_id) override {
    if (action == Action::start) {
      SwitchOutcome o = co_await start_at(full_, std::move(device_id));
      co_return o;
    }
    SwitchOutcome o = co_await run(c_.stop, device_id, action, std::nullopt);
    co_return o;
  }
  boost::asio::awaitable<SwitchOutcome> start_at(CurrentSetting c, std::string device_id) override {
    SwitchOutcome o = co_await run(c_.start, device_id, Action::start, std::nullopt);
    if (o.ok && !c_.set_current.empty()) {
      SwitchOutcome r = co_await run(c_.set_current, device_id, Action::start, c);
      co_return SwitchOutcome{r.ok, o.detail + "; current: " + r.detail};
    }
    co_return o;
  }
  bool modulating() const override { return !c_.set_current.empty(); }
  boost::asio::awaitable<SwitchOutcome> set_current(CurrentSetting c,
                                                    std::string device_id) override {
    if (c_.set_current.empty() || c.current_a <= 0) {
      SwitchOutcome o =
          co_await send(c.current_a > 0 ? Action::start : Action::stop, std::move(device_id));
      co_return o;
    }
    SwitchOutcome o = co_await run(c_.set_current, device_id, Action::start, c);
    co_return o;
  }
  bool confirmable() const override { return true; }
  std::string name() const override { return "exec"; }

 private:
  boost::asio::awaitable<SwitchOutcome> run(std::vector<std::string> argv, std::string device_id,
                                            Action action, std::optional<CurrentSetting> current) {
    for (auto& a : argv) {
      a = substitute(a, device_id, action);
      if (current) a = substitute_current(std::move(a), *current);
    }
    const Seconds timeout = c_.timeout;
    // argv lives in this coroutine's frame until the program has run (see offload).
    const std::vector<std::string>* args = &argv;
    SwitchOutcome out = co_await offload<SwitchOutcome>(
        pool_, [args, timeout] { return run_program(*args, timeout); });
    co_return out;
  }

  config::ExecSwitch c_;
  boost::asio::thread_pool& pool_;
  CurrentSetting full_;
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

boost::asio::awaitable<SwitchOutcome> Switch::start_at(CurrentSetting c, std::string device_id) {
  (void)c;
  SwitchOutcome o = co_await send(Action::start, std::move(device_id));
  co_return o;
}

boost::asio::awaitable<SwitchOutcome> Switch::set_current(CurrentSetting c, std::string device_id) {
  SwitchOutcome o =
      co_await send(c.current_a > 0 ? Action::start : Action::stop, std::move(device_id));
  co_return o;
}

CurrentSetting current_setting(const config::CurrentControl& cc, double current_a, int phases) {
  CurrentSetting c;
  c.current_a = std::max(0.0, std::round(current_a * 10.0) / 10.0);
  c.phases = phases == 3 ? 3 : 1;
  c.power_w = c.current_a * cc.voltage * c.phases;
  return c;
}

CurrentSetting full_current(const config::Config& cfg) {
  const auto& cc = cfg.current;
  const double kw = cfg.vehicle.spec.max_charge_kw;
  // Never above the car's power on the most phases (spec solar.md), never below the minimum.
  const double car_a =
      std::floor(kw * 1000.0 / (cc.voltage * cc.max_phases()) * 10.0 + 1e-9) / 10.0;
  const double a = std::max(std::min(cc.max_current(kw), car_a), cc.min_current_a);
  return current_setting(cc, a, cc.max_phases());
}

std::string substitute_current(std::string text, const CurrentSetting& c) {
  auto replace_all = [&text](std::string_view from, const std::string& to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
      text.replace(pos, from.size(), to);
    }
  };
  const double tenths = std::round(c.current_a * 10.0);
  std::string amps = std::fmod(tenths, 10.0) == 0.0
                         ? std::to_string(static_cast<long long>(tenths / 10.0))
                         : std::to_string(static_cast<long long>(tenths / 10.0)) + "." +
                               std::to_string(static_cast<long long>(std::fmod(tenths, 10.0)));
  replace_all("{current_a}", amps);
  replace_all("{power_w}", std::to_string(std::llround(c.power_w)));
  replace_all("{phases}", std::to_string(c.phases));
  return text;
}

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

std::unique_ptr<Switch> make_switch(const config::Config& cfg, boost::asio::thread_pool& exec_pool,
                                    MqttSwitchFactory* mqtt) {
  const config::SwitchConfig& config = cfg.switch_config;
  if (const auto* m = std::get_if<config::MqttSwitch>(&config)) {
    if (mqtt) return mqtt->make_mqtt_switch(*m, full_current(cfg));
    spdlog::error("switch type mqtt without an MQTT connection: commands are only logged");
  }
  if (const auto* h = std::get_if<config::HttpSwitch>(&config))
    return std::make_unique<HttpSwitch>(*h, full_current(cfg));
  if (const auto* e = std::get_if<config::ExecSwitch>(&config)) {
    return std::make_unique<ExecSwitch>(*e, exec_pool, full_current(cfg));
  }
  // type: ocpp needs the event loop and the service: Service::setup_ocpp replaces this.
  return std::make_unique<LogSwitch>();
}

}  // namespace offpeak::daemon
