// Octopus Agile, the pure parts: URLs, page parsing (real API fixtures and hostile input),
// paging through an injected fetch, merging, the refresh and planning policies.

#include <offpeak/tariffs/agile.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

namespace {

using namespace offpeak;
using namespace offpeak::tariffs;
using namespace std::chrono;
namespace json = boost::json;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* const k_octometer = "octometer_E-1R-AGILE-FLEX-22-11-25-J_2024-05-07_page1.json";
const char* const k_plunge = "teslamateagile_plunge_test.json";

TEST(AgileUrl, FollowsTheApiPattern) {
  EXPECT_EQ(rates_url("https://api.octopus.energy/", "AGILE-24-10-01", 'C',
                      at("2024-05-07T00:00:00Z"), at("2024-05-09T00:00:00Z")),
            "https://api.octopus.energy/v1/products/AGILE-24-10-01/electricity-tariffs/"
            "E-1R-AGILE-24-10-01-C/standard-unit-rates/"
            "?period_from=2024-05-07T00:00:00Z&period_to=2024-05-09T00:00:00Z");
}

TEST(AgilePage, ReadsARealFirstPage) {
  PageResult r = parse_rates_page(read_data(k_octometer));
  ASSERT_TRUE(r.page) << r.error;
  EXPECT_EQ(r.page->count, 26588);
  ASSERT_TRUE(r.page->next);
  EXPECT_NE(r.page->next->find("page=2"), std::string::npos);
  ASSERT_EQ(r.page->results.size(), 5u);
  EXPECT_EQ(r.page->results[0].valid_from, at("2024-05-07T21:30:00Z"));  // newest first
  EXPECT_EQ(r.page->results[0].valid_to, at("2024-05-07T22:00:00Z"));
  EXPECT_DOUBLE_EQ(r.page->results[0].value_inc_vat, 18.291);
  EXPECT_FALSE(r.page->results[0].payment_method);  // null
  PriceCurve c = rates_to_curve(r.page->results);
  ASSERT_EQ(c.slots().size(), 5u);
  EXPECT_EQ(c.slots().front().start, at("2024-05-07T19:30:00Z"));
  EXPECT_DOUBLE_EQ(*c.price_at(at("2024-05-07T20:10:00Z")), 20.1915);
}

TEST(AgilePage, ReadsADayWithNegativePrices) {
  PageResult r = parse_rates_page(read_data(k_plunge));
  ASSERT_TRUE(r.page) << r.error;
  EXPECT_FALSE(r.page->next);
  PriceCurve c = rates_to_curve(r.page->results);
  ASSERT_EQ(c.slots().size(), 11u);
  EXPECT_EQ(c.slots().front().start, at("2020-05-23T00:00:00Z"));
  EXPECT_EQ(c.slots().back().end, at("2020-05-23T05:30:00Z"));
  EXPECT_DOUBLE_EQ(*c.price_at(at("2020-05-23T04:00:00Z")), -8.82);
  EXPECT_DOUBLE_EQ(*c.price_at(at("2020-05-23T00:00:00Z")), 0.0);  // a real zero price
  EXPECT_FALSE(c.price_at(at("2020-05-23T05:30:00Z")));            // after: unknown
}

// A hostile page body; printed shortened so that test listings stay one short line.
struct HostileBody {
  std::string text;
  explicit HostileBody(std::string t) : text(std::move(t)) {}
};
void PrintTo(const HostileBody& b, std::ostream* os) {
  constexpr std::size_t k_shown = 40;
  if (b.text.size() <= k_shown) {
    *os << ::testing::PrintToString(b.text);
    return;
  }
  *os << ::testing::PrintToString(b.text.substr(0, k_shown)) << "... (" << b.text.size()
      << " bytes)";
}

class HostilePage : public ::testing::TestWithParam<HostileBody> {};

TEST_P(HostilePage, IsAnErrorNotACrash) {
  PageResult r = parse_rates_page(GetParam().text);
  EXPECT_FALSE(r.page);
  EXPECT_FALSE(r.error.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Agile, HostilePage,
    ::testing::Values(
        "", "null", "[]", "{", "<html>502 Bad Gateway</html>", R"({"count": 1})",
        R"({"results": {}})", R"({"results": [1]})", R"({"results": [{}]})",
        R"({"results": [{"valid_from": "2024-05-07T21:30:00Z"}]})",
        R"({"results": [{"valid_from": "2024-05-07T21:30:00Z", "value_inc_vat": "18.2"}]})",
        R"({"results": [{"valid_from": "yesterday", "value_inc_vat": 18.2}]})",
        R"({"results": [{"valid_from": 5, "value_inc_vat": 18.2}]})",
        R"({"results": [{"valid_from": "2024-05-07T21:30:00Z", "valid_to": "2024-05-07T21:00:00Z", "value_inc_vat": 1}]})",
        R"({"results": [{"valid_from": "2024-05-07T21:30:00Z", "valid_to": 7, "value_inc_vat": 1}]})",
        R"({"results": [{"valid_from": "2024-05-07T21:30:00Z", "value_inc_vat": 1e999}]})",
        R"({"count": "many", "results": []})", R"({"next": 42, "results": []})",
        R"({"next": "", "results": []})", std::string(100000, '['),
        std::string("{\"results\": [") + std::string(1, '\0') + "]}",
        // A count beyond int64 (it wrapped to -1) or below 0 is a bad value.
        R"({"count": 18446744073709551615, "results": []})", R"({"count": -1, "results": []})"),
    [](const ::testing::TestParamInfo<HostileBody>& i) {
      return "case" + std::to_string(i.index);
    });

TEST(AgilePage, NullsAreUnknownNotZero) {
  // valid_to null on the newest and on a middle rate; payment_method null; extra fields.
  const char* body = R"({"count": 3, "next": null, "previous": null, "extra": {"x": 1},
    "results": [
      {"value_exc_vat": 10, "value_inc_vat": 10.5, "valid_from": "2024-01-01T01:00:00Z",
       "valid_to": null, "payment_method": null},
      {"value_exc_vat": 20, "value_inc_vat": 21, "valid_from": "2024-01-01T00:30:00Z",
       "valid_to": null, "payment_method": null},
      {"value_exc_vat": 30, "value_inc_vat": 31.5, "valid_from": "2024-01-01T00:00:00Z",
       "valid_to": "2024-01-01T00:30:00Z", "payment_method": null}]})";
  PageResult r = parse_rates_page(body);
  ASSERT_TRUE(r.page) << r.error;
  EXPECT_FALSE(r.page->next);
  EXPECT_FALSE(r.page->results[0].valid_to);
  // The middle rate ends where the next begins; the open-ended newest one is dropped...
  PriceCurve c = rates_to_curve(r.page->results);
  ASSERT_EQ(c.slots().size(), 2u);
  EXPECT_EQ(c.slots().back().end, at("2024-01-01T01:00:00Z"));
  EXPECT_FALSE(c.price_at(at("2024-01-01T01:10:00Z")));
  // ... unless the caller bounds it (e.g. by period_to).
  PriceCurve bounded = rates_to_curve(r.page->results, at("2024-01-01T02:00:00Z"));
  EXPECT_DOUBLE_EQ(*bounded.price_at(at("2024-01-01T01:59:59Z")), 10.5);
}

