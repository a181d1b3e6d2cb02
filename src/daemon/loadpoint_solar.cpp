// A loadpoint's solar wiring: meter readings into the surplus loop, its wish into the
// controller (which decides by mode and cost whether the surplus is taken), and the wanted
// current through the switch. The composition rule is in ARCHITECTURE.md.

#include "api_backend.hpp"
#include "loadpoint.hpp"
#include "ocpp_bridge.hpp"
#include "service.hpp"

#include <offpeak/domain/slot_current.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

#include <cmath>

namespace offpeak::daemon {
namespace asio = boost::asio;

std::optional<std::string> ServiceApi::mode_refused(Mode mode) const {
  if (mode == Mode::solar && !service_.cfg_.site.grid) {
    return "mode solar needs a grid meter (site.grid in the configuration): without it the "
           "surplus is unknown";
  }
  return std::nullopt;
}

SurplusSettings Loadpoint::surplus_settings() const {
  const config::CurrentControl& cc = cfg_.current;
  const double car_w = controller_.settings().vehicle.max_charge_kw * 1000.0;
  SurplusSettings s;
  s.enable_delay = cfg_.solar.enable_delay;
  s.disable_delay = cfg_.solar.disable_delay;
  s.max_import_w = cfg_.solar.max_import_w;
  s.min_change_a = cfg_.solar.min_change_a;
  if (cfg_.site.grid) s.max_age = cfg_.site.grid->max_age;
  s.modulating = switch_ && switch_->modulating();
  s.min_current_a = cc.min_current_a;
  s.max_current_a = cc.max_current(cfg_.vehicle.spec.max_charge_kw);
  s.voltage = cc.voltage;
  s.phases = cc.max_phases();
  s.auto_phases = cc.phases == config::PhaseMode::automatic;
  s.max_power_w = car_w;
  s.onoff_power_w = car_w;
  return s;
}

ExportPrice Loadpoint::export_price() const {
  // Read at each use: a reload may rebuild the site and the export tariff. The site says
  // whether the split is known (a grid meter); the export tariff, when set, what a kWh earns.
  const Service* service = &service_;
  return [service](Instant t) -> std::optional<double> {
    if (!service->site_) return std::nullopt;
    const std::optional<double> flat = service->site_->export_price(t);
    if (!flat || !service->cfg_.export_tariff) return flat;
    if (auto c = service->export_prices(t, t + Seconds{1})) return c->price_at(t);
    return std::nullopt;
  };
}

std::string Loadpoint::solar_part(const SessionRecord& rec) const {
  if (rec.solar_kwh <= 0) return {};
  return fmt::format(" ({:.2f} kWh from the sun, {:.2f} kWh from the grid)", rec.solar_kwh,
                     rec.energy_kwh - rec.solar_kwh);
}

void Loadpoint::solar_configured() {
  surplus_.set_settings(surplus_settings());
  sessions_.set_export_price(export_price());
  if (controller_.mode() == Mode::solar && !cfg_.site.grid) {
    spdlog::warn("mode solar needs a grid meter (site.grid); back to mode smart");
    controller_.set_mode(Mode::smart);
  }
}

void Loadpoint::on_site(const SiteState& site) {
  site_reading_ = site;
  const Instant now = clock_.now();
  const double car_w = car_power_w();
  surplus_.observe(site, car_w, now);
  // The open session's solar/grid split: a stale grid reading is never surplus.
  sessions_.site(now, car_w, site.stale ? std::nullopt : site.grid_w);
  surplus_step();
}

double Loadpoint::car_power_w() const {
  if (ocpp_) {
    if (auto p = ocpp_->snapshot().power_w) return *p;
  }
  if (controller_.switch_on() != true) return 0.0;
  if (applied_current_) return applied_current_->power_w;
  return controller_.settings().vehicle.max_charge_kw * 1000.0;
}

std::optional<double> Loadpoint::charge_current_a() const {
  if (!switch_ || !switch_->modulating()) return std::nullopt;
  if (controller_.switch_on() != true || !applied_current_) return 0.0;
  return applied_current_->current_a;
}

void Loadpoint::surplus_step() {
  const Instant now = clock_.now();
  SurplusLoop::Step st = surplus_.step(now);
  if (st.note) {
    if (surplus_.stale(now))
      spdlog::warn("{}", *st.note);
    else
      spdlog::info("{}", *st.note);
  }
  if (st.decision) spdlog::info("{}", *st.decision);
  controller_.set_surplus(st.wish.on);
  if (st.decision) kick_controller();
  apply_current();
}

CurrentSetting Loadpoint::wanted_current() const {
  if (controller_.charging_for_surplus()) {
    const SurplusWish& w = surplus_.wish();
    return current_setting(cfg_.current, w.current_a, w.phases);
  }
  // A planned slot counting on the sun: at least the slot's planned power, more when the
  // surplus offers more (domain/slot_current.hpp).
  const Instant now = clock_.now();
  if (controller_.planned_solar_at(now)) {
    const SlotCurrent c = planned_slot_current(surplus_.settings(), surplus_.wish(),
                                               planned_power_kw(*controller_.plan(), now));
    return current_setting(cfg_.current, c.current_a, c.phases);
  }
  return full_current(cfg_);
}

asio::awaitable<SwitchOutcome> Loadpoint::send_command(Action action) {
  ++switch_commands_;  // a current change on its way now is stale when it returns
  if (action == Action::start) {
    const CurrentSetting c = wanted_current();
    SwitchOutcome o = co_await switch_->start_at(c, device_id());
    if (o.ok && switch_->modulating()) {
      applied_current_ = c;
      source_->current_set(c.power_w);
      controller_.set_charge_power_kw(clock_.now(), c.power_w / 1000.0);
    }
    co_return o;
  }
  SwitchOutcome o = co_await switch_->send(action, device_id());
  if (o.ok) {
    applied_current_.reset();
    controller_.set_charge_power_kw(clock_.now(), std::nullopt);
  }
  co_return o;
}

bool Loadpoint::current_differs(const CurrentSetting& want) const {
  // A switch found on (at start, or switched by hand) carries an unknown current: while it
  // charges for the surplus, the surplus's current is set, never left at the charger's own.
  if (!applied_current_) return controller_.charging_for_surplus();
  return std::fabs(want.current_a - applied_current_->current_a) >= 0.05 ||
         want.phases != applied_current_->phases;
}

void Loadpoint::apply_current() {
  if (applying_current_ || !switch_ || !switch_->modulating()) return;
  if (controller_.switch_on() != true || !current_differs(wanted_current())) return;
  applying_current_ = true;
  asio::co_spawn(io_, apply_current_loop(), asio::detached);
}

asio::awaitable<void> Loadpoint::apply_current_loop() {
  // One change at a time; the wish may move while one is on its way.
  for (int i = 0; i < 3 && !stopping_; ++i) {
    const CurrentSetting want = wanted_current();
    if (controller_.switch_on() != true || !current_differs(want)) break;
    const std::uint64_t commands_before = switch_commands_;
    SwitchOutcome o = co_await switch_->set_current(want, device_id());
    if (stopping_) break;
    // A start or stop went out meanwhile (a pause): it decides what the switch carries.
    if (switch_commands_ != commands_before) break;
    if (o.ok) {
      applied_current_ = want;
      source_->current_set(want.power_w);
      controller_.set_charge_power_kw(clock_.now(), want.power_w / 1000.0);
      spdlog::info("current set to {:.1f} A on {} phase{} ({:.1f} kW): {}", want.current_a,
                   want.phases, want.phases == 1 ? "" : "s", want.power_w / 1000.0, o.detail);
    } else {
      spdlog::warn("setting the current to {:.1f} A failed: {}", want.current_a, o.detail);
      break;
    }
  }
  applying_current_ = false;
}

void Loadpoint::solar_snapshot(api::StatusSnapshot& snap) const {
  const Instant now = clock_.now();
  if (site_reading_ && cfg_.site.grid) snap.surplus_w = surplus_.surplus_w(now);
  if (controller_.switch_on() == true && applied_current_) {
    snap.current.current_a = applied_current_->current_a;
    snap.current.phases = applied_current_->phases;
  }
  snap.current.for_surplus = controller_.charging_for_surplus();
  if (site_reading_) snap.current.surplus = surplus_.wish().reason;
}

asio::awaitable<void> Loadpoint::solar_loop() {
  while (!stopping_) {
    const Instant next = clock_.now() + cfg_.solar.interval;
    if (site_reading_) surplus_step();  // timers: stale meters, delays ending between readings
    while (!stopping_ && clock_.now() < next) {
      co_await sleep_until(solar_timer_, clock_, next);
    }
  }
}

}  // namespace offpeak::daemon
