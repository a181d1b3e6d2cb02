#pragma once
// Runs an offpeak-connect-sim server in-process on 127.0.0.1:0 on its own thread.

#include <offpeak/net/http_client.hpp>
#include <offpeak/net/http_server.hpp>
#include <offpeak/sim/connect_sim.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <cstdint>
#include <future>
#include <string>
#include <thread>

namespace offpeak::test {

// A clock the test sets; safe to read from the server thread while the test thread sets it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant t) : s_(t.time_since_epoch().count()) {}
  Instant now() const override { return Instant{Seconds{s_.load()}}; }
  void set(Instant t) { s_.store(t.time_since_epoch().count()); }
  void advance(Seconds d) { s_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> s_;
};

class SimThread {
 public:
  explicit SimThread(sim::SimConfig config = sim::default_sim_config(), bool single_object = false,
                     net::ServerOptions options = {}, double speed = 1.0)
      : SimThread(std::move(config), nullptr, single_object, options, speed) {}
  // Simulated time from `clock` (which must outlive this object) instead of a virtual clock.
  SimThread(sim::SimConfig config, const Clock& clock)
      : SimThread(std::move(config), &clock, false, {}, 1.0) {}
  SimThread(const SimThread&) = delete;
  SimThread& operator=(const SimThread&) = delete;

 private:
  SimThread(sim::SimConfig config, const Clock* clock, bool single_object,
            net::ServerOptions options, double speed)
      : clock_(SystemClock{}.now(), speed),
        sim_(std::move(config), clock != nullptr ? *clock : clock_, single_object),
        server_(ioc_, options, sim_.handler()) {
    auto r = server_.listen();
    if (!r) throw std::runtime_error(r.error());
    thread_ = std::thread([this] { ioc_.run(); });
  }

 public:
  ~SimThread() {
    std::promise<void> done;
    boost::asio::post(ioc_, [this, &done] {
      server_.stop();
      done.set_value();
    });
    done.get_future().wait();
    ioc_.stop();
    thread_.join();
  }
  unsigned short port() const { return server_.port(); }
  std::string base(const std::string& scheme = "http",
                   const std::string& host = "127.0.0.1") const {
    return scheme + "://" + host + ":" + std::to_string(port());
  }
  // Blocking HTTP call to the simulator (for /sim/ endpoints).
  net::HttpResult call(const std::string& method, const std::string& path,
                       const std::string& body = "") const {
    net::ClientRequest req;
    req.method = method;
    req.url = base() + path;
    req.body = body;
    req.headers = {{"Content-Type", "application/json"}};
    net::ClientOptions o;
    o.timeout = std::chrono::seconds(5);
    return net::fetch_blocking(req, o);
  }
  void fault(const std::string& json_body) const {
    auto r = call("POST", "/sim/faults", json_body);
    if (!r.ok()) throw std::runtime_error("cannot set fault: " + r.error.message);
  }

 private:
  boost::asio::io_context ioc_;
  sim::VirtualClock clock_;
  sim::ConnectSim sim_;
  net::HttpServer server_;
  std::thread thread_;
};

}  // namespace offpeak::test