TEST(AgileCurve, PrefersDirectDebitAndLaterRates) {
  std::vector<AgileRate> rates{
      {at("2024-01-01T00:00:00Z"), at("2024-01-01T00:30:00Z"), 30.0, "NON_DIRECT_DEBIT"},
      {at("2024-01-01T00:00:00Z"), at("2024-01-01T00:30:00Z"), 28.0, "DIRECT_DEBIT"},
      {at("2024-01-01T00:30:00Z"), at("2024-01-01T02:00:00Z"), 20.0, std::nullopt},
      {at("2024-01-01T01:00:00Z"), at("2024-01-01T01:30:00Z"), 5.0, std::nullopt},
  };
  PriceCurve c = rates_to_curve(rates);
  EXPECT_DOUBLE_EQ(*c.price_at(at("2024-01-01T00:10:00Z")), 28.0);
  EXPECT_DOUBLE_EQ(*c.price_at(at("2024-01-01T00:40:00Z")), 20.0);
  EXPECT_DOUBLE_EQ(*c.price_at(at("2024-01-01T01:10:00Z")), 5.0);
  // The later rate cut the earlier one short; what came after it is not invented.
  EXPECT_FALSE(c.price_at(at("2024-01-01T01:40:00Z")));
}

// --- paging ------------------------------------------------------------------------------------

