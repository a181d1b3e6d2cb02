// Day-ahead tariffs (`type: tibber | entsoe | nordpool | awattar`), `price:`, `currency:` and
// `locale:` in the main file: values and FILE:LINE:COL errors.

#include <offpeak/config/config.hpp>
#include <offpeak/domain/money.hpp>
#include <offpeak/report/report.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <string>

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

// Lines 1-7; a test appends from line 8.
constexpr std::string_view k_base = R"(timezone: Europe/Berlin
vehicle:
  battery_kwh: 60
  max_charge_kw: 11
  source:
    type: simulator
    initial_soc: 35
)";

LoadResult load(const TempDir& dir, const std::string& tail,
                std::optional<std::filesystem::path> creds = std::nullopt) {
  Environment env;
  env.working_directory = dir.path();
  env.credentials_directory = creds;
  dir.write("entsoe-token", "abc-123\n");
  return load_config(dir.write("offpeak.yaml", std::string(k_base) + tail), env);
}

TEST(SpotConfig, EverySourceWithItsDefaults) {
  TempDir dir;
  auto e = load(dir,
                "currency: EUR\nlocale: de_DE\ntariff:\n  type: entsoe\n  zone: de-lu\n"
                "  token_file: entsoe-token\n  price: { markup_percent: 2, adder: 18.5, "
                "vat_percent: 19 }\n");
  ASSERT_TRUE(e.config) << e.errors.at(0).to_string();
  const auto& t = std::get<SpotTariff>(e.config->tariff.kind);
  EXPECT_EQ(t.area, "10Y1001A1001A82H");
  EXPECT_EQ(t.area_label, "DE-LU");
  EXPECT_EQ(t.token.reveal(), "abc-123");
  EXPECT_EQ(t.base_url, "https://web-api.tp.entsoe.eu");
  EXPECT_EQ(t.price, (SpotFormula{2, 18.5, 19}));
  EXPECT_EQ(e.config->money.currency, "EUR");
  EXPECT_EQ(e.config->money.decimal_mark, ',');
  EXPECT_EQ(e.config->tariff.name, "ENTSO-E day-ahead DE-LU");
  EXPECT_EQ(t.cache_key("EUR"), "entsoe:10Y1001A1001A82H");

  TempDir d2;
  d2.write("creds/tibber-token", "tok\n");
  auto tib = load(d2, "currency: EUR\ntariff: { type: tibber, resolution: hourly }\n",
                  d2.path() / "creds");
  ASSERT_TRUE(tib.config) << tib.errors.at(0).to_string();
  const auto& tt = std::get<SpotTariff>(tib.config->tariff.kind);
  EXPECT_EQ(tt.token.reveal(), "tok");
  EXPECT_EQ(tt.resolution, Seconds{3600});
  EXPECT_EQ(tt.base_url, "https://api.tibber.com");

  auto np = load(dir, "currency: SEK\ntariff: { type: nordpool, area: se3 }\n");
  ASSERT_TRUE(np.config) << np.errors.at(0).to_string();
  EXPECT_EQ(std::get<SpotTariff>(np.config->tariff.kind).cache_key("SEK"), "nordpool:SE3:SEK");

  auto aw = load(dir, "currency: EUR\ntariff: { type: awattar, country: at }\n");
  ASSERT_TRUE(aw.config) << aw.errors.at(0).to_string();
  EXPECT_EQ(std::get<SpotTariff>(aw.config->tariff.kind).base_url, "https://api.awattar.at");

  auto gbp = load(dir, "tariff: { default: 24.5 }\n");
  ASSERT_TRUE(gbp.config);
  EXPECT_EQ(gbp.config->money.currency, "GBP");
  EXPECT_EQ(gbp.config->money.decimal_mark, '.');
}

struct Bad {
  const char* tail;
  int line;
  int column;
  const char* says;
};

