#include <offpeak/domain/notify.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace offpeak {

namespace {

constexpr std::pair<EventKind, std::string_view> k_names[] = {
    {EventKind::target_at_risk, "target_at_risk"},   {EventKind::target_missed, "target_missed"},
    {EventKind::not_plugged_in, "not_plugged_in"},   {EventKind::session_done, "session_done"},
    {EventKind::account_problem, "account_problem"}, {EventKind::device_offline, "device_offline"},
    {EventKind::cheap_energy, "cheap_energy"},       {EventKind::test, "test"}};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string pct(double v) {
  return fmt("%.0f%%", v);
}

// "7.5p/kWh" (GBP, as before currencies existed), "7,5 ct/kWh".
std::string price_text(const Money& money, double minor_per_kwh) {
  if (money.code() == "GBP") return money.number(minor_per_kwh, 1) + "p/kWh";
  return money.rate(minor_per_kwh, 1);
}

// "1h20m" / "40m" for a number of hours, rounded up to whole minutes.
std::string hours_text(double hours) {
  const long long minutes = std::max<long long>(1, static_cast<long long>(std::ceil(hours * 60)));
  return format_duration(Seconds{minutes * 60});
}

}  // namespace

std::string_view to_string(EventKind kind) {
  for (const auto& [k, n] : k_names)
    if (k == kind) return n;
  return "test";
}

std::optional<EventKind> parse_event_kind(std::string_view text) {
  for (const auto& [k, n] : k_names)
    if (n == text) return k;
  return std::nullopt;
}

bool is_urgent(EventKind kind) {
  return kind == EventKind::target_at_risk || kind == EventKind::not_plugged_in ||
         kind == EventKind::account_problem || kind == EventKind::test;
}

Seconds notify_retry_delay(int failures) {
  const int n = std::clamp(failures, 1, 6);
  return std::min(Seconds{30 << (n - 1)}, Seconds{600});
}

Instant end_of_quiet_hours(Instant t, const std::optional<QuietHours>& quiet, const Zone& zone) {
  if (!quiet || quiet->from.minutes == quiet->to.minutes) return t;
  const LocalTime local = zone.to_local(t);
  const int s = local.seconds_of_day;
  const int from = quiet->from.minutes * 60;
  const int to = quiet->to.minutes * 60;
  const LocalDate today = local.date;
  const LocalDate tomorrow{std::chrono::sys_days{today} + std::chrono::days{1}};
  if (from < to) return s >= from && s < to ? zone.at(today, quiet->to.minutes) : t;
  if (s >= from) return zone.at(tomorrow, quiet->to.minutes);
  if (s < to) return zone.at(today, quiet->to.minutes);
  return t;
}

EventNotifier::EventNotifier(NotifySettings settings) : settings_(std::move(settings)) {}

void EventNotifier::set_settings(NotifySettings settings) {
  settings_ = std::move(settings);
}

void EventNotifier::remember(const std::string& key, Instant at) {
  auto [it, inserted] = sent_keys_.emplace(key, at);
  if (!inserted) it->second = std::max(it->second, at);
  // The condition is the key without its instant or day (from the first ':' followed by a
  // digit): "device_offline:charger:2026-01-13T11:45:00Z" -> "device_offline:charger".
  for (std::size_t colon = key.find(':'); colon != std::string::npos;
       colon = key.find(':', colon + 1)) {
    if (colon + 1 < key.size() && std::isdigit(static_cast<unsigned char>(key[colon + 1]))) {
      auto& last = last_condition_[key.substr(0, colon)];
      last = std::max(last, at);
      break;
    }
  }
}