// The plunge fixture split into pages of `per_page` results, linked by `next`.
std::map<std::string, std::string> split_into_pages(const std::string& body, std::size_t per_page) {
  json::object doc = json::parse(body).as_object();
  json::array all = doc.at("results").as_array();
  std::map<std::string, std::string> pages;
  std::size_t n_pages = (all.size() + per_page - 1) / per_page;
  for (std::size_t p = 0; p < n_pages; ++p) {
    json::array part;
    for (std::size_t i = p * per_page; i < std::min(all.size(), (p + 1) * per_page); ++i)
      part.push_back(all[i]);
    json::object page{
        {"count", all.size()},
        {"next", p + 1 < n_pages ? json::value("http://test/rates?page=" + std::to_string(p + 2))
                                 : json::value(nullptr)},
        {"previous", nullptr},
        {"results", std::move(part)}};
    pages["http://test/rates?page=" + std::to_string(p + 1)] = json::serialize(page);
  }
  return pages;
}

TEST(AgilePager, FollowsEveryNextLink) {
  auto pages = split_into_pages(read_data(k_plunge), 4);
  ASSERT_EQ(pages.size(), 3u);
  std::vector<std::string> asked;
  FetchFunction fetch = [&](const std::string& url) {
    asked.push_back(url);
    return FetchResult{pages.at(url), {}};
  };
  FetchRatesResult r = fetch_all_rates(fetch, "http://test/rates?page=1");
  EXPECT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.pages, 3);
  EXPECT_EQ(asked.size(), 3u);
  ASSERT_EQ(r.rates.size(), 11u);
  PriceCurve whole = rates_to_curve(parse_rates_page(read_data(k_plunge)).page->results);
  EXPECT_EQ(rates_to_curve(r.rates), whole);
}

TEST(AgilePager, AnOutageMidPagingKeepsWhatIsKnown) {
  auto pages = split_into_pages(read_data(k_plunge), 4);
  FetchFunction fetch = [&](const std::string& url) {
    if (url.ends_with("page=2")) return FetchResult{std::nullopt, "connection reset"};
    return FetchResult{pages.at(url), {}};
  };
  FetchRatesResult r = fetch_all_rates(fetch, "http://test/rates?page=1");
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("connection reset"), std::string::npos);
  EXPECT_EQ(r.pages, 1);
  ASSERT_EQ(r.rates.size(), 4u);  // the newest four
  PriceCurve c = rates_to_curve(r.rates);
  EXPECT_DOUBLE_EQ(*c.price_at(at("2020-05-23T05:00:00Z")), -5.817);
  // The older prices were never read: unknown, never zero.
  EXPECT_FALSE(c.price_at(at("2020-05-23T00:00:00Z")));
  EXPECT_FALSE(c.price_at(at("2020-05-23T02:30:00Z")));
}

TEST(AgilePager, AMalformedPageOrALoopStopsWithAnError) {
  auto pages = split_into_pages(read_data(k_plunge), 4);
  pages["http://test/rates?page=3"] = "{\"results\": [{\"bad\": true}]}";
  FetchFunction fetch = [&](const std::string& url) { return FetchResult{pages.at(url), {}}; };
  FetchRatesResult r = fetch_all_rates(fetch, "http://test/rates?page=1");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.rates.size(), 8u);

  FetchFunction loop = [](const std::string&) {
    return FetchResult{R"({"next": "http://test/self", "results": []})", {}};
  };
  FetchRatesResult l = fetch_all_rates(loop, "http://test/self");
  ASSERT_TRUE(l.error);
  EXPECT_EQ(l.pages, 1);
}

