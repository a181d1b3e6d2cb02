#pragma once
// What exported energy earns at an instant (spec solar.md: `site.export_price`, or an export
// tariff): the price a session's solar energy is counted at, since exporting it instead would
// have earned that much. One small interface so that the source (a fixed price today, an
// export tariff's curve) can be swapped without touching the sessions.

#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <functional>
#include <optional>

namespace offpeak {

// The export price at `t`, per kWh in the currency's minor unit; nullopt when unknown (never 0
// for unknown).
using ExportPrice = std::function<std::optional<double>(Instant t)>;

// The same price at every instant (`site.export_price`).
ExportPrice fixed_export_price(double p_per_kwh);

// The price of `curve` at each instant; gaps are unknown.
ExportPrice export_price_from(PriceCurve curve);

}  // namespace offpeak
