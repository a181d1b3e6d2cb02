#include <offpeak/domain/export_price.hpp>

#include <utility>

namespace offpeak {

ExportPrice fixed_export_price(double p_per_kwh) {
  return [p_per_kwh](Instant) -> std::optional<double> { return p_per_kwh; };
}

ExportPrice export_price_from(PriceCurve curve) {
  return [curve = std::move(curve)](Instant t) { return curve.price_at(t); };
}

}  // namespace offpeak