// --- merging -----------------------------------------------------------------------------------

TEST(AgileMerge, NewPricesWinAndGapsStayUnknown) {
  Instant t0 = at("2024-01-01T00:00:00Z");
  PriceCurve base({{t0, t0 + hours{2}, 10.0}, {t0 + hours{3}, t0 + hours{4}, 12.0}});
  PriceCurve update({{t0 + hours{1}, t0 + minutes{90}, 5.0}, {t0 + hours{5}, t0 + hours{6}, 7.0}});
  PriceCurve m = merge_prices(base, update);
  EXPECT_DOUBLE_EQ(*m.price_at(t0), 10.0);
  EXPECT_DOUBLE_EQ(*m.price_at(t0 + minutes{70}), 5.0);
  EXPECT_DOUBLE_EQ(*m.price_at(t0 + minutes{100}), 10.0);
  EXPECT_FALSE(m.price_at(t0 + minutes{150}));
  EXPECT_DOUBLE_EQ(*m.price_at(t0 + minutes{200}), 12.0);
  EXPECT_FALSE(m.price_at(t0 + minutes{270}));
  EXPECT_DOUBLE_EQ(*m.price_at(t0 + minutes{330}), 7.0);
  EXPECT_EQ(merge_prices(PriceCurve{}, update), update);
  EXPECT_EQ(merge_prices(base, PriceCurve{}), base);
}

// --- refresh policy ----------------------------------------------------------------------------

struct RefreshCase {
  const char* name;
  const char* now;
  std::optional<const char*> last_attempt;
  std::optional<const char*> last_success;
  int failures;
  const char* known_until;  // end of the known prices
  const char* expected;
};
void PrintTo(const RefreshCase& c, std::ostream* os) {
  *os << c.name;
}

class RefreshPolicy : public ::testing::TestWithParam<RefreshCase> {};

TEST_P(RefreshPolicy, NextRefresh) {
  const auto& c = GetParam();
  RefreshState st;
  if (c.last_attempt) st.last_attempt = at(*c.last_attempt);
  if (c.last_success) st.last_success = at(*c.last_success);
  st.consecutive_failures = c.failures;
  Instant end = at(c.known_until);
  PriceCurve known({{end - hours{24}, end, 20.0}});
  auto zone = *Zone::locate("Europe/London");
  EXPECT_EQ(format_rfc3339(next_refresh(at(c.now), st, known, zone)), c.expected) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Agile, RefreshPolicy,
    ::testing::Values(
        RefreshCase{"at start",
                    "2024-01-10T09:00:00Z",
                    {},
                    {},
                    0,
                    "2024-01-10T23:00:00Z",
                    "2024-01-10T09:00:00Z"},
        RefreshCase{"hourly in the morning", "2024-01-10T09:10:00Z", "2024-01-10T09:00:00Z",
                    "2024-01-10T09:00:00Z", 0, "2024-01-10T23:00:00Z", "2024-01-10T10:00:00Z"},
        RefreshCase{"wait for 16:00", "2024-01-10T15:20:00Z", "2024-01-10T15:30:00Z",
                    "2024-01-10T15:30:00Z", 0, "2024-01-10T23:00:00Z", "2024-01-10T16:00:00Z"},
        RefreshCase{"every 15 min after 16:00", "2024-01-10T16:05:00Z", "2024-01-10T16:00:00Z",
                    "2024-01-10T16:00:00Z", 0, "2024-01-10T23:00:00Z", "2024-01-10T16:15:00Z"},
        RefreshCase{"hourly once tomorrow is known", "2024-01-10T16:20:00Z", "2024-01-10T16:15:00Z",
                    "2024-01-10T16:15:00Z", 0, "2024-01-11T23:00:00Z", "2024-01-10T17:15:00Z"},
        RefreshCase{"BST: 16:00 local is 15:00Z", "2024-07-10T15:05:00Z", "2024-07-10T15:00:00Z",
                    "2024-07-10T15:00:00Z", 0, "2024-07-10T22:00:00Z", "2024-07-10T15:15:00Z"},
        RefreshCase{"first failure: 1 min", "2024-01-10T16:05:00Z", "2024-01-10T16:00:00Z",
                    "2024-01-10T15:00:00Z", 1, "2024-01-10T23:00:00Z", "2024-01-10T16:01:00Z"},
        RefreshCase{"third failure: 4 min", "2024-01-10T16:05:00Z", "2024-01-10T16:00:00Z",
                    "2024-01-10T15:00:00Z", 3, "2024-01-10T23:00:00Z", "2024-01-10T16:04:00Z"},
        RefreshCase{"backoff capped at 30 min",
                    "2024-01-10T16:05:00Z",
                    "2024-01-10T16:00:00Z",
                    {},
                    12,
                    "2024-01-10T23:00:00Z",
                    "2024-01-10T16:30:00Z"}),
    [](const ::testing::TestParamInfo<RefreshCase>& i) {
      std::string n;
      for (const char* c = i.param.name; *c != '\0'; ++c)
        n += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
      return n;
    });

