// The controller and the surplus: modes solar and smart (the cost rule), what the plan keeps.

#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/tou_tariff.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

Instant at(const char* s) {
  return *parse_rfc3339(s);
}

// Winter (GMT = UTC): Go tariff, 00:30-05:30 at 8.5p, 24.5p otherwise. Noon on a Saturday.
class SurplusControllerTest : public ::testing::Test {
 protected:
  SurplusControllerTest() : zone_(*Zone::locate("Europe/London")) {
    TouRules go;
    go.default_price_p_per_kwh = 24.5;
    go.periods.push_back({0x7f, 0xfff, 30, 330, 8.5});
    prices_ = TouTariff(go, zone_).prices(at("2026-01-10T00:00:00Z"), at("2026-01-13T00:00:00Z"));
    settings_.vehicle = {37.9, 7.4, 0.9};
    settings_.policy.target_soc = 80;
    settings_.policy.ready_by = TimeOfDay{7 * 60 + 30};
  }

  Controller make(std::optional<double> export_price, Mode mode = Mode::smart) {
    auto s = settings_;
    s.export_price = export_price;
    Controller c(s, zone_);
    c.set_prices(prices_);
    c.set_mode(mode);
    return c;
  }

  static VehicleState obs(const char* t, double soc) {
    VehicleState v;
    v.device_id = "VIN1";
    v.observed_at = at(t);
    v.soc_percent = soc;
    v.plugged_in = true;
    v.charging_state = ChargingState::not_charging;
    return v;
  }

  // Observes at noon with the charger known off, then steps with the surplus on.
  Controller::Step noon(Controller& c, double soc) {
    c.observe(obs("2026-01-10T12:00:00Z", soc));
    auto first = c.step(at("2026-01-10T12:00:00Z"));
    if (first.command) c.command_result(at("2026-01-10T12:00:00Z"), true, "ok");
    c.set_surplus(true);
    return c.step(at("2026-01-10T12:01:00Z"));
  }

  Zone zone_;
  PriceCurve prices_;
  ControllerSettings settings_;
};

TEST_F(SurplusControllerTest, SmartExportsWhenExportEarnsMoreThanTheNight) {
  // A 15p export deal and an 8.5p night: the roof exports and the car waits for the night.
  Controller c = make(15.0);
  auto s = noon(c, 40);
  EXPECT_FALSE(s.command);
  EXPECT_FALSE(c.charging_for_surplus());
  EXPECT_NE(c.reason().find("exporting the surplus: it earns 15.00p/kWh, not less than the "
                            "dearest the plan would pay (8.50p)"),
            std::string::npos)
      << c.reason();
  std::string why;
  EXPECT_FALSE(c.surplus_worth_taking(at("2026-01-10T12:01:00Z"), why));
}

TEST_F(SurplusControllerTest, SmartTakesTheSurplusWhenExportEarnsLess) {
  Controller c = make(4.0);
  auto s = noon(c, 40);
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);
  EXPECT_EQ(s.command->reason,
            "charging from the surplus: exporting earns 4.00p/kWh, less than the dearest the plan "
            "would pay (8.50p)");
  EXPECT_TRUE(c.charging_for_surplus());
  c.command_result(at("2026-01-10T12:01:00Z"), true, "ok");
  // The surplus gone (a cloud, after the loop's disable delay): one stop.
  c.set_surplus(false);
  auto stop = c.step(at("2026-01-10T12:30:00Z"));
  ASSERT_TRUE(stop.command);
  EXPECT_EQ(stop.command->action, Action::stop);
  EXPECT_FALSE(c.charging_for_surplus());
}

TEST_F(SurplusControllerTest, AnExportTariffPricesTheSurplusAtItsPriceNow) {
  // site.export_tariff: 15p at midday (more than the 8.5p night: export), 4p elsewhere.
  Controller c = make(0.0);
  c.set_export_prices(PriceCurve({{at("2026-01-10T00:00:00Z"), at("2026-01-10T11:00:00Z"), 4.0},
                                  {at("2026-01-10T11:00:00Z"), at("2026-01-10T14:00:00Z"), 15.0},
                                  {at("2026-01-10T14:00:00Z"), at("2026-01-11T00:00:00Z"), 4.0}}));
  auto s = noon(c, 40);
  EXPECT_FALSE(s.command);
  EXPECT_NE(c.reason().find("it earns 15.00p/kWh"), std::string::npos) << c.reason();
  std::string why;
  EXPECT_TRUE(c.surplus_worth_taking(at("2026-01-10T14:30:00Z"), why)) << why;
  EXPECT_NE(why.find("4.00p/kWh"), std::string::npos) << why;
  // Where the tariff says nothing, the flat export_price (0 here) counts.
  EXPECT_TRUE(c.surplus_worth_taking(at("2026-01-11T01:00:00Z"), why)) << why;
}

TEST_F(SurplusControllerTest, APlannedRunWinsOverTheSurplus) {
  // In the cheap run the plan wants the full current, whatever the surplus says.
  Controller c = make(4.0);
  c.observe(obs("2026-01-11T00:20:00Z", 40));
  c.set_surplus(true);
  auto s = c.step(at("2026-01-11T00:31:00Z"));
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);
  EXPECT_NE(s.command->reason.find("inside the planned run"), std::string::npos)
      << s.command->reason;
  EXPECT_FALSE(c.charging_for_surplus());
}

