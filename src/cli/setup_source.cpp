#include "setup_source.hpp"

#include <offpeak/net/http_client.hpp>
#include <offpeak/vehicles/readings.hpp>

#include <fstream>
#include <sstream>

namespace offpeak::cli {

namespace {

std::string read_token(const std::string& file) {
  std::stringstream buf;
  if (file == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw SetupError(k_exit_usage, "cannot read the token file " + file);
    buf << in.rdbuf();
  }
  return trim(buf.str());
}

// GET <url><path> with the token; a failure becomes a SetupError.
std::string ha_get(const std::string& url, const std::string& token, const std::string& path) {
  net::ClientRequest req;
  req.url = url + path;
  req.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
  net::ClientOptions opts;
  opts.timeout = std::chrono::seconds{20};
  opts.max_response_bytes = 16 * 1024 * 1024;  // every state of a large installation
  net::HttpResult r = net::fetch_blocking(req, opts);
  if (r.ok()) return r.response->body;
  const auto& e = r.error;
  if (e.kind == net::HttpErrorKind::http_status && e.status == 401) {
    throw SetupError(k_exit_noperm,
                     "Home Assistant at " + url +
                         " refused the token (401): create a long-lived access token in your "
                         "profile (Security); nothing written");
  }
  if (e.kind == net::HttpErrorKind::http_status && e.status == 404) {
    throw SetupError(k_exit_failure, "Home Assistant at " + url + " has no " + path.substr(12) +
                                         " (404); nothing written");
  }
  throw SetupError(e.kind == net::HttpErrorKind::http_status ? k_exit_failure : k_exit_unavailable,
                   "Home Assistant at " + url + ": " + e.message + "; nothing written");
}

std::string shown(const vehicles::HaState& s) {
  return s.entity_id + " (" + s.state + (s.unit.empty() ? "" : " " + s.unit) + ")";
}

SourceAnswers home_assistant(const SetupArgs& args, bool interactive, Prompter& ask) {
  SourceAnswers out;
  std::string url = args.ha_url;
  if (url.empty() && interactive)
    url = ask.ask("Home Assistant URL", "http://homeassistant.local:8123");
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  if (!net::parse_url(url))
    throw SetupError(k_exit_usage,
                     "a Home Assistant URL such as http://homeassistant.local:8123 "
                     "is needed (--ha-url)");
  std::string token;
  if (!args.ha_token_file.empty()) {
    token = read_token(args.ha_token_file);
  } else if (interactive) {
    token = ask.secret("Long-lived access token (not shown)");
  } else {
    throw SetupError(k_exit_usage, "--ha-token-file FILE is needed (- reads standard input)");
  }
  if (token.empty()) throw SetupError(k_exit_usage, "an empty token; nothing written");
  if (interactive) std::cout << "Asking Home Assistant for its battery entities…\n" << std::flush;
  const std::string all = ha_get(url, token, "/api/states");
  const auto batteries = vehicles::ha_entities(all, "battery");
  const auto plugs = vehicles::ha_entities(all, "plug");
  std::string soc = args.soc_entity;
  if (soc.empty()) {
    std::vector<std::string> ids;
    std::string list;
    for (std::size_t i = 0; i < batteries.size(); ++i) {
      ids.push_back(batteries[i].entity_id);
      list += "\n  " + std::to_string(i + 1) + ") " + shown(batteries[i]);
    }
    if (ids.empty())
      throw SetupError(k_exit_failure,
                       "Home Assistant has no entity with device_class battery; give the car's "
                       "SoC sensor with --soc-entity");
    if (!interactive)
      throw SetupError(k_exit_usage, "choose the car's SoC with --soc-entity:" + list);
    std::cout << "Entities with device_class battery:" << list << "\n";
    soc = ask.choice("The car's state of charge", ids, "1");
  }
  // Read it once, as the daemon will.
  std::string problem;
  auto state = vehicles::parse_ha_state(ha_get(url, token, "/api/states/" + soc), problem);
  if (!state) throw SetupError(k_exit_failure, soc + ": " + problem + "; nothing written");
  auto v = vehicles::read_percent(state->state, "");
  std::cout << "Home Assistant: " << soc << " is "
            << (v.value ? state->state + " %" : "'" + state->state + "' (not known now)") << "\n";
  std::string plugged = args.plugged_entity;
  if (plugged.empty() && interactive && !plugs.empty()) {
    std::cout << "Entities with device_class plug:\n";
    std::vector<std::string> ids{"none"};
    for (const auto& p : plugs) {
      std::cout << "  " << ids.size() << ") " << shown(p) << "\n";
      ids.push_back(p.entity_id);
    }
    plugged = ask.choice(
        "Whether the car is plugged in (none: only the charger or a rising SoC "
        "tells)",
        ids, "none");
    if (plugged == "none") plugged.clear();
  }
  out.name = args.name.empty() ? "car" : args.name;
  out.yaml = "    type: homeassistant\n    url: " + quote(url) +
             "\n    # A long-lived access token, readable by its owner only. The service may get "
             "it\n    # as the systemd credential ha-token instead.\n    token_file: ha-token\n"
             "    soc_entity: " +
             soc + "\n";
  if (!plugged.empty()) out.yaml += "    plugged_entity: " + plugged + "\n";
  out.secret_file = "ha-token";
  out.secret = token;
  return out;
}

}  // namespace

SourceAnswers ask_source(const std::string& type, const SetupArgs& args, bool interactive,
                         Prompter& ask) {
  if (type == "homeassistant") return home_assistant(args, interactive, ask);
  if (type == "none") {
    SourceAnswers out;
    out.name = args.name.empty() ? "car" : args.name;
    out.yaml =
        "    type: none   # tell the SoC: offpeak soc 45, POST /api/v1/soc, <prefix>/soc/set\n";
    return out;
  }
  throw SetupError(k_exit_usage,
                   "unknown source '" + type + "'; expected connect, homeassistant or none");
}

}  // namespace offpeak::cli
