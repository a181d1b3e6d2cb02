// The Carbon Intensity API parts: URLs, the parser on a real national fw48h response and on
// hostile input, regional shapes, and the refresh policy.

#include <offpeak/tariffs/carbon.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace offpeak::tariffs {
namespace {

Instant at(const char* s) {
  return *parse_rfc3339(s);
}

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CarbonUrl, FollowsTheApiPaths) {
  const Instant t = at("2023-03-14T12:01:37Z");
  EXPECT_EQ(carbon_url("https://api.carbonintensity.org.uk/", CarbonArea{}, t),
            "https://api.carbonintensity.org.uk/intensity/2023-03-14T12:01Z/fw48h");
  EXPECT_EQ(carbon_url("http://127.0.0.1:9", CarbonArea{13, std::nullopt}, t),
            "http://127.0.0.1:9/regional/intensity/2023-03-14T12:01Z/fw48h/regionid/13");
  EXPECT_EQ(carbon_url("http://h", CarbonArea{std::nullopt, "SW1A"}, t),
            "http://h/regional/intensity/2023-03-14T12:01Z/fw48h/postcode/SW1A");
  EXPECT_EQ((CarbonArea{13, std::nullopt}.key()), "region 13");
  EXPECT_EQ((CarbonArea{std::nullopt, "SW1A"}.key()), "postcode SW1A");
  EXPECT_EQ(CarbonArea{}.key(), "national");
}

TEST(CarbonParse, RealNationalForecast) {
  const CarbonParse p =
      parse_carbon_response(read_data("carbon_national_fw48h_2023-03-14T1201Z.json"));
  ASSERT_TRUE(p.curve) << p.error;
  const auto& slots = p.curve->slots();
  ASSERT_EQ(slots.size(), 96U);
  EXPECT_EQ(p.unknown, 0);
  EXPECT_EQ(slots.front().start, at("2023-03-14T12:00:00Z"));
  EXPECT_EQ(slots.front().end, at("2023-03-14T12:30:00Z"));
  EXPECT_EQ(slots.front().price_p_per_kwh, 93.0);
  EXPECT_EQ(slots[1].price_p_per_kwh, 91.0);
  EXPECT_EQ(slots.back().start, at("2023-03-16T11:30:00Z"));
  EXPECT_EQ(slots.back().price_p_per_kwh, 60.0);
  double lo = 1e9, hi = 0;
  for (const auto& s : slots) {
    EXPECT_EQ(s.end - s.start, Seconds{1800});
    lo = std::min(lo, s.price_p_per_kwh);
    hi = std::max(hi, s.price_p_per_kwh);
  }
  EXPECT_EQ(lo, 60.0);  // the range the source documents
  EXPECT_EQ(hi, 236.0);
  EXPECT_EQ(p.curve->known_until(at("2023-03-14T12:00:00Z")), at("2023-03-16T12:00:00Z"));
}

TEST(CarbonParse, RegionalShapesAndUnknownSlots) {
  // regionid: "data" is an object holding the region and its own "data" list.
  const std::string region =
      R"({"data":{"regionid":13,"dnoregion":"UKPN London","shortname":"London",
    "data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T12:30Z",
             "intensity":{"forecast":120,"index":"moderate"},
             "generationmix":[{"fuel":"gas","perc":30.1}]},
            {"from":"2023-03-14T12:30Z","to":"2023-03-14T13:00Z",
             "intensity":{"forecast":null,"index":"moderate"}},
            {"from":"2023-03-14T13:00Z","to":"2023-03-14T13:30Z",
             "intensity":{"forecast":110,"actual":105,"index":"moderate"}}]}})";
  CarbonParse p = parse_carbon_response(region);
  ASSERT_TRUE(p.curve) << p.error;
  EXPECT_EQ(p.region_name, "London");
  EXPECT_EQ(p.unknown, 1);
  ASSERT_EQ(p.curve->slots().size(), 2U);
  // The null forecast is a gap, never zero.
  EXPECT_FALSE(p.curve->price_at(at("2023-03-14T12:45:00Z")));
  EXPECT_EQ(p.curve->price_at(at("2023-03-14T12:10:00Z")), 120.0);
  EXPECT_EQ(p.curve->price_at(at("2023-03-14T13:10:00Z")), 105.0);  // actual wins
  // postcode: the same object inside a one-element array.
  const std::string postcode = R"({"data":[{"regionid":13,"shortname":"London","postcode":"SW1A",
    "data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T12:30Z","intensity":{"forecast":99}}]}]})";
  p = parse_carbon_response(postcode);
  ASSERT_TRUE(p.curve) << p.error;
  ASSERT_EQ(p.curve->slots().size(), 1U);
  EXPECT_EQ(p.curve->slots()[0].price_p_per_kwh, 99.0);
}

