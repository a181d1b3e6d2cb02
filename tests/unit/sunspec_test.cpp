// SunSpec over a register image: header discovery at 40000/0/50000, the model chain walk,
// meter and inverter power with scale factors, "not implemented" values, read failures.

#include <offpeak/domain/site.hpp>
#include <offpeak/site/sunspec.hpp>

#include "../support/sunspec_image.hpp"

#include <gtest/gtest.h>

namespace offpeak::site {
namespace {

using offpeak::testing::sunspec_image;
using offpeak::testing::SunspecImage;

RegisterReader reader(const SunspecImage& img, int* reads = nullptr) {
  return [&img, reads](int address, int count, std::string& error) {
    if (reads) ++*reads;
    auto r = img.read(address, count);
    if (!r) error = "Modbus exception 2 (illegal data address)";
    return r;
  };
}

TEST(Sunspec, FindsTheChainAndReadsTheMeter) {
  const SunspecImage img = sunspec_image();
  SunspecResult r = read_sunspec(reader(img), SunspecDevice::meter, std::nullopt);
  ASSERT_TRUE(r.layout) << r.error;
  EXPECT_EQ(r.layout->base, 40000);
  ASSERT_EQ(r.layout->models.size(), 3u);
  EXPECT_EQ(r.layout->models[0].id, 1);
  EXPECT_EQ(r.layout->models[1].id, 103);
  EXPECT_EQ(r.layout->models[1].address, 40070);  // Fronius: 40070 is the inverter's id
  EXPECT_EQ(r.layout->models[2].id, 203);
  ASSERT_TRUE(r.layout->power_model);
  EXPECT_EQ(r.layout->power_model->id, 203);
  ASSERT_TRUE(r.watts) << r.error;
  EXPECT_DOUBLE_EQ(*r.watts, -1234.0);

  SunspecResult inv = read_sunspec(reader(img), SunspecDevice::inverter, std::nullopt);
  ASSERT_TRUE(inv.watts) << inv.error;
  EXPECT_DOUBLE_EQ(*inv.watts, 3000.0);
  EXPECT_EQ(inv.layout->power_model->id, 103);
}

TEST(Sunspec, LayoutIsReusedWithOneRead) {
  SunspecImage img = sunspec_image();
  auto first = read_sunspec(reader(img), SunspecDevice::meter, std::nullopt);
  ASSERT_TRUE(first.layout);
  img.meter_power(512, 1);  // 5120 W
  int reads = 0;
  auto again = read_sunspec(reader(img, &reads), SunspecDevice::meter, first.layout);
  EXPECT_EQ(reads, 1);
  ASSERT_TRUE(again.watts);
  EXPECT_DOUBLE_EQ(*again.watts, 5120.0);
}

TEST(Sunspec, HeaderAtZeroOrFiftyThousand) {
  for (int base : {0, 50000}) {
    SCOPED_TRACE(base);
    const SunspecImage img = sunspec_image(base);
    auto r = read_sunspec(reader(img), SunspecDevice::meter, std::nullopt);
    ASSERT_TRUE(r.watts) << r.error;
    EXPECT_EQ(r.layout->base, base);
    EXPECT_DOUBLE_EQ(*r.watts, -1234.0);
  }
}

TEST(Sunspec, NotImplementedIsUnknownNeverZero) {
  SunspecImage img = sunspec_image();
  img.meter_power(static_cast<std::int16_t>(0x8000), -1);  // W not implemented
  auto r = read_sunspec(reader(img), SunspecDevice::meter, std::nullopt);
  ASSERT_TRUE(r.layout);
  EXPECT_FALSE(r.watts);
  EXPECT_NE(r.error.find("not implemented"), std::string::npos) << r.error;

  img.meter_power(100, static_cast<std::int16_t>(0x8000));  // scale factor not implemented
  EXPECT_FALSE(read_sunspec(reader(img), SunspecDevice::meter, std::nullopt).watts);
  img.meter_power(100, 11);  // scale factor out of range
  EXPECT_FALSE(read_sunspec(reader(img), SunspecDevice::meter, std::nullopt).watts);
  img.meter_power(100, -2);
  EXPECT_DOUBLE_EQ(*read_sunspec(reader(img), SunspecDevice::meter, std::nullopt).watts, 1.0);
  img.meter_power(0, 0);
  EXPECT_EQ(*read_sunspec(reader(img), SunspecDevice::meter, std::nullopt).watts, 0.0);
}

TEST(Sunspec, WhatIsMissingIsSaid) {
  const SunspecImage no_meter = sunspec_image(40000, true, false);
  auto r = read_sunspec(reader(no_meter), SunspecDevice::meter, std::nullopt);
  EXPECT_FALSE(r.layout);
  EXPECT_NE(r.error.find("no meter model (201-204) among 2 models"), std::string::npos) << r.error;

  SunspecImage nothing;
  auto n = read_sunspec(reader(nothing), SunspecDevice::inverter, std::nullopt);
  EXPECT_FALSE(n.layout);
  EXPECT_NE(n.error.find("no SunSpec header"), std::string::npos) << n.error;
  EXPECT_NE(n.error.find("illegal data address"), std::string::npos) << n.error;

  // A chain without the end marker stops at the first unreadable model header.
  SunspecImage open = sunspec_image();
  open.regs.erase(open.meter_at + 2 + 105);
  auto o = read_sunspec(reader(open), SunspecDevice::meter, std::nullopt);
  EXPECT_TRUE(o.watts) << o.error;

  // A model too short to hold W_SF is not read past its end.
  SunspecImage shortm = sunspec_image(40000, false, true);
  shortm.put(shortm.meter_at + 1, 10);
  auto s = read_sunspec(reader(shortm), SunspecDevice::meter, std::nullopt);
  EXPECT_FALSE(s.watts);
  EXPECT_NE(s.error.find("too short"), std::string::npos) << s.error;
}

TEST(Sunspec, ALoopingOrHugeChainEnds) {
  SunspecImage img;
  img.put(40000, 0x5375);
  img.put(40001, 0x6E53);
  for (int a = 40002; a < 40002 + 2 * 200; a += 2) {  // 200 empty models, no end marker
    img.put(a, 1);
    img.put(a + 1, 0);
  }
  int reads = 0;
  auto r = read_sunspec(reader(img, &reads), SunspecDevice::meter, std::nullopt);
  EXPECT_FALSE(r.layout);
  EXPECT_LE(reads, 2 + k_sunspec_max_models + 2);
  // Lengths that run past the register space end the walk too.
  SunspecImage big;
  big.put(65000, 0x5375);
  EXPECT_FALSE(read_sunspec(reader(big), SunspecDevice::meter, std::nullopt).layout);
}

TEST(Sunspec, ScaleFactors) {
  EXPECT_EQ(scale_factor(0), 0);
  EXPECT_EQ(scale_factor(static_cast<std::uint16_t>(-3)), -3);
  EXPECT_EQ(scale_factor(10), 10);
  EXPECT_FALSE(scale_factor(0x8000));
  EXPECT_FALSE(scale_factor(11));
  EXPECT_TRUE(is_sunspec_header(std::vector<std::uint16_t>{0x5375, 0x6E53}));
  EXPECT_FALSE(is_sunspec_header(std::vector<std::uint16_t>{0x5375}));
  EXPECT_TRUE(is_power_model(SunspecDevice::meter, 204));
  EXPECT_FALSE(is_power_model(SunspecDevice::meter, 103));
  EXPECT_TRUE(is_power_model(SunspecDevice::inverter, 101));
  EXPECT_FALSE(is_power_model(SunspecDevice::inverter, 111));
}

}  // namespace
}  // namespace offpeak::site

