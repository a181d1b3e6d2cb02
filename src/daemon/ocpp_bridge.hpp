#pragma once
// The daemon's OCPP 1.6J central system (`switch: type: ocpp`): the WebSocket server (net),
// the charge point's protocol state machine (ocpp) and the loadpoint in between. It is the
// switch (hold at 0 A / release to max_current_a) and an observer: plug-in and unplug, the
// charger's word on whether it offers current, metered energy and power reach the controller,
// the sessions and the API at once. docs/ocpp.md says what an installer sees.

#include "switches.hpp"

#include <offpeak/api/api.hpp>
#include <offpeak/config/config.hpp>
#include <offpeak/ocpp/charge_point.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace offpeak::net {
class WebSocketServer;
class WsConnection;
}  // namespace offpeak::net

namespace offpeak::daemon {

class Loadpoint;

class OcppBridge {
 public:
  OcppBridge(Loadpoint& loadpoint, config::OcppSwitch cfg);
  ~OcppBridge();
  OcppBridge(const OcppBridge&) = delete;
  OcppBridge& operator=(const OcppBridge&) = delete;

  // Listens on switch.listen and logs "OCPP listening on HOST:PORT".
  boost::system::result<void, std::string> start();
  void stop();
  // A reloaded configuration: limits and id at once; a new listen address or TLS files at the
  // next restart.
  void reconfigure(const config::OcppSwitch& cfg);

  // The Switch the controller drives.
  std::unique_ptr<Switch> make_switch();
  // Sets the limit the plan wants (hold or release) and waits for the charger's answer.
  boost::asio::awaitable<SwitchOutcome> set(bool on);
  // Sets a current per phase (0 holds) on 1 or 3 phases, and waits for the charger's answer.
  boost::asio::awaitable<SwitchOutcome> set_current(double amps, int phases);

  // The daemon's configuration (current control, the car).
  const config::Config& config() const;
  // For /api/v1/status and /metrics.
  api::ChargerSnapshot snapshot() const;
  // The charger's plug state overrides a car reading's (the car's cloud lags).
  void amend(VehicleState& reading) const;

 private:
  void opened(std::shared_ptr<net::WsConnection> conn, std::string remote);
  void message(net::WsConnection& conn, std::string text);
  void closed(net::WsConnection& conn, std::string why);
  // Sends what the charge point has queued and acts on its events.
  void pump();
  void handle(const ocpp::Event& e);
  void report_to_controller();
  boost::asio::awaitable<SwitchOutcome> await_ticket(std::uint64_t ticket);
  boost::asio::awaitable<void> tick_loop();
  std::string ip_of(const std::string& remote) const;
  double kw_at(double amps) const;

  Loadpoint& lp_;
  config::OcppSwitch cfg_;
  ocpp::ChargePoint cp_;
  std::unique_ptr<net::WebSocketServer> server_;
  std::shared_ptr<net::WsConnection> conn_;
  boost::asio::steady_timer tick_timer_;
  bool stopping_ = false;
  std::optional<bool> last_offering_;
  std::optional<bool> last_plugged_;
};

}  // namespace offpeak::daemon
