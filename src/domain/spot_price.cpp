#include <offpeak/domain/spot_price.hpp>

namespace offpeak {

PriceCurve apply_formula(const PriceCurve& spot, const SpotFormula& formula) {
  if (formula.identity()) return spot;
  std::vector<PriceSlot> out = spot.slots();
  for (auto& s : out)
    s.price_p_per_kwh = formula.apply(s.price_p_per_kwh);
  return PriceCurve(std::move(out));
}

}  // namespace offpeak
