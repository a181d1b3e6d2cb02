#pragma once
// What a household pays for a day-ahead (spot) price: the `price:` formula of a spot tariff
// (spec tariffs-europe.md), applied once where prices enter offpeak so that the planner, the
// API and the reports see final prices.
//
//   final = (spot x (1 + markup_percent/100) + adder) x (1 + vat_percent/100)
//
// All prices in the currency's minor unit per kWh (ct/kWh for EUR). A negative spot price stays
// negative before the adder (the markup scales it, it does not flip its sign), and the final
// price may stay negative.

#include <offpeak/domain/price_curve.hpp>

namespace offpeak {

struct SpotFormula {
  double markup_percent = 0.0;
  double adder = 0.0;  // minor units per kWh, before VAT
  double vat_percent = 0.0;
  // True when the formula leaves prices as they are.
  bool identity() const { return markup_percent == 0.0 && adder == 0.0 && vat_percent == 0.0; }
  double apply(double spot_minor_per_kwh) const {
    return (spot_minor_per_kwh * (1.0 + markup_percent / 100.0) + adder) *
           (1.0 + vat_percent / 100.0);
  }
  friend bool operator==(const SpotFormula&, const SpotFormula&) = default;
};

// Every slot of `spot` through the formula (slot times unchanged; gaps stay gaps).
PriceCurve apply_formula(const PriceCurve& spot, const SpotFormula& formula);

// EUR/MWh (or any currency per MWh) -> minor units per kWh: x 100 / 1000.
inline double per_mwh_to_minor_per_kwh(double per_mwh) {
  return per_mwh / 10.0;
}

}  // namespace offpeak
