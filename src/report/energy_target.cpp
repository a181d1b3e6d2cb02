// An energy target's progress as JSON, for the API, MQTT's plan and the CLI.

#include <offpeak/report/report.hpp>

#include <boost/json.hpp>

namespace offpeak::report {

namespace json = boost::json;

json::value energy_target_json(const std::optional<EnergyProgress>& p) {
  if (!p) return nullptr;
  return json::object{{"target_kwh", round_to(p->target_kwh, 3)},
                      {"delivered_kwh", round_to(p->delivered_kwh, 3)},
                      {"progress", format_progress(*p)},
                      {"metered", p->metered},
                      {"since", format_rfc3339(p->since)}};
}

}  // namespace offpeak::report
