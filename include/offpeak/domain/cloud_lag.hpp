#pragma once
// How long a car's cloud takes to show a switch change, learned from the readings that confirm
// (or not yet) the commands. A car's cloud refreshes what it reports every few minutes (BMW:
// about 10), so a reading soon after a start may still show the car not charging. The controller
// takes a reading sooner than the lag after a switch change as no proof of a shortfall, and
// goes on to the target rather than stop and top up when the rest is shorter than the lag.
//
// The lag is the longest delay after a command at which a reading still showed the state before
// it (over the recent commands), plus a minute; a reading that agrees says nothing about it.
// Pure: the daemon and the field backtest feed it the same way.

#include <offpeak/domain/time.hpp>

#include <cstddef>
#include <deque>
#include <optional>

namespace offpeak {

class CloudLag {
 public:
  static constexpr std::size_t k_window = 40;  // the most recent disagreements kept
  static constexpr Seconds k_margin{60};
  static constexpr Seconds k_most{30 * 60};  // a reading this late that disagrees is a failure

  // A reading `after` a command (> 0) that agreed with it (the command showed) or not yet.
  void confirmation(Seconds after, bool agreed);

  // The learned lag, or nullopt until a reading has disagreed with a command.
  std::optional<Seconds> lag() const;
  // How many readings were fed (for logs).
  std::size_t samples() const { return samples_; }

 private:
  std::deque<Seconds> disagreed_;
  std::size_t samples_ = 0;
};

}  // namespace offpeak
