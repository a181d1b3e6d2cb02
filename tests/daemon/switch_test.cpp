// The exec switch's runner and the template substitution, with real programs.

#include "../../src/daemon/switches.hpp"

#include "../unit/test_files.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <fstream>
#include <sstream>

namespace offpeak::daemon {
namespace {

using namespace std::chrono_literals;

TEST(ExecSwitch, ExitZeroIsAcceptedWithTrimmedOutput) {
  SwitchOutcome r = run_program({"/bin/echo", "started", "WBY1"}, Seconds{5});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.detail, "exit 0: started WBY1");
}

TEST(ExecSwitch, NonZeroExitIsRefused) {
  SwitchOutcome r = run_program({"/bin/sh", "-c", "echo 'charger busy' >&2; exit 3"}, Seconds{5});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "exit 3: charger busy");
}

TEST(ExecSwitch, AMissingProgramIsAClearFailure) {
  SwitchOutcome r = run_program({"/nonexistent/charger"}, Seconds{5});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "cannot run /nonexistent/charger");
}

TEST(ExecSwitch, AHangingProgramIsKilledAtTheDeadline) {
  auto t0 = std::chrono::steady_clock::now();
  SwitchOutcome r = run_program({"/bin/sleep", "30"}, Seconds{1});
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timed out after 1s (killed)");
  EXPECT_LT(took, 5s);
}

TEST(SwitchTemplate, SubstitutesDeviceAndAction) {
  EXPECT_EQ(substitute("http://h/sim/vehicles/{device_id}/charging?a={action}&b={action}", "VIN9",
                       Action::stop),
            "http://h/sim/vehicles/VIN9/charging?a=stop&b=stop");
  EXPECT_EQ(substitute("{\"action\":\"{action}\"}", "x", Action::start), "{\"action\":\"start\"}");
}

TEST(SwitchTemplate, SubstitutesCurrentPowerAndPhases) {
  config::CurrentControl cc;
  cc.voltage = 230;
  CurrentSetting c = current_setting(cc, 10.54, 3);
  EXPECT_DOUBLE_EQ(c.current_a, 10.5);
  EXPECT_EQ(substitute_current("a={current_a}&w={power_w}&p={phases}&a2={current_a}", c),
            "a=10.5&w=7245&p=3&a2=10.5");
  EXPECT_EQ(substitute_current("{current_a}", current_setting(cc, 16, 1)), "16");
  EXPECT_EQ(substitute_current("{current_a}", current_setting(cc, -3, 1)), "0");
}

TEST(SwitchCurrent, TheFullCurrentIsTheMaximumWithinTheCarsPower) {
  config::Config cfg;
  cfg.vehicle.spec.max_charge_kw = 7.4;
  cfg.current.max_current_a = 16;
  cfg.current.phases = config::PhaseMode::automatic;
  CurrentSetting full = full_current(cfg);
  EXPECT_DOUBLE_EQ(full.current_a, 10.7);  // 7400 / (230 x 3)
  EXPECT_EQ(full.phases, 3);
  cfg.current.phases = config::PhaseMode::one;
  EXPECT_DOUBLE_EQ(full_current(cfg).current_a, 16.0);
}

// A modulating exec switch: start runs the start program then the current template at the full
// current; set_current runs the template alone; 0 A stops. Real programs write what they got.
TEST(SwitchCurrent, ExecSwitchStartsThenSetsTheCurrent) {
  offpeak::testing::TempDir dir;
  const std::string log = (dir.path() / "calls").string();
  const std::string rec = "echo \"$0 $1\" >> " + log;
  config::Config cfg;
  cfg.vehicle.spec.max_charge_kw = 7.4;
  config::ExecSwitch e;
  e.start = {"/bin/sh", "-c", rec, "start", "{device_id}"};
  e.stop = {"/bin/sh", "-c", rec, "stop", "{device_id}"};
  e.set_current = {"/bin/sh", "-c", rec, "current", "{current_a}A/{power_w}W/{phases}"};
  cfg.switch_config = e;
  boost::asio::thread_pool pool{1};
  auto sw = make_switch(cfg, pool);
  ASSERT_TRUE(sw->modulating());
  boost::asio::io_context io;
  auto run = [&](auto&& aw) {
    auto f = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
    io.restart();
    io.run();
    return f.get();
  };
  EXPECT_TRUE(run(sw->send(Action::start, "VIN1")).ok);
  EXPECT_TRUE(run(sw->set_current(current_setting(cfg.current, 8, 1), "VIN1")).ok);
  EXPECT_TRUE(run(sw->set_current(current_setting(cfg.current, 0, 1), "VIN1")).ok);
  std::ifstream in(log);
  std::stringstream got;
  got << in.rdbuf();
  EXPECT_EQ(got.str(),
            "start VIN1\n"
            "current 32.1A/7383W/1\n"  // 7.4 kW / 230 V = 32.17 A -> 32.1 A
            "current 8A/1840W/1\n"
            "stop VIN1\n");
  // Without a template the switch is on/off: set_current starts and stops.
  e.set_current.clear();
  cfg.switch_config = e;
  auto plain = make_switch(cfg, pool);
  EXPECT_FALSE(plain->modulating());
  EXPECT_TRUE(run(plain->set_current(current_setting(cfg.current, 8, 1), "VIN2")).ok);
  std::ifstream in2(log);
  std::stringstream got2;
  got2 << in2.rdbuf();
  EXPECT_NE(got2.str().find("start VIN2\n"), std::string::npos);
  EXPECT_EQ(got2.str().find("current 8A/1840W/1\nstart"), std::string::npos);
}

}  // namespace
}  // namespace offpeak::daemon
