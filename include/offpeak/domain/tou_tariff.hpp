#pragma once
// Static time-of-use tariffs: periods of local wall-clock time with weekday and month filters.

#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace offpeak {

struct TouPeriod {
  std::uint8_t days_mask = 0x7f;      // bit Weekday::mon..sun of the day the period STARTS
  std::uint16_t months_mask = 0xfff;  // bit 0 = January .. bit 11 = December
  int start_minutes = 0;              // 0..1439, local wall clock
  int end_minutes = 0;                // 0..1440; end <= start crosses midnight; == start: whole day
  double price_p_per_kwh = 0.0;
};

struct TouRules {
  std::string name;
  std::optional<double> standing_charge_p_per_day;
  std::optional<double> default_price_p_per_kwh;  // used whenever no period matches
  std::vector<TouPeriod> periods;                 // later entries win where they overlap
};

// Where the rules leave a price undefined (no default): a description such as
// "Sat in Jan at 16:00", or nullopt when the periods cover every minute of every week.
std::optional<std::string> tou_coverage_gap(const TouRules& rules);

// Evaluates time-of-use rules in a time zone. Wall-clock semantics on DST days: a period
// 00:30-05:30 lasts 4 real hours on the spring-forward night and 6 on the fall-back night.
// A start that falls into a repeated hour uses its first occurrence, an end its second.
class TouTariff final : public Tariff {
 public:
  TouTariff(TouRules rules, Zone zone) : rules_(std::move(rules)), zone_(std::move(zone)) {}
  PriceCurve prices(Instant from, Instant to) const override;
  const TouRules& rules() const { return rules_; }

 private:
  TouRules rules_;
  Zone zone_;
};

}  // namespace offpeak
