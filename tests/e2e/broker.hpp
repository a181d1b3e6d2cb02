#pragma once
// A private Mosquitto for the end-to-end tests: password authentication on a free loopback
// port, no persistence, optionally TLS; watched and commanded with mosquitto_sub/_pub.

#include "../unit/test_files.hpp"
#include "ports.hpp"
#include "process.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* k_user = "offpeak";
constexpr const char* k_password = "pa55-w0rd-MQTT";

bool have(const char* program) {
  return fs::exists(program);
}

const char* mosquitto_bin() {
  return fs::exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "/usr/bin/mosquitto";
}

// Runs a program to its end (at most `timeout`) and returns its output.
std::string run(const TempDir& dir, std::vector<std::string> argv,
                std::chrono::milliseconds timeout = 20s) {
  static int n = 0;
  const std::string log = (dir.path() / ("run-" + std::to_string(++n) + ".out")).string();
  Process p(std::move(argv), log);
  p.wait(timeout);
  return p.log();
}

// A private Mosquitto: password authentication, no persistence (a restart forgets everything
// retained), optionally TLS with the given certificate files.
class Broker {
 public:
  struct Tls {
    fs::path ca, cert, key;
  };
  explicit Broker(const TempDir& dir, std::optional<Tls> tls = std::nullopt)
      : dir_(dir), port_(free_port()) {
    passwd_ = dir.path() / "broker.passwd";
    run(dir, {"/usr/bin/mosquitto_passwd", "-b", "-c", passwd_.string(), k_user, k_password});
    std::string conf = "listener " + std::to_string(port_) + " 127.0.0.1\n" +
                       "allow_anonymous false\n" + "password_file " + passwd_.string() + "\n" +
                       "persistence false\n" + "user root\n";
    if (tls) {
      conf += "cafile " + tls->ca.string() + "\ncertfile " + tls->cert.string() + "\nkeyfile " +
              tls->key.string() + "\n";
    }
    conf_ = dir.write("broker.conf", conf);
    start();
  }
  void start() {
    process_ =
        std::make_unique<Process>(std::vector<std::string>{mosquitto_bin(), "-c", conf_.string()},
                                  (dir_.path() / "broker.log").string());
    wait_port(port_);
  }
  void kill9() {
    process_->signal(SIGKILL);
    process_->wait(5s);
  }
  unsigned short port() const { return port_; }
  bool running() { return process_ && process_->running(); }

  std::vector<std::string> client_args(const std::string& program) const {
    return {program, "-h",   "127.0.0.1", "-p",      std::to_string(port_),
            "-u",    k_user, "-P",        k_password};
  }
  struct Msg {
    bool retained = false;
    std::string topic;
    std::string payload;
  };
  // Subscribes to `filter` and returns up to `count` messages received within `wait` seconds
  // (retained messages arrive at once).
  std::vector<Msg> sub(const std::string& filter, int count, int wait_s = 5) const {
    auto args = client_args("/usr/bin/mosquitto_sub");
    args.insert(args.end(), {"-t", filter, "-C", std::to_string(count), "-W",
                             std::to_string(wait_s), "-F", "%r\t%t\t%p"});
    std::string out = run(dir_, args, std::chrono::seconds(wait_s + 5));
    std::vector<Msg> msgs;
    std::size_t pos = 0;
    while (pos < out.size()) {
      std::size_t end = out.find('\n', pos);
      if (end == std::string::npos) end = out.size();
      std::string line = out.substr(pos, end - pos);
      pos = end + 1;
      auto t1 = line.find('\t');
      auto t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
      if (t2 == std::string::npos) continue;  // "Timed out" and the like
      msgs.push_back(
          {line.substr(0, t1) == "1", line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1)});
    }
    return msgs;
  }
  // The retained value of `topic`, "" when there is none.
  std::string retained(const std::string& topic) const {
    auto m = sub(topic, 1, 2);
    return m.empty() || !m[0].retained ? std::string() : m[0].payload;
  }
  void pub(const std::string& topic, const std::string& payload, bool retain = false) const {
    auto args = client_args("/usr/bin/mosquitto_pub");
    args.insert(args.end(), {"-t", topic, "-m", payload, "-q", "1"});
    if (retain) args.push_back("-r");
    run(dir_, args);
  }
  // Waits until the retained value of `topic` is `value`.
  bool wait_retained(const std::string& topic, const std::string& value,
                     std::chrono::seconds timeout = 15s) const {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (retained(topic) == value) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

 private:
  const TempDir& dir_;
  unsigned short port_;
  fs::path passwd_;
  fs::path conf_;
  std::unique_ptr<Process> process_;
};

}  // namespace
}  // namespace offpeak::testing
