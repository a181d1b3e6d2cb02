#pragma once
// Charging sessions, plug-in to unplug, with the energy drawn and its cost. Pure: fed readings
// of the car, the stretches the charger was on between them (from SocEstimator) and the
// prices. Used by the daemon and the backtest.
//
// An honest record: a car that was already charging when its plug-in was first seen (the
// charger was on, the poll came later) drew energy before that; the tracker infers the plug-in
// instant and that energy from the SoC rise since the last reading that showed it unplugged,
// prices it, and says it was inferred. The SoC before the trip home is an upper bound of the
// SoC at plug-in, so the inferred energy is a lower bound.
//
// With the home's meters (spec solar.md "What the user sees"), each added energy is split into
// the roof's part and the grid's by the meter readings over the same time (`SolarSplit`: the
// part of the car's power not drawn from the grid); the grid part is priced at the import
// price, the solar part at the export price (what exporting it would have earned). Without
// meter readings everything is grid, as before.

#include <offpeak/domain/export_price.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/solar_split.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace offpeak {

struct SessionRecord {
  Instant started_at{};
  std::optional<double> start_soc;
  double energy_kwh = 0.0;  // grid side: everything the car drew
  double solar_kwh = 0.0;   // the part of energy_kwh the roof's surplus carried (<= energy_kwh)
  double cost_p = 0.0;      // grid part x import price + solar part x export price, where known
  bool inferred = false;    // the plug-in instant and early energy were inferred
  bool metered = false;     // the energy since `metered_from` comes from the charger's meter
  std::string note;         // plain words on how it was recorded, for the log
};

struct SessionUpdate {
  enum class Kind { none, opened, updated, closed };
  Kind kind = Kind::none;
  SessionRecord session;  // the session as it stands (as closed, for `closed`)
  std::optional<double> soc;
  Instant at{};
};

class SessionTracker {
 public:
  // Continues a session that was open before a restart.
  void resume(SessionRecord open, std::optional<VehicleState> last_reading = std::nullopt);

  // A new reading. `on_stretches`: when the charger was on since the previous reading (used
  // to price the energy drawn between the two; the whole interval when empty).
  SessionUpdate observe(const VehicleState& state, const VehicleSpec& spec,
                        const PriceCurve& prices,
                        const std::vector<std::pair<Instant, Instant>>& on_stretches);

  // The charger's energy register (Wh; an OCPP wallbox). While a session is open its energy
  // and cost come from the meter from then on (each increment priced at its interval) instead
  // of the SoC rise. A register that goes back (a new meter, a reset) starts a new baseline.
  SessionUpdate metered(Instant at, double energy_wh, const PriceCurve& prices);

  // What the solar part of the energy is worth (the export price); none: unknown, so the
  // solar part adds no cost.
  void set_export_price(ExportPrice price) { export_price_ = std::move(price); }

  // A reading of the home's meters while the car may be charging: the car's power (W) and the
  // grid's (import positive; nullopt when stale or unknown, never surplus). Only an open
  // session counts it.
  void site(Instant at, double car_w, std::optional<double> grid_w);

  const std::optional<SessionRecord>& open() const { return open_; }
  const std::optional<VehicleState>& last_reading() const { return last_; }

 private:
  std::optional<SessionRecord> open_;
  std::optional<VehicleState> last_;                 // the previous reading with a SoC
  std::optional<VehicleState> last_unplugged_;       // the latest reading that showed it unplugged
  std::optional<std::pair<Instant, double>> meter_;  // the last register reading (Wh)
  ExportPrice export_price_;
  SolarSplit split_;            // the open session's meter readings
  double split_solar_kwh_ = 0;  // split_'s totals when energy was last added
  double split_grid_kwh_ = 0;

  // Adds `kwh` drawn over [from, to] to the open session: split by the meter readings since
  // the last addition, the grid part at `import_price`, the solar part at the export price.
  void add_energy(double kwh, Instant from, Instant to, std::optional<double> import_price);
  void start_split();
};

// The time-weighted average known price over `stretches` (nullopt when no price is known).
std::optional<double> average_price(const PriceCurve& prices,
                                    const std::vector<std::pair<Instant, Instant>>& stretches);

}  // namespace offpeak
