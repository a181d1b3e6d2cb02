// `charging.solar` (the surplus loop's delays and steps) and `charging.solar_max_soc`.

#include "yaml_reader.hpp"

namespace offpeak::config::detail {

void parse_charging_solar(const YAML::Node& charging, Reader& r, SolarConfig& out) {
  if (!charging.IsMap()) return;  // parse_charging has reported it
  if (auto n = Reader::child(charging, "solar_max_soc")) {
    if (auto v = r.number_in(*n, "a percentage", 1, 100)) out.max_soc = *v;
  }
  auto node = Reader::child(charging, "solar");
  if (!node) return;
  if (!r.check_map(*node, "charging.solar",
                   {"interval", "enable_delay", "disable_delay", "max_import_w", "min_change_a"}))
    return;
  auto duration_in = [&](const char* key, Seconds lo, Seconds hi, Seconds& field) {
    auto n = Reader::child(*node, key);
    if (!n) return;
    auto d = r.duration(*n);
    if (!d) return;
    if (*d < lo || *d > hi) {
      r.error_at(*n, std::string(key) + " must be between " + format_duration(lo) + " and " +
                         format_duration(hi) + ", got " + quoted(*n));
      return;
    }
    field = *d;
  };
  duration_in("interval", Seconds{1}, Seconds{600}, out.interval);
  duration_in("enable_delay", Seconds{0}, Seconds{3600}, out.enable_delay);
  duration_in("disable_delay", Seconds{0}, Seconds{3600}, out.disable_delay);
  if (auto n = Reader::child(*node, "max_import_w")) {
    if (auto v = r.number_in(*n, "a power in watts", 0, 50000)) out.max_import_w = *v;
  }
  if (auto n = Reader::child(*node, "min_change_a")) {
    if (auto v = r.number_in(*n, "a current in amperes", 0.1, 32)) out.min_change_a = *v;
  }
}

}  // namespace offpeak::config::detail