TEST(CarbonParse, HostileInputIsAnErrorNeverACurve) {
  struct Case {
    const char* body;
    const char* says;
  };
  const Case cases[] = {
      {"", "not JSON"},
      {"{\"data\":[", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {"{}", "no 'data'"},
      {R"({"data":42})", "neither a list nor an object"},
      {R"({"data":{"regionid":1}})", "no 'data' list"},
      {R"({"data":[7]})", "entry 0 is not an object"},
      {R"({"data":[{"from":"2023-03-14T12:00Z","intensity":{"forecast":1}}]})",
       "entry 0 has a missing"},
      {R"({"data":[{"from":"yesterday","to":"2023-03-14T12:30Z","intensity":{"forecast":1}}]})",
       "unreadable"},
      {R"({"data":[{"from":"2023-03-14T12:30Z","to":"2023-03-14T12:00Z","intensity":{"forecast":1}}]})",
       "ends ('to') before"},
      {R"({"data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T12:30Z","intensity":{"forecast":"93"}}]})",
       "'forecast' that is not a number"},
      {R"({"data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T12:30Z","intensity":{"forecast":-5}}]})",
       "between 0 and 5000"},
      {R"({"data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T12:30Z","intensity":{"forecast":1e300}}]})",
       "between 0 and 5000"},
      {R"({"data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T12:30Z","intensity":[]}]})",
       "not an object"},
      {R"({"data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T13:00Z","intensity":{"forecast":1}},
                   {"from":"2023-03-14T12:30Z","to":"2023-03-14T13:30Z","intensity":{"forecast":2}}]})",
       "overlap"},
      {R"({"error":{"code":"400 Bad Request","message":"Please enter a valid postcode"}})",
       "valid postcode"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    const CarbonParse p = parse_carbon_response(c.body);
    EXPECT_FALSE(p.curve);
    EXPECT_NE(p.error.find(c.says), std::string::npos) << p.error;
  }
  // Deeply nested and very long garbage: an error, no crash.
  EXPECT_FALSE(parse_carbon_response(std::string(100000, '[')).curve);
  EXPECT_FALSE(parse_carbon_response(std::string(100000, '\xff')).curve);
}

TEST(CarbonRefresh, HalfHourlyWithBackoff) {
  const Instant t = at("2023-03-14T12:00:00Z");
  CarbonRefreshState s;
  EXPECT_EQ(next_carbon_refresh(s, t), t);
  s.last_attempt = s.last_success = t;
  EXPECT_EQ(next_carbon_refresh(s, t), t + Seconds{1800});
  s.consecutive_failures = 1;
  EXPECT_EQ(next_carbon_refresh(s, t), t + Seconds{60});
  s.consecutive_failures = 3;
  EXPECT_EQ(next_carbon_refresh(s, t), t + Seconds{240});
  s.consecutive_failures = 30;
  EXPECT_EQ(next_carbon_refresh(s, t), t + Seconds{1800});
}

}  // namespace
}  // namespace offpeak::tariffs
