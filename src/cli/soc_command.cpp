#include "soc_command.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/net/http_client.hpp>
#include <offpeak/report/report.hpp>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace offpeak::cli {

namespace json = boost::json;

CLI::App* add_soc_command(CLI::App& app, SocArgs& a) {
  auto* cmd = app.add_subcommand(
      "soc",
      "Tell a running offpeakd the car's state of charge (for cars whose SoC nobody reports); "
      "it is recorded as a told reading and carried forward by the estimator");
  cmd->add_option("PCT", a.soc_percent, "State of charge in percent, 0..100")
      ->required()
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--url", a.url, "Base URL of the daemon's API. Default http://127.0.0.1:8080");
  cmd->add_option("--token-file", a.token_file,
                  "File holding the API token (api.token_file), when the API asks for one");
  cmd->add_option("--log-level", a.log_level, "Log level on stderr: trace|debug|info|warn|error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->add_flag("--json", a.json, "Print the daemon's status as one JSON document");
  return cmd;
}

int cmd_soc(const SocArgs& a) {
  if (!net::parse_url(a.url)) {
    std::cerr << "offpeak: --url: expected http://HOST[:PORT], got '" << a.url << "'\n";
    return k_exit_usage;
  }
  net::ClientRequest req;
  req.method = "POST";
  req.url = net::join_url(a.url, "/api/v1/soc");
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", "application/json");
  if (!a.token_file.empty()) {
    std::ifstream in(a.token_file, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    std::string token = buf.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
      token.pop_back();
    if (!in || token.empty()) {
      std::cerr << "offpeak: --token-file: cannot read a token from " << a.token_file << "\n";
      return k_exit_usage;
    }
    req.headers.emplace_back("Authorization", "Bearer " + token);
  }
  req.body = json::serialize(json::object{{"soc", a.soc_percent}});
  net::ClientOptions options;
  options.timeout = std::chrono::seconds{10};
  net::HttpResult r = net::fetch_blocking(req, options);
  if (!r.ok()) {
    const auto kind = r.error.kind;
    if (kind == net::HttpErrorKind::http_status && r.error.status == 401) {
      std::cerr << "offpeak: the daemon refused the token (give --token-file with api.token_file's "
                   "token)\n";
      return k_exit_noperm;
    }
    std::cerr << "offpeak: cannot tell the SoC to " << a.url << ": " << r.error.message << "\n";
    return kind == net::HttpErrorKind::unreachable || kind == net::HttpErrorKind::timeout
               ? k_exit_unavailable
               : k_exit_failure;
  }
  if (a.json) {
    boost::system::error_code ec;
    json::value v = json::parse(r.response->body, ec);
    if (ec) {
      std::cerr << "offpeak: " << a.url << " did not answer with a status document\n";
      return k_exit_failure;
    }
    std::cout << report::to_text(v);
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "told the daemon: SoC %.0f%%\n", a.soc_percent);
    std::cout << buf;
  }
  return k_exit_ok;
}

}  // namespace offpeak::cli
