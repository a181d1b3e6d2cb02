#include <offpeak/domain/cloud_lag.hpp>

#include <algorithm>

namespace offpeak {

void CloudLag::confirmation(Seconds after, bool agreed) {
  if (after <= Seconds{0}) return;
  ++samples_;
  // Agreement bounds nothing (the cloud may have refreshed just after the command); a reading
  // that still disagrees after k_most is a switch that did not act, not a lagging cloud.
  if (agreed || after > k_most) return;
  disagreed_.push_back(after);
  if (disagreed_.size() > k_window) disagreed_.pop_front();
}

std::optional<Seconds> CloudLag::lag() const {
  if (disagreed_.empty()) return std::nullopt;
  return *std::max_element(disagreed_.begin(), disagreed_.end()) + k_margin;
}

}  // namespace offpeak
