// `target_kwh` (in `charging:` and in a `days:` entry): an energy target, asked for whatever
// the SoC, instead of `target_soc` (domain/energy_target.hpp).

#include "yaml_reader.hpp"

namespace offpeak::config::detail {

std::optional<double> parse_target_kwh(const YAML::Node& block, Reader& r) {
  auto n = Reader::child(block, "target_kwh");
  if (!n) return std::nullopt;
  if (Reader::child(block, "target_soc")) {
    r.error_at(*n,
               "target_kwh and target_soc are exclusive: give one of them (target_kwh asks for "
               "that much energy by the ready-by whatever the SoC)");
    return std::nullopt;
  }
  return r.number_in(*n, "an energy target in kWh", 0, 1000, true);
}

}  // namespace offpeak::config::detail
