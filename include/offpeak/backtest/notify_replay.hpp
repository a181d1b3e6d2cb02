#pragma once
// The notifier over a field replay: what the owner would have been told in a simulated span
// of ordinary use. Each stay's plug-in plan (the real planner on the real prices), the plug
// reminder every evening, each session's figures at departure and the prices while away are
// fed to the domain's EventNotifier, exactly as offpeakd feeds it; device outages are not
// simulated.

#include <offpeak/backtest/backtest.hpp>
#include <offpeak/backtest/field.hpp>
#include <offpeak/domain/notify.hpp>

#include <map>
#include <string>
#include <vector>

namespace offpeak::backtest {

struct NotifyReplay {
  std::vector<NotifyEvent> events;  // in the order they were made
  std::map<std::string, int> by_event;
  int days = 0;
  // Non-urgent events held by quiet hours, and the mean wait until they may be sent.
  int held = 0;
  double mean_hold_h = 0.0;
};

// `field` is run_field's result for `options`; `settings.zone` should be setup.zone.
NotifyReplay replay_notifications(const Setup& setup, const FieldOptions& options,
                                  const FieldSummary& field, const PriceCurve& prices,
                                  NotifySettings settings);

}  // namespace offpeak::backtest
