// The exec switch's runner and the template substitution, with real programs.

#include "../../src/daemon/switches.hpp"

#include <gtest/gtest.h>

#include <chrono>

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

}  // namespace
}  // namespace offpeak::daemon
