// The simulated house's trace: the CSV read with line:column errors, interpolation between
// rows and across midnight, the grid power with the car, and the demo's own trace.

#include <offpeak/domain/house_trace.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace offpeak {
namespace {

TEST(HouseTrace, ReadsRowsAndInterpolates) {
  auto p = parse_house_trace(
      "# a comment\n"
      "time,pv_kw,load_kw\r\n"
      "06:00,0,0.4\n"
      "\n"
      "12:00,3.6,0.8\n"
      "18:00,0.0,1.2\n");
  ASSERT_TRUE(p.trace) << p.errors.at(0).message;
  const HouseTrace& t = *p.trace;
  ASSERT_EQ(t.points.size(), 3u);
  EXPECT_DOUBLE_EQ(t.pv_w(6 * 3600), 0.0);
  EXPECT_DOUBLE_EQ(t.pv_w(9 * 3600), 1800.0);  // halfway to 3.6 kW
  EXPECT_DOUBLE_EQ(t.pv_w(12 * 3600), 3600.0);
  EXPECT_DOUBLE_EQ(t.load_w(15 * 3600), 1000.0);
  // Across midnight: 18:00 (1.2 kW) to 06:00 (0.4 kW), 12 h; midnight is halfway.
  EXPECT_DOUBLE_EQ(t.load_w(0), 800.0);
  EXPECT_DOUBLE_EQ(t.load_w(21 * 3600), 1000.0);
  EXPECT_DOUBLE_EQ(t.load_w(86400 + 3 * 3600), t.load_w(3 * 3600));
  // The grid meter: load + car - PV, import positive; exporting is negative.
  EXPECT_DOUBLE_EQ(t.grid_w(12 * 3600, 0.0), 800.0 - 3600.0);
  EXPECT_DOUBLE_EQ(t.grid_w(12 * 3600, 2760.0), 800.0 + 2760.0 - 3600.0);
}

TEST(HouseTrace, OneRowIsConstant) {
  auto p = parse_house_trace("time,pv_kw,load_kw\n12:00,1,0.5\n");
  ASSERT_TRUE(p.trace);
  EXPECT_DOUBLE_EQ(p.trace->pv_w(0), 1000.0);
  EXPECT_DOUBLE_EQ(p.trace->load_w(43210), 500.0);
}

TEST(HouseTrace, ErrorsNameLineAndColumn) {
  struct Case {
    const char* csv;
    int line;
    int column;
    const char* says;
  };
  const Case cases[] = {
      {"", 0, 0, "empty"},
      {"time,pv,load\n", 1, 1, "expected the header"},
      {"time,pv_kw,load_kw\n", 0, 0, "no rows"},
      {"time,pv_kw,load_kw\n12:00,1\n", 2, 1, "3 comma-separated"},
      {"time,pv_kw,load_kw\n25:00,1,1\n", 2, 1, "HH:MM"},
      {"time,pv_kw,load_kw\n12:00,-1,1\n", 2, 7, "PV power"},
      {"time,pv_kw,load_kw\n12:00,1,lots\n", 2, 9, "household load"},
      {"time,pv_kw,load_kw\n12:00,1,1\n11:30,1,1\n", 3, 1, "ascend"},
      {"time,pv_kw,load_kw\n12:00,nan,1\n", 2, 7, "PV power"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.csv);
    auto p = parse_house_trace(c.csv);
    EXPECT_FALSE(p.trace);
    ASSERT_FALSE(p.errors.empty());
    EXPECT_EQ(p.errors[0].line, c.line) << p.errors[0].message;
    EXPECT_EQ(p.errors[0].column, c.column) << p.errors[0].message;
    EXPECT_NE(p.errors[0].message.find(c.says), std::string::npos) << p.errors[0].message;
  }
}

// The demo's trace: a whole day, half-hourly; a 4 kWp roof's sunny day (peak a little under
// 4 kW, nothing at night) beside the household's load.
TEST(HouseTrace, TheDemoTraceIsASunnyDay) {
  std::ifstream in(std::string(OFFPEAK_SOURCE_DIR) + "/config/demo-house.csv");
  std::ostringstream s;
  s << in.rdbuf();
  auto p = parse_house_trace(s.str());
  ASSERT_TRUE(p.trace) << (p.errors.empty() ? "" : p.errors[0].message);
  EXPECT_EQ(p.trace->points.size(), 48u);
  double peak = 0, pv_kwh = 0, load_kwh = 0;
  for (const auto& pt : p.trace->points) {
    peak = std::max(peak, pt.pv_w);
    pv_kwh += pt.pv_w / 1000 / 2;
    load_kwh += pt.load_w / 1000 / 2;
  }
  EXPECT_GT(peak, 3500.0);
  EXPECT_LE(peak, 4000.0);
  EXPECT_GT(pv_kwh, 25.0);
  EXPECT_GT(load_kwh, 10.0);
  EXPECT_DOUBLE_EQ(p.trace->pv_w(2 * 3600), 0.0);
}

}  // namespace
}  // namespace offpeak