TEST(SpotConfig, ErrorsPointAtTheValue) {
  const Bad cases[] = {
      {"currency: USD\ntariff: { default: 1 }\n", 8, 11, "unknown currency"},
      {"locale: xx_YY\ntariff: { default: 1 }\n", 8, 9, "unknown locale"},
      {"currency: EUR\ntariff: { type: entsoe, zone: XX, token_file: entsoe-token }\n", 9, 31,
       "unknown bidding zone"},
      {"currency: EUR\ntariff: { type: entsoe, zone: DE-LU }\n", 9, 17, "needs an API token"},
      {"currency: EUR\ntariff: { type: entsoe, zone: DE-LU, token_file: missing }\n", 9, 50,
       "cannot read the entsoe token file"},
      {"tariff: { type: entsoe, zone: DE-LU, token_file: entsoe-token }\n", 8, 17,
       "publishes prices in EUR"},
      {"currency: CHF\ntariff: { type: nordpool, area: SE3 }\n", 9, 17, "Nord Pool publishes"},
      {"currency: EUR\ntariff: { type: nordpool, area: \"SE 3\" }\n", 9, 33, "delivery area"},
      {"currency: EUR\ntariff: { type: nordpool }\n", 9, 1, "missing required key 'area'"},
      {"currency: EUR\ntariff: { type: awattar, country: ch }\n", 9, 35, "expected de or at"},
      {"currency: EUR\ntariff: { type: awattar, country: de, price: { vat_percent: 120 } }\n", 9,
       61, "VAT rate"},
      {"currency: EUR\ntariff: { type: awattar, country: de, price: { adder: x } }\n", 9, 55,
       "adder"},
      {"currency: EUR\ntariff: { type: awattar, country: de, price: { vat: 19 } }\n", 9, 48,
       "unknown key"},
      {"currency: EUR\ntariff: { type: awattar, country: de, base_url: ftp://x }\n", 9, 49,
       "http:// or https://"},
      {"currency: EUR\ntariff: { type: tibber, home_id: \"x y\" }\n", 9, 34, "Tibber home id"},
      {"currency: EUR\ntariff: { type: tibber, resolution: minutely }\n", 9, 37,
       "quarter_hourly or hourly"},
      {"currency: EUR\ntariff: { type: tibber, token_file: entsoe-token, price: { adder: 1 } }\n",
       9, 58, "Tibber prices are final"},
      {"currency: EUR\ntariff: { type: spot }\n", 9, 17, "unknown tariff type 'spot'"},
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
}

TEST(Money, MajorUnitsWithSymbolPlacementAndDecimalMark) {
  EXPECT_EQ(Money().amount(123), "£1.23");
  EXPECT_EQ(Money("EUR", '.').amount(123.4), "€1.23");
  EXPECT_EQ(Money("EUR", ',').amount(-40), "-€0,40");
  EXPECT_EQ(Money("SEK", ',').amount(1234), "12,34 kr");
  EXPECT_EQ(Money("NOK", ',').rate(45.67), "45,7 øre/kWh");
  EXPECT_EQ(Money("EUR", '.').rate(23.44), "23.4 ct/kWh");
  EXPECT_EQ(Money("GBP", '.').rate(-0.04), "0.0 p/kWh");
  EXPECT_EQ(Money("CHF", '.').amount(250), "CHF 2.50");
  EXPECT_EQ(Money("PLN", ',').amount(99), "0,99 zł");
  EXPECT_EQ(Money("EUR", '.').amount(-0.1), "€0.00");
}

TEST(QuarterHourTable, OneLinePerHourWithADaySummary) {
  const Zone berlin = *Zone::locate("Europe/Berlin");
  const Instant t0 = berlin.start_of_day(LocalDate{std::chrono::year{2025} / 10 / 31});
  std::vector<PriceSlot> slots;
  const double p[] = {10.281, 8.976, 8.166, 7.673, 8.749, 8.205, 7.4, 6.909};
  for (int i = 0; i < 8; ++i)
    slots.push_back(
        {t0 + i * std::chrono::minutes{15}, t0 + (i + 1) * std::chrono::minutes{15}, p[i]});
  const std::string t = report::prices_table(PriceCurve(slots), t0, t0 + std::chrono::hours{2},
                                             berlin, Money("EUR", ','));
  EXPECT_EQ(t,
            "           :00     :15     :30     :45\n"
            "Fri 31 Oct  ct/kWh: min 6,91 at 01:45, mean 8,29, max 10,28 at 00:00\n"
            "  00:00    10,28    8,98    8,17    7,67\n"
            "  01:00     8,75    8,21    7,40    6,91\n")
      << t;
  // Half-hour (Agile) prices keep the one-line-per-price table.
  std::vector<PriceSlot> halves = {{t0, t0 + std::chrono::minutes{30}, 10.0}};
  EXPECT_NE(report::prices_table(PriceCurve(halves), t0, t0 + std::chrono::minutes{30}, berlin)
                .find("p/kWh"),
            std::string::npos);
}

// The DST days in Stockholm: 100 quarter-hours in 25 hour lines (02:00 twice, before and after
// the clocks go back), 92 in 23 (no 02:00); the day's summary over all of them.
TEST(QuarterHourTable, DstDaysInStockholmHave25And23HourLines) {
  const Zone stockholm = *Zone::locate("Europe/Stockholm");
  for (auto [date, n] : {std::pair{LocalDate{std::chrono::year{2025} / 10 / 26}, 100},
                         std::pair{LocalDate{std::chrono::year{2025} / 3 / 30}, 92}}) {
    const Instant t0 = stockholm.start_of_day(date);
    const Instant t1 =
        stockholm.start_of_day(LocalDate{std::chrono::sys_days{date} + std::chrono::days{1}});
    ASSERT_EQ(t1 - t0, n * std::chrono::minutes{15});
    std::vector<PriceSlot> slots;
    for (int i = 0; i < n; ++i)
      slots.push_back(
          {t0 + i * std::chrono::minutes{15}, t0 + (i + 1) * std::chrono::minutes{15}, i / 10.0});
    const std::string t =
        report::prices_table(PriceCurve(slots), t0, t1, stockholm, Money("SEK", ','));
    std::vector<std::string> lines;
    std::stringstream ss(t);
    for (std::string l; std::getline(ss, l);)
      lines.push_back(l);
    ASSERT_EQ(lines.size(), 2u + static_cast<std::size_t>(n / 4)) << t;
    const std::string max = n == 100 ? "9,90" : "9,10";
    const std::string mean = n == 100 ? "4,95" : "4,55";
    EXPECT_NE(
        lines[1].find("öre/kWh: min 0,00 at 00:00, mean " + mean + ", max " + max + " at 23:45"),
        std::string::npos)
        << t;
    int twos = 0;
    for (const auto& l : lines)
      if (l.rfind("  02:00 ", 0) == 0) ++twos;
    EXPECT_EQ(twos, n == 100 ? 2 : 0) << t;
    EXPECT_EQ(lines.back().rfind("  23:00 ", 0), 0u) << t;
  }
}

}  // namespace
}  // namespace offpeak::config
