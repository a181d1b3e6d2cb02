#pragma once
// Prices beyond what is published, estimated from the price history: used by the planner only
// to decide what can wait (planner rule 8), never as a price to charge at.
//
// Method (a weekday-and-half-hour profile, scaled to the latest published day):
//  1. Profile: for each local weekday and slot (half hour by default) of the local day (wall clock,
//  so the
//     evening peak stays at 16:00-19:00 across DST), the mean of the history's prices at that
//     weekday and half hour; a pair with no history falls back to the mean of that half hour
//     over every weekday.
//  2. Level: the mean of the last 24 h of history minus the mean of the profile over the same
//     24 h is added to every estimate (an additive shift: robust to near-zero and negative
//     prices, unlike a ratio), so a week dearer or cheaper than the history shows in the
//     forecast.
//  3. The forecast is in slots of `resolution` (15 min, 30 min or 1 h: the source's own; the
//     profile has one value per such slot of the local day) over [from, to), on UTC slot
//     boundaries.
// Needs at least 7 days of known prices in `history` (else nullopt: without history the
// fallback tariff rule applies as before). Pass about 4 weeks ending at the latest published
// price.

#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <optional>

namespace offpeak {

std::optional<PriceCurve> forecast_prices(const PriceCurve& history, Instant from, Instant to,
                                          const Zone& zone, Seconds resolution = Seconds{1800});

}  // namespace offpeak
