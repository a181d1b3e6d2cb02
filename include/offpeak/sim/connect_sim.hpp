#pragma once
// offpeak-connect-sim: a simulator of the Orange Power Connect API with simulated cars
// behind it (see shared/spec/connect-sim.md and docs/connect-sim.md). The request handler is
// independent of sockets so tests can run it in-process on a real HttpServer.

#include <offpeak/domain/simulated_car.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/net/http_server.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::sim {

struct SimCar {
  SimulatedCarParams params;
  std::string record_id;                   // "_id" (24 hex); derived from device_id when empty
  std::string id;                          // "id" (32 hex); derived from device_id when empty
  std::string range_units = "KILOMETERS";  // or "MILES" (range is then reported in miles)
  // The cloud refreshes what get-user-devices reports (SoC, range, plug and charging state)
  // at most this often, on a fixed schedule from the simulator's start; nullopt: always live.
  std::optional<Seconds> soc_update_every;
};

struct SimAccount {
  std::string email;
  std::string password;
  std::string user_id;                     // 24 hex; derived from email when empty
  std::vector<std::string> devices;        // device_ids of cars this account sees
  std::vector<std::string> static_tokens;  // tokens that are always valid (documentation)
};

struct SimConfig {
  std::int64_t expires_in = 28800;  // seconds, reported in the token answer
  Zone zone = Zone::utc();          // for plug-in patterns
  std::vector<SimCar> cars;
  std::vector<SimAccount> accounts;
};

// The built-in configuration: accounts demo@outlook.com/demopass (the spec's), plus the seed
// document's own example credentials and token, all seeing one car shaped like the seed's
// example (BMW i3s 94 REX, WBY7ZddD802daf16, 82 %, not plugged in).
SimConfig default_sim_config();

// Reads a YAML configuration (format in docs/connect-sim.md). Never throws; on failure the
// error is "FILE:LINE:COL: what is wrong" (1-based; "FILE: ..." when there is no position).
// Unknown keys are errors, with a did-you-mean when a known key is close.
struct SimConfigResult {
  std::optional<SimConfig> config;
  std::string error;
};
SimConfigResult load_sim_config(const std::filesystem::path& file);

// Simulated time: `start` plus `speed` times the real (steady) time elapsed since creation.
class VirtualClock final : public Clock {
 public:
  VirtualClock(Instant start, double speed);
  Instant now() const override;

 private:
  Instant start_;
  double speed_;
  std::chrono::steady_clock::time_point real_start_;
};

// The simulator's state and request handler. Use on one io_context thread only.
class ConnectSim {
 public:
  // `clock` gives simulated time and must outlive the simulator.
  ConnectSim(SimConfig config, const Clock& clock, bool single_object = false);
  ~ConnectSim();
  ConnectSim(const ConnectSim&) = delete;
  ConnectSim& operator=(const ConnectSim&) = delete;

  // Serves one request: /api/... (the documented API, with faults applied) and /sim/...
  boost::asio::awaitable<net::ServerResponse> handle(net::ServerRequest request);

  // A net::Handler calling handle() on this object (which must outlive the server).
  net::Handler handler();

  struct State;  // opaque; defined in connect_sim.cpp

 private:
  std::unique_ptr<State> state_;
};

// The whole program: parses arguments (CLI11), runs the server until SIGTERM/SIGINT and
// returns the exit code (0 after a signal, 2 on bad arguments, 1 when it cannot listen).
int run_connect_sim(int argc, char** argv);

}  // namespace offpeak::sim