namespace offpeak {
namespace {

// The site at an instant from the meters' last readings (domain/site.hpp).
TEST(SiteState, StaleReadingsAreUnknownNeverZero) {
  const Instant t0 = *parse_rfc3339("2026-06-01T12:00:00Z");
  const Seconds max_age{60};
  SiteState none = site_state(std::nullopt, max_age, std::nullopt, max_age, t0);
  EXPECT_TRUE(none.stale);
  EXPECT_FALSE(none.grid_w);
  EXPECT_EQ(none.updated_at, Instant{});

  const MeterReading grid{-1500, t0};
  const MeterReading pv{-3, t0};  // an inverter's night-time draw
  SiteState fresh = site_state(grid, max_age, pv, max_age, t0 + Seconds{60});
  EXPECT_FALSE(fresh.stale);
  EXPECT_EQ(fresh.grid_w, -1500);
  EXPECT_EQ(fresh.pv_w, 0.0);
  EXPECT_EQ(fresh.updated_at, t0);

  SiteState old = site_state(grid, max_age, pv, Seconds{120}, t0 + Seconds{61});
  EXPECT_TRUE(old.stale);
  EXPECT_FALSE(old.grid_w);
  EXPECT_EQ(old.pv_w, 0.0);  // the PV meter's own max_age
  EXPECT_EQ(old.updated_at, t0);
  // A reading "from the future" (the clock set back) is not stale.
  EXPECT_FALSE(reading_stale(t0 + Seconds{30}, max_age, t0));
}

}  // namespace
}  // namespace offpeak
