// `site.export_tariff`: what exported energy earns, as a tariff (spec solar.md): a tariff
// file path or an inline mapping of type static, csv or octopus-agile (with an export product
// such as AGILE-OUTGOING-19-05-13). Exclusive with the flat `site.export_price`.

#include "yaml_reader.hpp"

namespace offpeak::config::detail {

void parse_export_tariff(const YAML::Node& site, Reader& r, const std::filesystem::path& dir,
                         Config& cfg) {
  if (!site.IsMap()) return;
  auto n = Reader::child(site, "export_tariff");
  if (!n) return;
  if (Reader::child(site, "export_price")) {
    r.error_at(*n,
               "export_tariff and export_price both given; keep one: export_price for a flat "
               "price per kWh, export_tariff for prices that change");
    return;
  }
  std::optional<TariffConfig> t;
  if (n->IsScalar()) {
    if (auto p = r.path(*n, dir)) {
      auto loaded = load_tariff_file(*p);
      for (auto& e : loaded.errors)
        r.errors().push_back(e);
      t = std::move(loaded.tariff);
    }
  } else if (n->IsMap()) {
    t = parse_tariff(*n, r, dir, 0);
  } else {
    r.error_at(*n, "expected an export tariff file path or a tariff mapping, got " + quoted(*n));
    return;
  }
  if (!t) return;
  if (std::holds_alternative<SpotTariff>(t->kind)) {
    r.error_at(*n,
               "a day-ahead price source cannot be an export tariff; use a static tariff, a csv "
               "of export prices or octopus-agile with an export product such as "
               "AGILE-OUTGOING-19-05-13");
    return;
  }
  cfg.export_tariff = std::move(*t);
}

}  // namespace offpeak::config::detail
