#include <offpeak/backtest/field.hpp>

#include <offpeak/domain/charging_model.hpp>
#include <offpeak/domain/cloud_lag.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/poll_policy.hpp>
#include <offpeak/domain/session_tracker.hpp>
#include <offpeak/domain/simulated_car.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <stdexcept>

namespace offpeak::backtest {
namespace {

using namespace std::chrono;

constexpr Seconds k_token_life{8 * 3600 - 5 * 60};  // Connect tokens last 8 h
constexpr Seconds k_half_hour{30 * 60};
constexpr double k_target_tolerance_pct = 0.5;

// The first multiple of `step` (from the epoch) strictly after `t`.
Instant next_multiple(Instant t, Seconds step) {
  const auto n = t.time_since_epoch().count() / step.count();
  return Instant{Seconds{(n + 1) * step.count()}};
}

bool is_multiple(Instant t, Seconds step) {
  return t.time_since_epoch().count() % step.count() == 0;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// The cloud's view of the car: refreshed every `refresh`, read by polls in between.
struct Cloud {
  VehicleState reported;
  bool have = false;
};

struct StayAccount {
  FieldStay out;
  double dearest_optimal_p = 0.0;  // the optimum's dearest price (above it: avoidable)
  bool judged = false;
};

class Replay {
 public:
  Replay(const Setup& setup, const FieldOptions& o, const PriceCurve& prices)
      : setup_(setup),
        o_(o),
        prices_(prices),
        car_(car_params(), o.from),
        controller_(settings(), setup.zone) {
    for (const auto& s : o.stays)
      if (s.arrive >= o.from && s.arrive < o.to && s.arrive < s.depart) stays_.push_back(s);
    accounts_.resize(stays_.size());
  }

  FieldSummary run() {
    FieldSummary sum;
    sum.strategy = o_.strategy;
    Instant t = o_.from;
    std::size_t next_arrival = 0;
    constexpr std::size_t k_away = static_cast<std::size_t>(-1);
    std::size_t home = k_away;  // index of the stay in progress
    std::optional<Instant> next_poll_at = t;
    Instant horizon{};
    const int total_days = static_cast<int>(duration_cast<days>(o_.to - o_.from).count());
    int days_done = 0;

    while (t < o_.to) {
      // The car comes and goes.
      if (home != k_away && t >= stays_[home].depart) {
        car_.set_plugged_in(false);
        finish_stay(home);
        home = k_away;
      }
      if (home == k_away && next_arrival < stays_.size() && t >= stays_[next_arrival].arrive) {
        home = next_arrival++;
        begin_stay(home);
      }
      home_ = home;
      if (home != k_away) judge_at_ready_by(home, t);
      // The cloud refreshes what it reports.
      if (!cloud_.have || is_multiple(t, o_.car.cloud_refresh)) {
        cloud_.reported = car_.state();
        if (o_.car.whole_percent && cloud_.reported.soc_percent)
          cloud_.reported.soc_percent = std::floor(*cloud_.reported.soc_percent);
        cloud_.have = true;
      }
      // Prices as published by now.
      if (Instant h = visible_until(t, o_.publication); h != horizon) {
        horizon = h;
        controller_.set_prices(prices_.slice(t - hours{24}, horizon));
      }
      // A poll, when due.
      if (next_poll_at && t >= *next_poll_at) poll(t);
      // The controller, as the daemon's control loop runs it.
      step(t);
      next_poll_at = poll_due(t);

      // The next instant anything can change.
      Instant next = std::min(o_.to, next_multiple(t, o_.car.cloud_refresh));
      next = std::min(next, next_multiple(t, k_half_hour));  // one price per step
      if (next_poll_at && *next_poll_at > t) next = std::min(next, *next_poll_at);
      if (wake_ && *wake_ > t) next = std::min(next, *wake_);
      if (home != k_away) {
        next = std::min(next, stays_[home].depart);
        if (!accounts_[home].judged && accounts_[home].out.ready_by > t)
          next = std::min(next, accounts_[home].out.ready_by);
      } else if (next_arrival < stays_.size()) {
        next = std::min(next, std::max(stays_[next_arrival].arrive, t + Seconds{1}));
      }
      if (auto pub = next_publication(t, o_.publication); pub && *pub > t)
        next = std::min(next, *pub);
      if (auto tr = car_.next_transition_after(t)) next = std::min(next, *tr);

      const double before = car_.energy_kwh();
      car_.advance(next);
      const double drawn = car_.energy_kwh() - before;
      if (home != k_away && drawn > 0) account(home, t, drawn);
      if (floor<days>(next) > floor<days>(t)) {
        ++days_done;
        if (o_.progress) o_.progress(std::min(days_done, total_days), total_days);
      }
      t = next;
    }
    if (home != k_away) finish_stay(home);

    sum.days = std::max(total_days, 1);
    sum.polls = budget_.polls_total();
    sum.requests = requests_total_;
    sum.max_requests_in_a_day = std::max(max_day_, budget_.used(budget_day_));
    for (auto& a : accounts_) {
      if (a.out.stay.arrive == Instant{}) continue;
      if (!a.out.priced) {
        ++sum.unpriced_stays;
      } else {
        ++sum.stays;
        if (a.out.target_met) ++sum.target_met;
        sum.energy_kwh += a.out.energy_kwh;
        sum.cost_p += a.out.cost_p;
        sum.optimal_cost_p += a.out.optimal_cost_p;
        sum.optimal_energy_kwh += a.out.optimal_energy_kwh;
        sum.peak_kwh += a.out.peak_kwh;
        sum.above_cheapest_kwh += a.out.above_cheapest_kwh;
        sum.after_ready_by_kwh += a.out.after_ready_by_kwh;
        sum.after_ready_by_cost_p += a.out.after_ready_by_cost_p;
        if (a.out.flips > 0) ++sum.flip_stays;
      }
      sum.per_stay.push_back(a.out);
    }
    sum.model = describe(model_, setup_.vehicle);
    sum.poll_reasons = poll_reasons_;
    return sum;
  }

 private:
  bool field() const { return o_.strategy == FieldStrategy::field; }

  SimulatedCarParams car_params() const {
    SimulatedCarParams p;
    p.device_id = "BACKTEST";
    p.spec = setup_.vehicle;
    p.spec.max_charge_kw = o_.car.wall_kw;
    p.spec.taper_above_soc = o_.car.taper_above_soc;
    p.spec.taper_end_kw = std::min(o_.car.taper_end_kw, o_.car.wall_kw);
    p.soc_percent = o_.stays.empty() ? 50.0 : o_.stays.front().arrive_soc;
    p.plugged_in = false;
    p.switched_on = true;  // the relay's state at start-up is unknown: assume the worst
    return p;
  }

  VehicleSpec true_spec() const { return car_params().spec; }

  ControllerSettings settings() const {
    const bool learned = field() && o_.learn;
    ControllerSettings s =
        polled_car_settings(learned ? effective_spec(setup_.vehicle, model_) : setup_.vehicle,
                            learned ? describe(model_, setup_.vehicle) : "nameplate", setup_.policy,
                            o_.poll_plugged, o_.poll_charging, true);
    s.estimate_between_readings = field();
    if (auto l = lag_.lag(); field() && l) s.cloud_lag = *l;
    return s;
  }

  void begin_stay(std::size_t i) {
    const Stay& s = stays_[i];
    car_.set_soc(s.arrive_soc);
    car_.set_plugged_in(true);
    if (o_.strategy == FieldStrategy::before) car_.start_charging();
    StayAccount& a = accounts_[i];
    a.out.stay = s;
    const Deadline d = next_deadline(s.arrive, setup_.policy, setup_.zone);
    a.out.ready_by = std::min(d.ready_by, s.depart);
    a.out.target_soc = d.target_soc;
    a.out.soc_at_ready_by = s.arrive_soc;
    // Counted only when every price of the stay is known and it ends inside the span.
    a.out.priced = prices_.known_until(s.arrive) >= s.depart && s.depart <= o_.to;
    // The perfect-knowledge optimum: the real car, every price known, arrival to ready-by.
    PlanRequest r;
    r.now = s.arrive;
    r.soc = s.arrive_soc;
    r.target_soc = d.target_soc;
    r.ready_by = a.out.ready_by;
    r.vehicle = true_spec();
    r.strategy = Strategy::cheapest;
    const Plan best = make_plan(r, prices_.slice(s.arrive, a.out.ready_by), setup_.zone);
    a.out.optimal_cost_p = best.total_cost_p;
    a.out.optimal_energy_kwh = best.total_energy_kwh;
    a.out.optimal_feasible = best.feasible;
    for (const auto& slot : best.slots)
      if (slot.price_p_per_kwh)
        a.dearest_optimal_p = std::max(a.dearest_optimal_p, *slot.price_p_per_kwh);
  }

  void judge_at_ready_by(std::size_t i, Instant t) {
    StayAccount& a = accounts_[i];
    if (a.judged || t < a.out.ready_by) return;
    a.judged = true;
    a.out.soc_at_ready_by = car_.soc_percent();
    a.out.target_met = a.out.soc_at_ready_by >= a.out.target_soc - k_target_tolerance_pct;
  }

  void finish_stay(std::size_t i) {
    StayAccount& a = accounts_[i];
    a.out.soc_at_departure = car_.soc_percent();
    if (!a.judged) {
      a.judged = true;
      a.out.soc_at_ready_by = car_.soc_percent();
      a.out.target_met = a.out.soc_at_ready_by >= a.out.target_soc - k_target_tolerance_pct;
    }
  }

  void account(std::size_t i, Instant t, double kwh) {
    StayAccount& a = accounts_[i];
    a.out.energy_kwh += kwh;
    const auto price = prices_.price_at(t);
    if (t >= a.out.ready_by) {
      a.out.after_ready_by_kwh += kwh;
      if (price) a.out.after_ready_by_cost_p += kwh * *price;
    }
    if (!price) return;
    a.out.cost_p += kwh * *price;
    if (in_evening_peak(t, setup_.zone)) a.out.peak_kwh += kwh;
    if (*price > a.dearest_optimal_p + 1e-9) a.out.above_cheapest_kwh += kwh;
  }

  // When the next poll is due after the step at `t` (nullopt: the budget is spent today).
  std::optional<Instant> poll_due(Instant t) {
    if (field()) {
      PollPolicySettings p;
      p.charging = o_.poll_charging;
      p.plugged = o_.poll_plugged;
      p.away = o_.poll_away;
      p.max_per_day = o_.max_per_day;
      PollSituation sit = poll_situation(controller_, last_reading_, t);
      sit.usual_plug_in = usual_plug_in_;
      sit.used_today = budget_.used(t);
      if (field()) sit.cloud_lag = lag_.lag();
      PollDecision d = next_poll(sit, p, setup_.zone, 2);
      // The reason without its times ("around the usual plug-in time 18:05").
      const auto digit = d.why.find_first_of("0123456789");
      poll_why_ = d.why.substr(0, digit == std::string::npos ? d.why.size() : digit);
      while (!poll_why_.empty() && poll_why_.back() == ' ')
        poll_why_.pop_back();
      return d.at;
    }
    if (!last_reading_) return t;
    const bool charging = last_reading_->charging_state == ChargingState::charging;
    const bool plugged = last_reading_->plugged_in == true;
    return last_reading_->observed_at + (charging  ? o_.poll_charging
                                         : plugged ? o_.poll_plugged
                                                   : o_.poll_away);
  }

  void poll(Instant t) {
    if (auto ended = budget_.roll(t)) max_day_ = std::max(max_day_, ended->requests);
    budget_day_ = t;
    const bool new_token = !token_at_ || t - *token_at_ >= k_token_life;
    const int requests = new_token ? 2 : 1;
    if (field() && budget_.allowance(t, o_.max_per_day) < requests) return;
    if (new_token) token_at_ = t;
    budget_.record(t, requests);
    requests_total_ += requests;
    if (field()) ++poll_reasons_[poll_why_.empty() ? "first observation" : poll_why_];

    VehicleState reading = cloud_.reported;
    reading.observed_at = t;
    const Instant since = last_reading_ ? last_reading_->observed_at : t;
    const auto stretches = controller_.on_stretches(since, t);
    SessionUpdate u =
        sessions_.observe(reading, controller_.settings().vehicle, controller_.prices(), stretches);
    if (u.kind == SessionUpdate::Kind::opened) plug_ins_.push_back(u.session.started_at);
    if (reading.soc_percent) {
      ChargeObservation o{t, *reading.soc_percent,
                          reading.charging_state == ChargingState::charging,
                          reading.plugged_in != false};
      Seconds on{0};
      for (const auto& [from, to] : stretches)
        on += duration_cast<Seconds>(to - from);
      o.charged = on;
      history_.push_back(o);
    }
    last_reading_ = reading;
    if (o_.on_poll) o_.on_poll(t, reading);
    const bool awaiting = controller_.confirm_by().has_value();
    const auto command_at = controller_.last_command_at();
    controller_.observe(reading);
    if (field() && awaiting && command_at) {
      lag_.confirmation(t - *command_at, !controller_.confirm_by());
      if (auto l = lag_.lag()) controller_.set_cloud_lag(*l);
    }
    if (u.kind == SessionUpdate::Kind::closed) relearn();
  }

  // As offpeakd after every session: the usual plug-in times and the charging model.
  void relearn() {
    usual_plug_in_ = usual_plug_in_times(plug_ins_, setup_.zone);
    if (!field() || !o_.learn) return;
    // As offpeakd: the readings of the last k_learn_days.
    const Instant horizon = history_.empty() ? Instant{} : history_.back().at - days{k_learn_days};
    history_.erase(history_.begin(),
                   std::find_if(history_.begin(), history_.end(),
                                [&](const ChargeObservation& o) { return o.at >= horizon; }));
    LearnedChargingModel m = learn_charging_model(history_, setup_.vehicle);
    if (!(m == model_)) {
      model_ = m;
      controller_.set_settings(settings());
    }
  }

  void step(Instant t) {
    wake_.reset();
    for (int i = 0; i < 4; ++i) {
      Controller::Step s = controller_.step(t);
      wake_ = s.wake_at;
      if (!s.command) break;
      bool ok = true;
      if (home_ != k_none) {
        FieldStay& st = accounts_[home_].out;
        if (s.command->action == Action::start) ++st.starts;
        if (last_command_ && last_command_->first != s.command->action &&
            t - last_command_->second < minutes{1}) {
          ++st.flips;
          if (!st.first_flip) st.first_flip = t;
        }
      }
      last_command_ = std::make_pair(s.command->action, t);
      if (o_.on_command) o_.on_command(t, *s.command);
      if (s.command->action == Action::start) {
        ok = car_.start_charging();
      } else {
        car_.stop_charging();
      }
      controller_.command_result(t, ok, ok ? "ok" : "refused");
    }
  }

  const Setup& setup_;
  const FieldOptions& o_;
  const PriceCurve& prices_;
  std::vector<Stay> stays_;
  SimulatedCar car_;
  LearnedChargingModel model_;
  CloudLag lag_;  // before controller_: settings() reads it
  Controller controller_;
  Cloud cloud_;
  SessionTracker sessions_;
  RequestBudget budget_;
  Instant budget_day_{};
  int max_day_ = 0;
  std::int64_t requests_total_ = 0;
  std::optional<Instant> token_at_;
  std::optional<VehicleState> last_reading_;
  std::optional<Instant> wake_;
  static constexpr std::size_t k_none = static_cast<std::size_t>(-1);
  std::size_t home_ = k_none;  // the stay in progress, for the command counts
  std::optional<std::pair<Action, Instant>> last_command_;
  std::vector<ChargeObservation> history_;
  std::vector<Instant> plug_ins_;
  std::array<std::optional<int>, 7> usual_plug_in_{};
  std::vector<StayAccount> accounts_;
  std::string poll_why_;
  std::map<std::string, std::int64_t> poll_reasons_;
};

}  // namespace

std::string_view to_string(FieldStrategy s) {
  switch (s) {
    case FieldStrategy::field:
      return "field";
    case FieldStrategy::fixed:
      return "fixed";
    case FieldStrategy::before:
      return "before";
  }
  return "field";
}

bool in_evening_peak(Instant t, const Zone& zone) {
  const int m = zone.to_local(t).seconds_of_day / 60;
  return m >= 16 * 60 && m < 19 * 60;
}

std::vector<Stay> random_stays(LocalDate from, LocalDate to, const ChargingPolicy& policy,
                               const Zone& zone, const StayPattern& pattern) {
  std::vector<Stay> out;
  std::mt19937 rng{pattern.seed};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int arrive_span = std::max(pattern.arrive_to.minutes - pattern.arrive_from.minutes, 0);
  for (sys_days d = sys_days{from}; d <= sys_days{to}; d += days{1}) {
    // Draw every number every evening, so one evening's choice does not shift the others.
    const double away = unit(rng);
    const int arrive_min = pattern.arrive_from.minutes +
                           static_cast<int>(unit(rng) * static_cast<double>(arrive_span));
    const double soc = pattern.soc_from + unit(rng) * (pattern.soc_to - pattern.soc_from);
    const double leave = unit(rng);
    if (away < pattern.away_share) continue;
    Stay s;
    s.arrive = zone.at(LocalDate{d}, arrive_min);
    s.arrive_soc = std::clamp(soc, 0.0, 100.0);
    const Deadline dl = next_deadline(s.arrive, policy, zone);
    s.depart =
        dl.ready_by +
        Seconds{static_cast<long long>(leave * static_cast<double>(pattern.leave_within.count()))};
    if (!out.empty() && s.arrive < out.back().depart) continue;  // still at home
    out.push_back(s);
  }
  return out;
}

std::vector<Stay> parse_stays_csv(std::string_view text) {
  std::vector<Stay> out;
  int line_no = 0;
  bool header = true;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    if (header) {
      header = false;
      if (line.rfind("arrive", 0) == 0) continue;
      throw std::runtime_error("line 1: expected the header arrive,depart,arrive_soc, got '" +
                               line + "'");
    }
    const std::string where = "line " + std::to_string(line_no) + ": ";
    std::vector<std::string> f;
    std::size_t start = 0;
    for (;;) {
      const auto comma = line.find(',', start);
      f.push_back(trim(std::string_view(line).substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (f.size() != 3)
      throw std::runtime_error(where + "expected 3 fields arrive,depart,arrive_soc, got " +
                               std::to_string(f.size()));
    auto arrive = parse_rfc3339(f[0]);
    auto depart = parse_rfc3339(f[1]);
    if (!arrive)
      throw std::runtime_error(where + "expected an RFC 3339 instant, got '" + f[0] + "'");
    if (!depart)
      throw std::runtime_error(where + "expected an RFC 3339 instant, got '" + f[1] + "'");
    double soc = 0.0;
    auto [p, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), soc);
    if (ec != std::errc{} || p != f[2].data() + f[2].size() || soc < 0.0 || soc > 100.0)
      throw std::runtime_error(where + "expected arrive_soc 0..100, got '" + f[2] + "'");
    if (!(*arrive < *depart))
      throw std::runtime_error(where + "depart " + f[1] + " is not after arrive " + f[0]);
    if (!out.empty() && *arrive < out.back().depart)
      throw std::runtime_error(where + "arrive " + f[0] +
                               " is before the previous stay's departure " +
                               format_rfc3339(out.back().depart));
    out.push_back(Stay{*arrive, *depart, soc});
  }
  return out;
}

FieldSummary run_field(const Setup& setup, const FieldOptions& options, const PriceCurve& prices) {
  if (!(options.from < options.to) || options.car.cloud_refresh <= Seconds{0}) {
    FieldSummary s;
    s.strategy = options.strategy;
    return s;
  }
  Replay r(setup, options, prices);
  return r.run();
}

}  // namespace offpeak::backtest