std::string EventNotifier::local_day(Instant t) const {
  const LocalDate d = settings_.zone.local_date(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::optional<NotifyEvent> EventNotifier::make(Instant now, EventKind kind, std::string key,
                                               std::string condition, std::string title,
                                               std::string message,
                                               std::map<std::string, EventValue> data) {
  // Forget what is too old to matter (keys carry their day or deadline).
  std::erase_if(sent_keys_, [&](const auto& e) { return e.second < now - std::chrono::days{3}; });
  if (sent_keys_.count(key)) return std::nullopt;
  if (!condition.empty()) {
    auto it = last_condition_.find(condition);
    if (it != last_condition_.end() && now - it->second < settings_.flapping_limit)
      return std::nullopt;
    last_condition_[condition] = now;
  }
  sent_keys_.emplace(key, now);
  NotifyEvent e;
  e.kind = kind;
  e.at = now;
  e.urgent = is_urgent(kind);
  e.not_before = e.urgent ? now : end_of_quiet_hours(now, settings_.quiet_hours, settings_.zone);
  e.key = std::move(key);
  e.title = std::move(title);
  e.message = std::move(message);
  e.vehicle = settings_.vehicle;
  e.data = std::move(data);
  return e;
}

std::vector<NotifyEvent> EventNotifier::on_plan(Instant now, const Plan& plan, bool plugged_in,
                                                double max_charge_kw) {
  std::vector<NotifyEvent> out;
  if (!plugged_in || plan.feasible || plan.shortfall_kwh <= 0.05) return out;
  const std::string when = settings_.zone.format(plan.ready_by);
  std::string message = "By " + when + " the car reaches about " + pct(plan.expected_soc) +
                        " of its " + pct(plan.target_soc) +
                        " target: " + fmt("%.1f", plan.shortfall_kwh) + " kWh short.";
  std::map<std::string, EventValue> data{
      {"ready_by", format_rfc3339(plan.ready_by)}, {"target_soc", plan.target_soc},
      {"expected_soc", plan.expected_soc},         {"soc", plan.soc},
      {"shortfall_kwh", plan.shortfall_kwh},       {"energy_needed_kwh", plan.energy_needed_kwh}};
  if (max_charge_kw > 0) {
    const double more_h = plan.shortfall_kwh / max_charge_kw;
    message += " It would take about " + hours_text(more_h) +
               " more charging: plug in earlier, move the ready-by later or lower the target.";
    data["extra_hours"] = more_h;
  }
  if (auto e = make(now, EventKind::target_at_risk,
                    "target_at_risk:" + format_rfc3339(plan.ready_by), "target_at_risk",
                    "Target at risk: " + pct(plan.expected_soc) + " of " + pct(plan.target_soc) +
                        " by " + settings_.zone.format_hhmm(plan.ready_by),
                    std::move(message), std::move(data)))
    out.push_back(std::move(*e));
  return out;
}

std::vector<NotifyEvent> EventNotifier::on_session_closed(Instant now, const SessionFacts& s) {
  std::vector<NotifyEvent> out;
  const std::string id = format_rfc3339(s.started_at);
  std::string socs;
  if (s.start_soc && s.end_soc) socs = " (" + pct(*s.start_soc) + " to " + pct(*s.end_soc) + ")";
  std::string message = "Charged " + settings_.money.number(s.energy_kwh, 1) + " kWh" + socs +
                        " for " + settings_.money.amount(s.cost_p) + ".";
  std::map<std::string, EventValue> data{{"started_at", id},
                                         {"ended_at", format_rfc3339(s.ended_at)},
                                         {"energy_kwh", s.energy_kwh},
                                         {"cost_p", s.cost_p}};
  if (s.start_soc) data["start_soc"] = *s.start_soc;
  if (s.end_soc) data["end_soc"] = *s.end_soc;
  if (s.saving_p) {
    data["saving_p"] = *s.saving_p;
    message += " Saved " + settings_.money.amount(*s.saving_p) + " against charging at once.";
  }
  if (s.solar_share) {
    data["solar_share"] = *s.solar_share;
    message += " Solar share " + pct(*s.solar_share * 100) + ".";
  }
  if (auto e = make(now, EventKind::session_done, "session_done:" + id, "",
                    "Charging session done: " + settings_.money.number(s.energy_kwh, 1) + " kWh, " +
                        settings_.money.amount(s.cost_p),
                    message, data))
    out.push_back(std::move(*e));
  if (s.target_soc && s.end_soc && *s.end_soc + 0.5 < *s.target_soc) {
    std::map<std::string, EventValue> d{
        {"started_at", id}, {"end_soc", *s.end_soc}, {"target_soc", *s.target_soc}};
    if (auto e = make(now, EventKind::target_missed, "target_missed:" + id, "",
                      "Target missed: left with " + pct(*s.end_soc) + " of " + pct(*s.target_soc),
                      "The car was unplugged at " + settings_.zone.format(s.ended_at) + " with " +
                          pct(*s.end_soc) + ", below its " + pct(*s.target_soc) + " target.",
                      std::move(d)))
      out.push_back(std::move(*e));
  }
  return out;
}

std::vector<NotifyEvent> EventNotifier::on_credentials_refused(Instant now,
                                                               std::string_view detail) {
  std::vector<NotifyEvent> out;
  if (auto e =
          make(now, EventKind::account_problem, "account_problem:credentials:" + local_day(now), "",
               "Car account refused the credentials",
               "The car's account refused offpeak's credentials (" + std::string(detail) +
                   "). offpeak cannot see the car until they are fixed (check "
                   "vehicle.source and the password file).",
               {{"reason", std::string("credentials")}, {"detail", std::string(detail)}}))
    out.push_back(std::move(*e));
  return out;
}

std::vector<NotifyEvent> EventNotifier::on_budget_spent(Instant now, int used, int allowed) {
  std::vector<NotifyEvent> out;
  if (auto e =
          make(now, EventKind::account_problem, "account_problem:budget:" + local_day(now), "",
               "Car account: the day's request budget is spent",
               "offpeak has used " + std::to_string(used) + " of the " + std::to_string(allowed) +
                   " requests the car's account allows today; it cannot poll the car again "
                   "before the budget renews.",
               {{"reason", std::string("budget")},
                {"used", static_cast<double>(used)},
                {"allowed", static_cast<double>(allowed)}}))
    out.push_back(std::move(*e));
  return out;
}

std::vector<NotifyEvent> EventNotifier::on_device(Instant now, const std::string& device,
                                                  bool reachable, std::string_view detail) {
  Device& d = devices_[device];
  std::vector<NotifyEvent> out;
  if (reachable) {
    if (d.announced_offline && d.failing_since) {
      const std::string since = format_rfc3339(*d.failing_since);
      if (auto e = make(now, EventKind::device_offline, "device_back:" + device + ":" + since, "",
                        "The " + device + " is back",
                        "The " + device + " is reachable again (unreachable since " +
                            settings_.zone.format(*d.failing_since) + ").",
                        {{"device", device}, {"offline", false}, {"since", since}}))
        out.push_back(std::move(*e));
    }
    d = Device{};
    return out;
  }
  if (!d.failing_since) d.failing_since = now;
  if (!detail.empty()) d.detail = std::string(detail);
  auto more = tick(now);
  for (auto& e : more)
    out.push_back(std::move(e));
  return out;
}

std::vector<NotifyEvent> EventNotifier::tick(Instant now) {
  std::vector<NotifyEvent> out;
  for (auto& [name, d] : devices_) {
    if (!d.failing_since || d.announced_offline) continue;
    if (now - *d.failing_since < settings_.offline_after) continue;
    const std::string since = format_rfc3339(*d.failing_since);
    std::map<std::string, EventValue> data{{"device", name}, {"offline", true}, {"since", since}};
    if (!d.detail.empty()) data["detail"] = d.detail;
    if (auto e = make(now, EventKind::device_offline, "device_offline:" + name + ":" + since,
                      "device_offline:" + name, "The " + name + " is offline",
                      "The " + name + " has been unreachable since " +
                          settings_.zone.format(*d.failing_since) +
                          (d.detail.empty() ? "" : " (" + d.detail + ")") + ".",
                      std::move(data))) {
      d.announced_offline = true;
      out.push_back(std::move(*e));
    }
  }
  return out;
}

std::optional<Instant> EventNotifier::next_check(Instant now) const {
  std::optional<Instant> next;
  for (const auto& [name, d] : devices_) {
    if (!d.failing_since || d.announced_offline) continue;
    Instant at = std::max(now, *d.failing_since + settings_.offline_after);
    auto it = last_condition_.find("device_offline:" + name);
    if (it != last_condition_.end()) at = std::max(at, it->second + settings_.flapping_limit);
    if (!next || at < *next) next = at;
  }
  return next;
}

std::optional<Instant> EventNotifier::reminder_at(Instant ready_by) const {
  if (!settings_.plug_reminder) return std::nullopt;
  const LocalDate day = settings_.zone.local_date(ready_by);
  Instant r = settings_.zone.at(day, settings_.plug_reminder->minutes);
  if (r >= ready_by) {
    r = settings_.zone.at(LocalDate{std::chrono::sys_days{day} - std::chrono::days{1}},
                          settings_.plug_reminder->minutes);
  }
  return r;
}

std::vector<NotifyEvent> EventNotifier::on_plug_check(Instant now, const PlugFacts& f) {
  std::vector<NotifyEvent> out;
  auto reminder = reminder_at(f.next.ready_by);
  if (!reminder || now < *reminder || now >= f.next.ready_by) return out;
  if (!f.plugged_in || *f.plugged_in) return out;
  if (!f.soc || *f.soc >= f.next.target_soc) return out;
  std::string message = "The car is not plugged in. By " + settings_.zone.format(f.next.ready_by) +
                        " it needs " + pct(f.next.target_soc) + " (now " + pct(*f.soc) +
                        "): " + fmt("%.1f", f.energy_needed_kwh) + " kWh";
  std::map<std::string, EventValue> data{{"ready_by", format_rfc3339(f.next.ready_by)},
                                         {"target_soc", f.next.target_soc},
                                         {"soc", *f.soc},
                                         {"energy_needed_kwh", f.energy_needed_kwh}};
  if (f.max_charge_kw > 0) {
    const double h = f.energy_needed_kwh / f.max_charge_kw;
    message += ", about " + hours_text(h) + " of charging";
    data["charge_hours"] = h;
  }
  message += ".";
  if (auto e = make(now, EventKind::not_plugged_in,
                    "not_plugged_in:" + format_rfc3339(f.next.ready_by), "",
                    "Plug in the car: " + fmt("%.1f", f.energy_needed_kwh) + " kWh needed by " +
                        settings_.zone.format_hhmm(f.next.ready_by),
                    std::move(message), std::move(data)))
    out.push_back(std::move(*e));
  return out;
}

std::vector<NotifyEvent> EventNotifier::on_prices(Instant now, const PriceCurve& prices,
                                                  std::optional<bool> plugged_in,
                                                  double threshold_p_per_kwh) {
  std::vector<NotifyEvent> out;
  if (!plugged_in || *plugged_in) return out;
  const Instant until = now + std::chrono::hours{24};
  for (const auto& slot : prices.slots()) {
    if (slot.end <= now || slot.start >= until) continue;
    if (slot.price_p_per_kwh > threshold_p_per_kwh) continue;
    const Instant from = std::max(slot.start, now);
    if (auto e =
            make(now, EventKind::cheap_energy, "cheap_energy:" + local_day(from), "",
                 "Cheap energy from " + settings_.zone.format_hhmm(from) + ": plug in",
                 "Electricity costs " + price_text(settings_.money, slot.price_p_per_kwh) +
                     " from " + settings_.zone.format(from) + " and the car is not plugged in.",
                 {{"from", format_rfc3339(from)}, {"price_p_per_kwh", slot.price_p_per_kwh}}))
      out.push_back(std::move(*e));
    break;
  }
  return out;
}

NotifyEvent EventNotifier::test_event(Instant now) const {
  NotifyEvent e;
  e.kind = EventKind::test;
  e.at = now;
  e.not_before = now;
  e.key = "test:" + format_rfc3339(now);
  e.urgent = true;
  e.title = "offpeak test notification";
  e.message = "This is a test from offpeak: this channel works.";
  e.vehicle = settings_.vehicle;
  return e;
}

}  // namespace offpeak
