#pragma once
// `offpeak setup` for the vehicle sources other than the Connect API: asks (or takes from the
// flags) where the car's SoC comes from and checks it once. Home Assistant: the URL and a
// long-lived token, then the entities whose device_class is battery to choose from, read once.
// Private to the cli module.

#include "setup_command.hpp"
#include "setup_prompt.hpp"

#include <string>

namespace offpeak::cli {

struct SourceAnswers {
  std::string name;         // vehicle.name
  std::string yaml;         // the lines under `source:` (indented four spaces)
  std::string secret_file;  // a file to write next to the configuration (owner only), or ""
  std::string secret;
};

// `type` is homeassistant or none. Throws SetupError (69 unreachable, 77 token refused, 2 a
// missing answer with --non-interactive, 1 an unknown entity).
SourceAnswers ask_source(const std::string& type, const SetupArgs& args, bool interactive,
                         Prompter& ask);

}  // namespace offpeak::cli
