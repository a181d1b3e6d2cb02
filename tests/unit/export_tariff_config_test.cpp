// `site.export_tariff`: a tariff file, an inline static or csv tariff, octopus-agile with an
// export product; exclusive with `site.export_price`; FILE:LINE:COL errors, the cause first.

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

std::string errors(const LoadResult& r) {
  std::string s;
  for (const auto& e : r.errors)
    s += e.to_string() + "\n";
  return s;
}

TEST(ExportTariffConfig, NoneByDefault) {
  TempDir dir;
  auto r = load(dir, "site: { export_price: 15 }\n");
  ASSERT_TRUE(r.config) << errors(r);
  EXPECT_FALSE(r.config->export_tariff);
  EXPECT_EQ(r.config->site.export_price, 15.0);
}

TEST(ExportTariffConfig, TheAgileOutgoingExampleFile) {
  TempDir dir;
  auto r = load(dir, "site:\n  export_tariff: " + std::string(OFFPEAK_SOURCE_DIR) +
                         "/config/tariffs/agile-outgoing.yaml\n");
  ASSERT_TRUE(r.config) << errors(r);
  ASSERT_TRUE(r.config->export_tariff);
  const auto* a = std::get_if<OctopusAgileTariff>(&r.config->export_tariff->kind);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->tariff_code(), "E-1R-AGILE-OUTGOING-19-05-13-C");
  EXPECT_EQ(r.config->site.export_price, 0.0);
}

TEST(ExportTariffConfig, AnInlineStaticTariff) {
  TempDir dir;
  auto r = load(dir, R"(site:
  export_tariff:
    default: 4.1
    periods: [ { start: "16:00", end: "19:00", price: 25.0 } ]
)");
  ASSERT_TRUE(r.config) << errors(r);
  ASSERT_TRUE(r.config->export_tariff);
  auto t = make_static_tariff(*r.config->export_tariff, r.config->zone);
  ASSERT_NE(t, nullptr);
  const Instant day = *parse_rfc3339("2026-01-10T00:00:00Z");
  const PriceCurve c = t->prices(day, day + std::chrono::hours{24});
  EXPECT_EQ(c.price_at(day + std::chrono::hours{12}), 4.1);
  EXPECT_EQ(c.price_at(day + std::chrono::hours{17}), 25.0);
}

TEST(ExportTariffConfig, ACsvOfExportPrices) {
  TempDir dir;
  dir.write("export.csv",
            "valid_from_utc,valid_to_utc,p_per_kwh_inc_vat\n"
            "2026-01-10T00:00:00Z,2026-01-10T00:30:00Z,5.5\n"
            "2026-01-10T00:30:00Z,2026-01-10T01:00:00Z,6.25\n");
  auto r = load(dir, "site:\n  export_tariff: { type: csv, file: export.csv }\n");
  ASSERT_TRUE(r.config) << errors(r);
  ASSERT_TRUE(r.config->export_tariff);
  const auto* c = std::get_if<CsvTariff>(&r.config->export_tariff->kind);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->prices.price_at(*parse_rfc3339("2026-01-10T00:45:00Z")), 6.25);
}

TEST(ExportTariffConfig, ExclusiveWithExportPrice) {
  TempDir dir;
  auto r = load(dir, R"(site:
  export_price: 15
  export_tariff: { default: 4.1 }
)");
  EXPECT_FALSE(r.config);
  ASSERT_FALSE(r.errors.empty());
  const std::string e = r.errors.front().to_string();
  EXPECT_NE(e.find("offpeak.yaml:14:18: export_tariff and export_price both given"),
            std::string::npos)
      << e;
}

TEST(ExportTariffConfig, ADayAheadSourceIsRefused) {
  TempDir dir;
  auto r = load(dir, R"(site:
  export_tariff: { type: awattar, country: de }
)");
  EXPECT_FALSE(r.config);
  EXPECT_NE(errors(r).find("offpeak.yaml:13:18: a day-ahead price source cannot be an export "
                           "tariff"),
            std::string::npos)
      << errors(r);
}

TEST(ExportTariffConfig, ErrorsInsideTheTariffPointThere) {
  TempDir dir;
  auto r = load(dir, R"(site:
  export_tariff: { type: octopus-agile, region: C }
)");
  EXPECT_FALSE(r.config);
  EXPECT_NE(errors(r).find("offpeak.yaml:13:"), std::string::npos) << errors(r);
  EXPECT_NE(errors(r).find("product"), std::string::npos) << errors(r);
  auto q = load(dir, "site:\n  export_tariff: [1, 2]\n");
  EXPECT_FALSE(q.config);
  EXPECT_NE(errors(q).find("offpeak.yaml:13:18: expected an export tariff file path or a tariff "
                           "mapping"),
            std::string::npos)
      << errors(q);
}

}  // namespace
}  // namespace offpeak::config
