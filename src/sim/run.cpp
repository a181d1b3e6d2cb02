#include <offpeak/sim/connect_sim.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace offpeak::sim {

int run_connect_sim(int argc, char** argv) {
  CLI::App app{"offpeak-connect-sim: a simulator of the Orange Power Connect API"};
  std::string listen = "127.0.0.1:3000";
  std::string config_file;
  double speed = 1.0;
  std::string start_text;
  std::string tls_cert;
  std::string tls_key;
  bool single_object = false;
  std::string log_level = "info";
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free port)");
  app.add_option("--config", config_file,
                 "YAML file with accounts and cars (format: docs/connect-sim.md; unknown keys "
                 "are errors)")
      ->check(CLI::ExistingFile);
  app.add_option("--speed", speed, "simulated seconds per real second")->check(CLI::PositiveNumber);
  app.add_option("--start", start_text, "simulated start instant (RFC 3339), default now");
  app.add_option("--tls-cert", tls_cert, "PEM certificate chain (serve HTTPS)");
  app.add_option("--tls-key", tls_key, "PEM private key");
  app.add_flag("--single-object", single_object,
               "answer get-user-devices with a bare object when the account has one car");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  app.footer(
      "Per car, taper_above_soc/taper_end_kw make charging slow down near full and "
      "soc_update_every makes the cloud report stale values between refreshes, as real cars "
      "do. GET /sim/state shows the true state, energy_kwh and charging_log.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto logger = spdlog::stderr_color_mt("connect-sim");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));

  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--listen must be HOST:PORT\n";
    return 2;
  }
  net::ServerOptions options;
  options.host = listen.substr(0, colon);
  if (options.host.size() > 2 && options.host.front() == '[') {
    options.host = options.host.substr(1, options.host.size() - 2);
  }
  try {
    const int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<unsigned short>(port);
  } catch (const std::exception&) {
    std::cerr << "--listen: bad port in '" << listen << "'\n";
    return 2;
  }
  if (tls_cert.empty() != tls_key.empty()) {
    std::cerr << "--tls-cert and --tls-key go together\n";
    return 2;
  }
  if (!tls_cert.empty()) {
    options.tls_cert = tls_cert;
    options.tls_key = tls_key;
  }
  Instant start = SystemClock{}.now();
  if (!start_text.empty()) {
    const auto t = parse_rfc3339(start_text);
    if (!t) {
      std::cerr << "--start: not an RFC 3339 instant: '" << start_text << "'\n";
      return 2;
    }
    start = *t;
  }
  SimConfig config = default_sim_config();
  if (!config_file.empty()) {
    auto loaded = load_sim_config(config_file);
    if (!loaded.config) {
      std::cerr << loaded.error << "\n";
      return 2;
    }
    config = std::move(*loaded.config);
  }

  boost::asio::io_context ioc;
  VirtualClock clock(start, speed);
  ConnectSim sim(std::move(config), clock, single_object);
  net::HttpServer server(ioc, options, sim.handler());
  if (auto r = server.listen(); !r) {
    std::cerr << "offpeak-connect-sim: " << r.error() << "\n";
    return 1;
  }
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  boost::asio::steady_timer grace(ioc);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping", sig);
    server.stop();
    grace.expires_after(std::chrono::milliseconds(200));
    grace.async_wait([&ioc](const boost::system::error_code&) { ioc.stop(); });
  });
  const std::string shown_host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::printf("listening on %s:%u\n", shown_host.c_str(), static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  spdlog::info("simulated time starts at {} (speed {})", format_rfc3339(start), speed);
  ioc.run();
  return 0;
}

}  // namespace offpeak::sim
