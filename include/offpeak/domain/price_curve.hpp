#pragma once
// Prices over time: a sorted list of non-overlapping UTC slots with a known price. Time not
// covered by any slot has an UNKNOWN price (never zero).

#include <offpeak/domain/time.hpp>

#include <optional>
#include <vector>

namespace offpeak {

struct PriceSlot {
  Instant start;
  Instant end;             // exclusive, > start
  double price_p_per_kwh;  // pence per kWh including VAT; may be negative
  friend bool operator==(const PriceSlot&, const PriceSlot&) = default;
};

class PriceCurve {
 public:
  PriceCurve() = default;
  // REQUIRES: slots sorted by start, each start < end, no overlaps. Throws
  // std::invalid_argument otherwise (a programmer error; adapters validate their input).
  explicit PriceCurve(std::vector<PriceSlot> slots);

  const std::vector<PriceSlot>& slots() const { return slots_; }
  bool empty() const { return slots_.empty(); }

  // Price at instant t, or nullopt when unknown.
  std::optional<double> price_at(Instant t) const;

  // The part of the curve inside [from, to), slots clipped to it.
  PriceCurve slice(Instant from, Instant to) const;

  // Adjacent slots with equal prices merged.
  PriceCurve merged() const;

  // Slots cut so that none crosses a multiple of `step` since the epoch (e.g. 30 min).
  PriceCurve split(Seconds step) const;

  // Known-price time within [from, to).
  Seconds known_duration(Instant from, Instant to) const;

  // End of the stretch of known prices that starts at `from` (== from when unknown at from).
  Instant known_until(Instant from) const;

  // End of the last known slot, or nullopt when empty.
  std::optional<Instant> last_end() const;

  // This curve, with its gaps inside [from, to) filled from `fallback`.
  PriceCurve filled_from(const PriceCurve& fallback, Instant from, Instant to) const;

  friend bool operator==(const PriceCurve&, const PriceCurve&) = default;

 private:
  std::vector<PriceSlot> slots_;
};

// Something that can tell prices over a time range. Implementations: static time-of-use
// rules, a fixed curve (CSV), dynamic feeds (cached curve plus optional fallback).
class Tariff {
 public:
  virtual ~Tariff() = default;
  // Prices within [from, to). Unknown times are gaps in the curve.
  virtual PriceCurve prices(Instant from, Instant to) const = 0;
};

// A tariff over a fixed, already known curve (CSV prices, cached dynamic prices).
class CurveTariff final : public Tariff {
 public:
  explicit CurveTariff(PriceCurve curve) : curve_(std::move(curve)) {}
  PriceCurve prices(Instant from, Instant to) const override { return curve_.slice(from, to); }
  const PriceCurve& curve() const { return curve_; }

 private:
  PriceCurve curve_;
};

}  // namespace offpeak
