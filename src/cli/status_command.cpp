#include "status_command.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/domain/money.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/net/http_client.hpp>
#include <offpeak/report/report.hpp>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace offpeak::cli {
namespace {

namespace json = boost::json;

std::string text_of(const json::value* v, std::string_view fallback = "?") {
  if (!v || v->is_null()) return std::string(fallback);
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_bool()) return v->as_bool() ? "yes" : "no";
  if (v->is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v->to_number<double>());
    return buf;
  }
  return report::to_json(*v);
}

// An RFC 3339 value in the daemon's local time when possible.
std::string local_of(const json::value* v, const std::optional<Zone>& zone) {
  if (!v || !v->is_string()) return "-";
  auto t = parse_rfc3339(std::string_view(v->as_string()));
  if (!t || !zone) return text_of(v);
  return zone->format(*t);
}

std::string power_of(const json::value* w) {
  if (!w || !w->is_number()) return "unknown";
  char buf[32];
  const double v = w->to_number<double>();
  if (std::abs(v) >= 1000)
    std::snprintf(buf, sizeof buf, "%.2f kW", v / 1000.0);
  else
    std::snprintf(buf, sizeof buf, "%.0f W", v);
  return buf;
}

// The home's meters: "site:  grid 1.23 kW importing, pv 3.10 kW (read 12:01)" or "stale".
void print_site(const json::object& site, const std::optional<Zone>& zone) {
  const auto* grid = site.if_contains("grid_w");
  std::cout << "site:         grid " << power_of(grid);
  if (grid && grid->is_number())
    std::cout << (grid->to_number<double>() < 0 ? " exporting" : " importing");
  std::cout << ", pv " << power_of(site.if_contains("pv_w"));
  if (const auto* st = site.if_contains("stale"); st && st->is_bool() && st->as_bool())
    std::cout << "; grid meter stale (no surplus assumed)";
  std::cout << "\n";
  if (const auto* ms = site.if_contains("meters"); ms && ms->is_array()) {
    for (const auto& m : ms->as_array()) {
      if (!m.is_object()) continue;
      const auto& o = m.as_object();
      const auto* stale = o.if_contains("stale");
      std::cout << "              " << text_of(o.if_contains("role")) << " meter ("
                << text_of(o.if_contains("type")) << " " << text_of(o.if_contains("source"))
                << "): " << power_of(o.if_contains("watts")) << ", read "
                << local_of(o.if_contains("read_at"), zone)
                << (stale && stale->is_bool() && stale->as_bool() ? ", stale" : "");
      if (const auto* e = o.if_contains("last_error"); e && e->is_string())
        std::cout << " (last problem: " << text_of(e) << ")";
      std::cout << "\n";
    }
  }
}

