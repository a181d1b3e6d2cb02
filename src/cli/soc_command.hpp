#pragma once
// `offpeak soc PCT`: tells a running daemon the car's state of charge (POST /api/v1/soc), for
// cars whose SoC nobody reports. Private to the cli module.

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace offpeak::cli {

struct SocArgs {
  double soc_percent = 0.0;
  std::string url = "http://127.0.0.1:8080";
  std::string token_file;  // the API token (api.token_file), when writes need one
  std::string log_level = "warn";
  bool json = false;
};

// Adds the `soc` subcommand with its arguments bound to `args`; returns it.
CLI::App* add_soc_command(CLI::App& app, SocArgs& args);

// POST {url}/api/v1/soc {"soc": PCT}. Prints the daemon's status (--json) or one line. Returns
// 0, 69 when the daemon is unreachable, 77 when it refuses the token, 2 for a bad URL or
// token file, 1 for anything else (the daemon's message on stderr).
int cmd_soc(const SocArgs& args);

}  // namespace offpeak::cli