// --- ready-by beyond the known prices ----------------------------------------------------------

TEST(AgilePlanningPrices, AllKnownIsPlannedAsIs) {
  Instant t0 = at("2024-01-10T18:00:00Z");
  PriceCurve known({{t0, t0 + hours{14}, 20.0}});
  PlanningPrices p = planning_prices(known, nullptr, t0, t0 + hours{13}, 30.0, 7.4);
  EXPECT_TRUE(p.complete);
  EXPECT_FALSE(p.estimated);
  EXPECT_EQ(p.curve, known.slice(t0, t0 + hours{13}));
}

TEST(AgilePlanningPrices, EnoughKnownTimeMeansPlanWithinIt) {
  // Known for 5 h of a 19 h window: 37 kWh at 7.4 kW fits; plan within, re-plan later.
  Instant t0 = at("2024-01-10T12:00:00Z");
  PriceCurve known({{t0 - hours{12}, t0 + hours{5}, 20.0}});
  PlanningPrices p = planning_prices(known, nullptr, t0, t0 + hours{19}, 30.0, 7.4);
  EXPECT_FALSE(p.complete);
  EXPECT_FALSE(p.estimated);
  EXPECT_EQ(p.curve.last_end(), t0 + hours{5});
  EXPECT_FALSE(p.note.empty());
}

TEST(AgilePlanningPrices, NeverWaitsForPricesThatMayComeTooLate) {
  // Known for 2 h only, 30 kWh needs 4.1 h: unknown time must be used.
  Instant t0 = at("2024-01-10T12:00:00Z");
  PriceCurve known({{t0, t0 + hours{1}, 15.0}, {t0 + hours{1}, t0 + hours{2}, 25.0}});
  PlanningPrices p = planning_prices(known, nullptr, t0, t0 + hours{19}, 30.0, 7.4);
  EXPECT_TRUE(p.estimated);
  EXPECT_EQ(p.curve.known_duration(t0, t0 + hours{19}), hours{19});
  EXPECT_DOUBLE_EQ(*p.curve.price_at(t0 + hours{10}), 25.0);  // the highest known price
  EXPECT_DOUBLE_EQ(*p.curve.price_at(t0), 15.0);

  PriceCurve flat({{t0 - hours{24}, t0 + hours{48}, 24.5}});
  PlanningPrices f = planning_prices(known, &flat, t0, t0 + hours{19}, 30.0, 7.4);
  EXPECT_TRUE(f.estimated);
  EXPECT_DOUBLE_EQ(*f.curve.price_at(t0 + hours{10}), 24.5);  // from the fallback tariff
  EXPECT_DOUBLE_EQ(*f.curve.price_at(t0 + minutes{90}), 25.0);
}

}  // namespace
