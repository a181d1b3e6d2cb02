#pragma once
// `offpeak status` (contract: ../shared/spec/cli.md): asks a running daemon's API for its
// status. Private to the cli module.

#include <string>

namespace CLI {
class App;
}

namespace offpeak::cli {

struct StatusArgs {
  std::string url = "http://127.0.0.1:8080";
  std::string log_level = "warn";
  bool json = false;
};

// Adds the `status` subcommand with its options bound to `args`; returns it.
CLI::App* add_status_command(CLI::App& app, StatusArgs& args);

// GET {url}/api/v1/status. Prints the JSON (--json) or a readable summary in the daemon's
// time zone. Returns 0, 69 when the daemon is unreachable or times out, 2 for a bad URL, 1
// for any other failure (an error status or a body that is not the status document).
int cmd_status(const StatusArgs& args);

}  // namespace offpeak::cli
