// `carbon:` and `charging.carbon_weight` in the main file: values and FILE:LINE:COL errors.

#include <offpeak/config/config.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <string>

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

// Lines 1-11; a test appends from line 12.
constexpr std::string_view k_base = R"(timezone: Europe/London
vehicle:
  battery_kwh: 37.9
  max_charge_kw: 7.4
  source:
    type: simulator
    initial_soc: 35
charging:
  target_soc: 80
  ready_by: "07:30"
tariff: { default: 24.5 }
)";

LoadResult load(const TempDir& dir, const std::string& tail) {
  Environment env;
  env.working_directory = dir.path();
  return load_config(dir.write("offpeak.yaml", std::string(k_base) + tail), env);
}

TEST(CarbonConfig, RegionPostcodeOrNational) {
  TempDir dir;
  auto none = load(dir, "");
  ASSERT_TRUE(none.config) << none.errors.at(0).to_string();
  EXPECT_FALSE(none.config->carbon);
  EXPECT_EQ(none.config->charging.carbon_weight_p_per_kg, 0.0);

  auto region = load(dir, "carbon: { region: 13 }\n");
  ASSERT_TRUE(region.config) << region.errors.at(0).to_string();
  ASSERT_TRUE(region.config->carbon);
  EXPECT_EQ(region.config->carbon->region, 13);
  EXPECT_FALSE(region.config->carbon->postcode);
  EXPECT_EQ(region.config->carbon->base_url, "https://api.carbonintensity.org.uk");

  auto postcode = load(dir, "carbon:\n  postcode: sw1a\n  base_url: http://127.0.0.1:9/\n");
  ASSERT_TRUE(postcode.config) << postcode.errors.at(0).to_string();
  EXPECT_EQ(postcode.config->carbon->postcode, "SW1A");
  EXPECT_EQ(postcode.config->carbon->base_url, "http://127.0.0.1:9");

  auto national = load(dir, "carbon: {}\n");
  ASSERT_TRUE(national.config) << national.errors.at(0).to_string();
  ASSERT_TRUE(national.config->carbon);
  EXPECT_FALSE(national.config->carbon->region);
  EXPECT_FALSE(national.config->carbon->postcode);

  TempDir d2;
  Environment env;
  env.working_directory = d2.path();
  std::string text(k_base);
  text.replace(text.find("  ready_by"), 0, "  carbon_weight: 12.5\n");
  auto weighted = load_config(d2.write("offpeak.yaml", text), env);
  ASSERT_TRUE(weighted.config) << weighted.errors.at(0).to_string();
  EXPECT_EQ(weighted.config->charging.carbon_weight_p_per_kg, 12.5);
}

struct Bad {
  const char* tail;
  int line;
  int column;
  const char* says;
};

TEST(CarbonConfig, ErrorsPointAtTheValue) {
  const Bad cases[] = {
      {"carbon: { region: 18 }\n", 12, 19, "region id (1-17)"},
      {"carbon: { region: 2.5 }\n", 12, 19, "whole carbon intensity region id"},
      {"carbon: { region: london }\n", 12, 19, "region id (1-17)"},
      {"carbon: { postcode: \"SW1A 1AA\" }\n", 12, 21, "outward part of a postcode"},
      {"carbon: { postcode: 12AB }\n", 12, 21, "outward part of a postcode"},
      {"carbon: { region: 13, postcode: SW1A }\n", 12, 33, "either region or postcode"},
      {"carbon: { regoin: 13 }\n", 12, 11, "did you mean 'region'"},
      {"carbon: { base_url: ftp://x }\n", 12, 21, "expected an http:// or https:// URL"},
      {"carbon: 13\n", 12, 9, "expected a mapping for 'carbon'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.tail);
    TempDir dir;
    auto r = load(dir, c.tail);
    EXPECT_FALSE(r.config);
    ASSERT_FALSE(r.errors.empty());
    const ConfigError& e = r.errors.front();
    EXPECT_EQ(e.line, c.line) << e.to_string();
    EXPECT_EQ(e.column, c.column) << e.to_string();
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.to_string();
  }
  TempDir dir;
  Environment env;
  env.working_directory = dir.path();
  std::string text(k_base);
  text.replace(text.find("  ready_by"), 0, "  carbon_weight: -3\n");
  auto r = load_config(dir.write("offpeak.yaml", text), env);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors.front().line, 10);
  EXPECT_EQ(r.errors.front().column, 18);
  EXPECT_NE(r.errors.front().message.find("carbon weight in p per kg CO2"), std::string::npos)
      << r.errors.front().to_string();
}

}  // namespace
}  // namespace offpeak::config
