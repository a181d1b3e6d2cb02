#pragma once
// The daemon's side of the local API. ServiceApi reads the Service's state on the
// event loop for the router, runs store reads on the database worker thread and applies (and
// persists) mode and override changes. ApiRuntime owns the backend, the router and the HTTP
// server on the Service's io_context.

#include <offpeak/api/api.hpp>
#include <offpeak/net/http_server.hpp>

#include <boost/system/result.hpp>

#include <memory>
#include <string>

namespace offpeak::daemon {

class Service;

class ServiceApi final : public api::ApiBackend {
 public:
  explicit ServiceApi(Service& service) : service_(service) {}

  api::StatusSnapshot snapshot() const override;
  const Zone& zone() const override;
  PriceCurve prices(Instant from, Instant to) const override;
  std::optional<PriceCurve> export_prices(Instant from, Instant to) const override;
  boost::asio::awaitable<std::vector<store::SampleRow>> samples(store::TimeRange r) override;
  boost::asio::awaitable<std::vector<store::SessionRow>> sessions(store::TimeRange r) override;
  boost::asio::awaitable<std::vector<store::CommandRow>> commands(store::TimeRange r) override;
  void set_mode(Mode mode, std::optional<Instant> until) override;
  std::optional<std::string> mode_refused(Mode mode) const override;
  void set_override(std::optional<DeadlineOverride> o) override;
  bool tell_soc(double percent, std::string& why) override;
  boost::asio::awaitable<std::vector<store::OutboxEntry>> notifications(int limit) override;

  // The server whose connections the metrics count (set once it exists).
  const net::HttpServer* server = nullptr;
  // Who sends the commands, for the log lines ("API", "MQTT").
  const char* origin = "API";

 private:
  Service& service_;
};

class ApiRuntime {
 public:
  explicit ApiRuntime(Service& service);
  ~ApiRuntime();
  ApiRuntime(const ApiRuntime&) = delete;
  ApiRuntime& operator=(const ApiRuntime&) = delete;

  // Binds api.listen (port 0 picks a free one) and starts serving on the event loop; logs
  // "API listening on HOST:PORT" with the bound port. On failure returns the reason and
  // serves nothing.
  boost::system::result<void, std::string> start();
  // Stops accepting and closes connections. Idempotent.
  void stop();
  // After SIGHUP: adopts the new token at once; a changed listen address is only reported
  // (it takes effect at the next restart).
  void reload();

 private:
  Service& service_;
  ServiceApi backend_;
  api::Router router_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace offpeak::daemon