TEST_F(SurplusControllerTest, SmartAboveTheTargetComparesWithTheCheapestImportOfTheDay) {
  Controller cheap = make(4.0);
  auto s = noon(cheap, 85);
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->reason,
            "charging from the surplus: exporting earns 4.00p/kWh, less than the cheapest import "
            "of the next 24 h (8.50p)");
  Controller dear = make(10.0);
  EXPECT_FALSE(noon(dear, 85).command);
  // Up to solar_max_soc only.
  settings_.solar_max_soc = 90;
  Controller capped = make(4.0);
  EXPECT_FALSE(noon(capped, 90).command);
  EXPECT_NE(capped.reason().find("90% reached the solar limit 90%"), std::string::npos)
      << capped.reason();
}

TEST_F(SurplusControllerTest, SolarModeTakesTheSurplusWhateverThePrices) {
  Controller c = make(15.0, Mode::solar);
  auto s = noon(c, 40);
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);
  EXPECT_EQ(s.command->reason, "mode solar: charging from the surplus");
  EXPECT_TRUE(c.charging_for_surplus());
  // The plan buys nothing from the grid: no runs, not even in the cheap night.
  ASSERT_TRUE(c.plan());
  EXPECT_TRUE(c.plan()->runs.empty());
  EXPECT_EQ(to_string(Mode::solar), "solar");
  EXPECT_EQ(parse_mode("solar"), Mode::solar);
}

TEST_F(SurplusControllerTest, SolarModeStillChargesToMinSocFromTheGrid) {
  settings_.policy.min_soc = 50;
  Controller c = make(15.0, Mode::solar);
  c.observe(obs("2026-01-10T12:00:00Z", 40));
  auto s = c.step(at("2026-01-10T12:00:00Z"));
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);  // below min_soc: at once, whatever the sun
  EXPECT_FALSE(c.charging_for_surplus());
  ASSERT_TRUE(c.plan());
  EXPECT_NEAR(c.plan()->target_soc, 50, 1e-9);
}

TEST_F(SurplusControllerTest, WithoutAGridMeterTheSurplusIsNeverTaken) {
  for (Mode m : {Mode::smart, Mode::solar}) {
    Controller c = make(std::nullopt, m);
    EXPECT_FALSE(noon(c, 40).command) << to_string(m);
    std::string why;
    EXPECT_FALSE(c.surplus_worth_taking(at("2026-01-10T12:01:00Z"), why));
    EXPECT_EQ(why, "no grid meter: the surplus is unknown");
  }
}

TEST_F(SurplusControllerTest, ModesNowAndOffIgnoreTheSurplus) {
  Controller off = make(0.0, Mode::off);
  EXPECT_FALSE(noon(off, 40).command);
  std::string why;
  EXPECT_FALSE(off.surplus_worth_taking(at("2026-01-10T12:01:00Z"), why));
  EXPECT_EQ(why, "mode off ignores the surplus");
}

TEST_F(SurplusControllerTest, AnUnpluggedCarTakesNothing) {
  Controller c = make(0.0, Mode::solar);
  VehicleState v = obs("2026-01-10T12:00:00Z", 40);
  v.plugged_in = false;
  c.observe(v);
  c.step(at("2026-01-10T12:00:00Z"));
  c.command_result(at("2026-01-10T12:00:00Z"), true, "ok");
  c.set_surplus(true);
  EXPECT_FALSE(c.step(at("2026-01-10T12:01:00Z")).command);
  EXPECT_EQ(c.reason(), "car is unplugged");
}

// Charging from the surplus at 6 A (1.38 kW) with a 7.4 kW car: between readings the estimate
// rises at the power offered, so an hour later the car is estimated at about 88 %, not full
// (at 7.4 kW it would read "battery full" after 50 minutes and stop).
TEST_F(SurplusControllerTest, TheEstimateFollowsTheCurrentSetForTheSurplus) {
  settings_.confirmable = false;
  Controller c = make(4.0, Mode::solar);
  auto s = noon(c, 85);
  ASSERT_TRUE(s.command);
  ASSERT_EQ(s.command->action, Action::start);
  c.command_result(at("2026-01-10T12:01:00Z"), true, "ok");
  c.set_charge_power_kw(at("2026-01-10T12:01:00Z"), 1.38);
  for (Instant t = at("2026-01-10T12:02:00Z"); t <= at("2026-01-10T13:01:00Z");
       t += std::chrono::minutes{1}) {
    auto st = c.step(t);
    EXPECT_FALSE(st.command) << format_rfc3339(t) << ": " << st.command->reason;
    if (st.command) c.command_result(t, true, "ok");
  }
  EXPECT_EQ(c.switch_on(), true);
  const auto est = c.soc_estimate(at("2026-01-10T13:01:00Z"));
  ASSERT_TRUE(est);
  EXPECT_NEAR(est->soc_percent, 85 + 1.38 * 0.9 / 37.9 * 100, 1e-6);
}

}  // namespace
}  // namespace offpeak