void print_readable(const json::object& s) {
  std::optional<Zone> zone;
  if (const auto* tz = s.if_contains("timezone"); tz && tz->is_string()) {
    zone = Zone::locate(std::string_view(tz->as_string()));
  }
  // Money in the daemon's currency and decimal mark (GBP and '.' for daemons that do not say).
  Money cur;
  char mark = '.';
  if (const auto* m = s.if_contains("decimal_mark"); m && m->is_string() && m->as_string() == ",")
    mark = ',';
  if (const auto* c = s.if_contains("currency"); c && c->is_string())
    cur = Money(std::string_view(c->as_string()), mark);
  const auto* soc = s.if_contains("soc");
  std::cout << "vehicle:      " << text_of(s.if_contains("vehicle")) << "\n";
  std::cout << "soc:          " << (soc && soc->is_number() ? text_of(soc) + "%" : "unknown")
            << ", " << text_of(s.if_contains("charging_state")) << ", plugged in "
            << text_of(s.if_contains("plugged_in"), "unknown") << "\n";
  std::cout << "observed:     " << local_of(s.if_contains("observed_at"), zone);
  if (const auto* st = s.if_contains("stale"); st && st->is_bool() && st->as_bool()) {
    std::cout << " (stale)";
  }
  std::cout << "\n";
  std::cout << "mode:         " << text_of(s.if_contains("mode"));
  if (const auto* u = s.if_contains("mode_until"); u && u->is_string()) {
    std::cout << " until " << local_of(u, zone);
  }
  std::cout << "\n";
  // An energy target: "target:       12.3 of 20.0 kWh by Sun 07:30 GMT (metered)".
  const auto* energy = s.if_contains("energy_target");
  if (energy && energy->is_object()) {
    const auto& e = energy->as_object();
    const auto* metered = e.if_contains("metered");
    std::cout << "target:       " << text_of(e.if_contains("progress")) << " by "
              << local_of(s.if_contains("ready_by"), zone)
              << (metered && metered->is_bool() && metered->as_bool() ? " (metered)"
                                                                      : " (switch time)");
  } else {
    std::cout << "target:       " << text_of(s.if_contains("target_soc")) << "% by "
              << local_of(s.if_contains("ready_by"), zone);
  }
  if (const auto* o = s.if_contains("override"); o && o->is_object()) std::cout << " (one-off)";
  std::cout << "\n";
  const auto* next = s.if_contains("next_action");
  if (next && next->is_object()) {
    std::cout << "next:         " << text_of(next->as_object().if_contains("action")) << " at "
              << local_of(next->as_object().if_contains("at"), zone) << "\n";
  } else {
    std::cout << "next:         none (" << text_of(s.if_contains("reason"), "nothing planned")
              << ")\n";
  }
  if (const auto* p = s.if_contains("plan"); p && p->is_object()) {
    const auto& plan = p->as_object();
    double cost = 0;
    if (const auto* c = plan.if_contains("total_cost_p"); c && c->is_number()) {
      cost = c->to_number<double>();
    }
    std::cout << "plan:         " << text_of(plan.if_contains("total_energy_kwh")) << " kWh, est. "
              << cur.amount(cost) << ", "
              << (text_of(plan.if_contains("feasible")) == "yes" ? "reaches the target"
                                                                 : "falls short")
              << "\n";
    std::cout << "              " << text_of(plan.if_contains("explanation"), "") << "\n";
  } else {
    std::cout << "plan:         none yet\n";
  }
  if (const auto* sw = s.if_contains("switch"); sw && sw->is_object()) {
    const auto& o = sw->as_object();
    const auto* failing = o.if_contains("failing");
    const bool bad = failing && failing->is_bool() && failing->as_bool();
    std::cout << "switch:       " << text_of(o.if_contains("name")) << ", on "
              << text_of(o.if_contains("on"), "unknown")
              << (bad ? ", FAILING: " + text_of(o.if_contains("problem")) : std::string()) << "\n";
  }
  if (const auto* ch = s.if_contains("charger"); ch && ch->is_object()) {
    const auto& o = ch->as_object();
    const auto* conn = o.if_contains("connected");
    const bool connected = conn && conn->is_bool() && conn->as_bool();
    std::cout << "charger:      " << text_of(o.if_contains("id"));
    if (!connected) {
      std::cout << " not connected";
    } else {
      std::cout << " " << text_of(o.if_contains("status"), "unknown");
      if (const auto* w = o.if_contains("power_w"); w && w->is_number()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, ", %.1f kW", w->to_number<double>() / 1000.0);
        std::cout << buf;
      }
      if (const auto* l = o.if_contains("limit_a"); l && l->is_number()) {
        std::cout << ", limit " << text_of(l) << " A";
      }
      if (const auto* e = o.if_contains("energy_wh"); e && e->is_number()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, ", meter %.2f kWh", e->to_number<double>() / 1000.0);
        std::cout << buf;
      }
    }
    if (const auto* e = o.if_contains("error_code"); e && e->is_string()) {
      std::cout << ", error " << text_of(e);
    }
    if (const auto* e = o.if_contains("last_error"); e && e->is_string()) {
      std::cout << " (last problem: " << text_of(e) << ")";
    }
    std::cout << "\n";
  }
  if (const auto* site = s.if_contains("site"); site && site->is_object())
    print_site(site->as_object(), zone);
  if (const auto* pr = s.if_contains("prices"); pr && pr->is_object()) {
    const auto& o = pr->as_object();
    const auto* now = o.if_contains("current_p_per_kwh");
    std::cout << "price now:    "
              << (now && now->is_number() ? cur.rate(now->to_number<double>(), 2)
                                          : std::string("unknown"))
              << "; known until " << local_of(o.if_contains("known_until"), zone) << "\n";
  }
  std::cout << "reason:       " << text_of(s.if_contains("reason"), "") << "\n";
}

}  // namespace

CLI::App* add_status_command(CLI::App& app, StatusArgs& a) {
  auto* cmd = app.add_subcommand("status", "Ask a running offpeakd for its status (its local API)");
  cmd->add_option("--url", a.url, "Base URL of the daemon's API. Default http://127.0.0.1:8080");
  cmd->add_option("--log-level", a.log_level, "Log level on stderr: trace|debug|info|warn|error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->add_flag("--json", a.json, "Print one JSON document on stdout");
  return cmd;
}

int cmd_status(const StatusArgs& a) {
  if (!net::parse_url(a.url)) {
    std::cerr << "offpeak: --url: expected http://HOST[:PORT], got '" << a.url << "'\n";
    return k_exit_usage;
  }
  net::ClientRequest req;
  req.url = net::join_url(a.url, "/api/v1/status");
  req.headers.emplace_back("Accept", "application/json");
  net::ClientOptions options;
  options.timeout = std::chrono::seconds{10};
  net::HttpResult r = net::fetch_blocking(req, options);
  if (!r.ok()) {
    std::cerr << "offpeak: cannot get the status from " << a.url << ": " << r.error.message << "\n";
    const auto kind = r.error.kind;
    return kind == net::HttpErrorKind::unreachable || kind == net::HttpErrorKind::timeout
               ? k_exit_unavailable
               : k_exit_failure;
  }
  boost::system::error_code ec;
  json::value v = json::parse(r.response->body, ec);
  if (ec || !v.is_object()) {
    std::cerr << "offpeak: " << a.url << " did not answer with a status document\n";
    return k_exit_failure;
  }
  if (a.json) {
    std::cout << report::to_text(v);
  } else {
    print_readable(v.as_object());
  }
  return k_exit_ok;
}

}  // namespace offpeak::cli
