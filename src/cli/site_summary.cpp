#include "site_summary.hpp"

#include <offpeak/site/meter_payload.hpp>

namespace offpeak::cli {

std::string describe_site(const config::Config& cfg) {
  std::string out;
  auto line = [&](const char* role, const std::optional<config::MeterConfig>& m) {
    if (!m) return;
    out += std::string("  ") + role + std::string(11 - std::string(role).size(), ' ') +
           config::meter_type_name(*m) + " " + site::meter_source(*m);
    if (m->field) out += " (field " + *m->field + ")";
    if (m->unit == config::PowerUnit::kw) out += ", kW";
    if (m->sign == config::MeterSign::export_) out += ", export positive";
    out += ", stale after " + format_duration(m->max_age) + "\n";
  };
  line("grid", cfg.site.grid);
  line("pv", cfg.site.pv);
  return out;
}

}  // namespace offpeak::cli
