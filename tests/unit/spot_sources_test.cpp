// The day-ahead spot sources' parsers, request builders, registry and refresh policy, on the
// real answers in tests/data/spot and on hostile input.
#include <offpeak/domain/spot_price.hpp>
#include <offpeak/tariffs/spot.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace offpeak::tariffs {
namespace {

using namespace std::chrono;

std::string read(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/spot/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Instant at(const char* s) {
  return *parse_rfc3339(s);
}

const char* k_entsoe_file = "entsoe_A44_DE-LU_2025-10-31_11-01_PT15M_A03gaps_4timeseries.xml";

// The ENTSO-E Transparency export (Sequence 1, EUR/kWh, local CET/CEST MTU) as
// UTC start -> ct/kWh, for the days given (local dates "31/10/2025").
std::map<Instant, double> transparency_export(const std::vector<std::string>& days) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) +
                   "/spot/DE_LU_2025-10_12_15min_entsoe_EURperkWh.csv");
  const Zone berlin = *Zone::locate("Europe/Berlin");
  std::map<Instant, double> out;
  std::string line;
  std::getline(in, line);
  for (const std::string& day : days) {
    // Rows of one local day, in order: the n-th row starts n quarter-hours after midnight.
    in.clear();
    in.seekg(0);
    std::getline(in, line);
    int d = std::stoi(day.substr(0, 2)), m = std::stoi(day.substr(3, 2)),
        y = std::stoi(day.substr(6, 4));
    Instant midnight = berlin.start_of_day(LocalDate{year{y} / m / d});
    int n = 0;
    while (std::getline(in, line)) {
      if (line.rfind(day, 0) != 0) continue;
      std::vector<std::string> cols;
      std::stringstream ls(line);
      for (std::string c; std::getline(ls, c, ',');)
        cols.push_back(c);
      out[midnight + n * minutes{15}] = std::stod(cols.at(3)) * 100.0;
      ++n;
    }
  }
  return out;
}

// --- ENTSO-E ------------------------------------------------------------------------------

TEST(Entsoe, RealDeLuDocumentGives96Plus96QuarterHoursOfSequenceOne) {
  SpotParse p = parse_entsoe(read(k_entsoe_file), SpotQuery{});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_FALSE(p.not_published);
  EXPECT_EQ(p.currency, "EUR");
  ASSERT_EQ(p.slots.size(), 192u);
  for (std::size_t i = 0; i < p.slots.size(); ++i) {
    EXPECT_EQ(p.slots[i].start, at("2025-10-30T23:00:00Z") + i * minutes{15}) << i;
    EXPECT_EQ(p.slots[i].end - p.slots[i].start, minutes{15}) << i;
  }
  // Hand-checked against the document (EUR/MWh / 10 = ct/kWh):
  EXPECT_DOUBLE_EQ(p.slots[0].price_p_per_kwh, 10.281);     // seq 1 pos 1 (seq 2 says 9.145)
  EXPECT_DOUBLE_EQ(p.slots[95].price_p_per_kwh, 4.237);     // seq 1 day 1 pos 96
  EXPECT_DOUBLE_EQ(p.slots[96].price_p_per_kwh, 6.35);      // seq 1 day 2 pos 1
  EXPECT_DOUBLE_EQ(p.slots[96 + 43].price_p_per_kwh, 1.5);  // day 2 pos 44
  // Day 2 pos 45 is omitted in sequence 1 (A03): it repeats pos 44 (15 EUR/MWh), not
  // sequence 2's 15.06; the Transparency export shows 0.015 EUR/kWh at 11:00 CET.
  EXPECT_DOUBLE_EQ(p.slots[96 + 44].price_p_per_kwh, 1.5);
  EXPECT_DOUBLE_EQ(p.slots[96 + 45].price_p_per_kwh, 1.506);  // pos 46
  EXPECT_DOUBLE_EQ(p.slots[191].price_p_per_kwh, 7.019);      // day 2 pos 96
  // Every quarter-hour agrees with the independent Transparency export (Sequence 1).
  auto expected = transparency_export({"31/10/2025", "01/11/2025"});
  ASSERT_EQ(expected.size(), 192u);
  for (const PriceSlot& s : p.slots) {
    ASSERT_TRUE(expected.count(s.start)) << format_rfc3339(s.start);
    EXPECT_NEAR(s.price_p_per_kwh, expected[s.start], 1e-9) << format_rfc3339(s.start);
  }
}

std::string a44(const std::string& series) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Publication_MarketDocument "
         "xmlns=\"urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3\"><type>A44</type>" +
         series + "</Publication_MarketDocument>";
}

std::string series(const std::string& start, const std::string& end, const std::string& res,
                   const std::string& points, const std::string& curve = "A03",
                   const std::string& extra = "") {
  return "<TimeSeries><currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>MWH"
         "</price_Measure_Unit.name>" +
         extra + "<curveType>" + curve + "</curveType><Period><timeInterval><start>" + start +
         "</start><end>" + end + "</end></timeInterval><resolution>" + res + "</resolution>" +
         points + "</Period></TimeSeries>";
}

std::string pt(int pos, const std::string& price) {
  return "<Point><position>" + std::to_string(pos) + "</position><price.amount>" + price +
         "</price.amount></Point>";
}

TEST(Entsoe, OmittedFirstPositionIsUnknownAndA01GapsStayGaps) {
  // A03 without position 1: the first quarter-hour is unknown, 2 and 3 known, 4 repeats 3.
  auto p = parse_entsoe(
      a44(series("2025-11-01T23:00Z", "2025-11-02T00:00Z", "PT15M", pt(2, "10") + pt(3, "-5.5"))),
      SpotQuery{});
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.slots.size(), 3u);
  EXPECT_EQ(p.slots[0].start, at("2025-11-01T23:15:00Z"));
  EXPECT_DOUBLE_EQ(p.slots[2].price_p_per_kwh, -0.55);  // negative kept, repeated
  auto q = parse_entsoe(a44(series("2025-11-01T23:00Z", "2025-11-02T00:00Z", "PT15M",
                                   pt(1, "10") + pt(3, "30"), "A01")),
                        SpotQuery{});
  ASSERT_TRUE(q.ok()) << q.error;
  ASSERT_EQ(q.slots.size(), 2u);
  EXPECT_EQ(q.slots[1].start, at("2025-11-01T23:30:00Z"));
}

TEST(Entsoe, MixedResolutionsAndSeriesWithoutClassification) {
  // An hourly series and, overlapping its second hour, a 15-minute one with a higher
  // classification position: the hourly one (position 0) wins where it speaks.
  auto p = parse_entsoe(
      a44(series("2025-09-30T22:00Z", "2025-10-01T00:00Z", "PT60M", pt(1, "50") + pt(2, "60")) +
          series("2025-09-30T23:00Z", "2025-10-01T01:00Z", "PT15M", pt(1, "1"), "A03",
                 "<classificationSequence_AttributeInstanceComponent.position>1"
                 "</classificationSequence_AttributeInstanceComponent.position>")),
      SpotQuery{});
  ASSERT_TRUE(p.ok()) << p.error;
  PriceCurve c(p.slots);
  EXPECT_EQ(c.price_at(at("2025-09-30T22:30:00Z")), 5.0);
  EXPECT_EQ(c.price_at(at("2025-09-30T23:45:00Z")), 6.0);
  EXPECT_EQ(c.price_at(at("2025-10-01T00:00:00Z")), 0.1);  // only the 15-min series
  EXPECT_EQ(c.price_at(at("2025-10-01T00:45:00Z")), 0.1);
  EXPECT_EQ(c.known_duration(at("2025-09-30T22:00:00Z"), at("2025-10-01T01:00:00Z")), hours{3});
}

TEST(Entsoe, DstDaysHave92And100QuarterHoursInBerlinAndStockholm) {
  for (const char* zone_name : {"Europe/Berlin", "Europe/Stockholm"}) {
    const Zone z = *Zone::locate(zone_name);
    for (auto [date, n] : {std::pair{LocalDate{year{2025} / 3 / 30}, 92},
                           std::pair{LocalDate{year{2025} / 10 / 26}, 100}}) {
      Instant a = z.start_of_day(date);
      Instant b = z.start_of_day(LocalDate{sys_days{date} + days{1}});
      std::string pts;
      for (int i = 1; i <= n; ++i)
        pts += pt(i, std::to_string(i));
      std::string s = format_rfc3339(a).substr(0, 16) + "Z";
      std::string e = format_rfc3339(b).substr(0, 16) + "Z";
      auto p = parse_entsoe(a44(series(s, e, "PT15M", pts)), SpotQuery{});
      ASSERT_TRUE(p.ok()) << zone_name << p.error;
      ASSERT_EQ(p.slots.size(), static_cast<std::size_t>(n)) << zone_name;
      EXPECT_EQ(p.slots.back().end, b);
      // The local 03:00 slot of the spring day is position 9 (02:00-03:00 does not exist).
      if (n == 92) {
        EXPECT_EQ(p.slots[8].start, z.at(date, 3 * 60));
      } else {
        EXPECT_EQ(z.format_hhmm(p.slots[12].start), "02:00");  // second 02:00 (CET)
        EXPECT_EQ(z.format_hhmm(p.slots[8].start), "02:00");   // first 02:00 (CEST)
      }
    }
  }
}

TEST(Entsoe, AcknowledgementMeansNotYetPublished) {
  auto p = parse_entsoe(
      "<?xml version=\"1.0\"?><Acknowledgement_MarketDocument xmlns=\"urn:iec62325.351:tc57wg16:"
      "451-1:acknowledgementdocument:7:0\"><mRID>x</mRID><Reason><code>999</code><text>No "
      "matching data found for Data item Day-ahead Prices</text></Reason>"
      "</Acknowledgement_MarketDocument>",
      SpotQuery{});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_TRUE(p.not_published);
  EXPECT_TRUE(p.slots.empty());
  EXPECT_NE(p.note.find("No matching data found"), std::string::npos) << p.note;
}

TEST(Entsoe, HostileInputsGiveAnErrorAndNoPrices) {
  const std::string ok_start = "2025-11-01T23:00Z", ok_end = "2025-11-02T00:00Z";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not XML"},
      {"{}", "not XML"},
      {"<a>", "expected a Publication_MarketDocument"},
      {"<Publication_MarketDocument>", "not XML"},
      {"<html><body>502</body></html>", "expected a Publication_MarketDocument"},
      {"<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><Publication_MarketDocument>"
       "&b;</Publication_MarketDocument>",
       "DOCTYPE"},
      {a44(series(ok_start, ok_end, "PT15M", pt(0, "1"))), "position"},
      {a44(series(ok_start, ok_end, "PT15M", pt(5, "1"))), "beyond the timeInterval"},
      {a44(series(ok_start, ok_end, "PT15M",
                  "<Point><position>-1</position><price.amount>1</price.amount></Point>")),
       "position"},
      {a44(series(ok_start, ok_end, "PT15M",
                  "<Point><position>99999999999999999999</position><price.amount>1"
                  "</price.amount></Point>")),
       "position"},
      {a44(series(ok_start, ok_end, "PT15M",
                  "<Point><position>1.5</position><price.amount>1</price.amount></Point>")),
       "position"},
      {a44(series(ok_start, ok_end, "PT15M", pt(1, "1") + pt(1, "2"))), "appears twice"},
      {a44(series(ok_start, ok_end, "PT15M", pt(1, "nan"))), "price.amount"},
      {a44(series(ok_start, ok_end, "PT15M", pt(1, "1e308"))), "price.amount"},
      {a44(series(ok_start, ok_end, "PT15M", pt(1, ""))), "price.amount"},
      {a44(series(ok_start, ok_end, "PT15M", "<Point><position>1</position></Point>")),
       "without a position or a price"},
      {a44(series(ok_start, ok_end, "PT5M", pt(1, "1"))), "resolution"},
      {a44(series(ok_start, ok_end, "", pt(1, "1"))), "resolution"},
      {a44(series(ok_end, ok_start, "PT15M", pt(1, "1"))), "ends before it starts"},
      {a44(series("yesterday", ok_end, "PT15M", pt(1, "1"))), "not an instant"},
      {a44(series(ok_start, "2025-11-02T00:10Z", "PT15M", pt(1, "1"))), "whole number"},
      {a44(series("2000-01-01T00:00Z", "2099-01-01T00:00Z", "PT15M", pt(1, "1"))),
       "longer than 400 days"},
      {a44(series(ok_start, ok_end, "PT15M", pt(1, "1"), "A99")), "curve type"},
      {a44("<TimeSeries><price_Measure_Unit.name>KWH</price_Measure_Unit.name><Period>"
           "<timeInterval><start>2025-11-01T23:00Z</start><end>2025-11-02T00:00Z</end>"
           "</timeInterval><resolution>PT60M</resolution>" +
           pt(1, "1") + "</Period></TimeSeries>"),
       "per MWH"},
      {a44(series(ok_start, ok_end, "PT15M", pt(1, std::string(300, '1')))), "longer than"},
      {a44(std::string(40, '<')), "not XML"},
      {[] {
         std::string s;
         for (int i = 0; i < 40; ++i)
           s += "<x>";
         return a44(s);
       }(),
       "nested too deeply"},
      {a44(series(ok_start, ok_end, "PT15M", pt(1, "1"), "A03",
                  "<classificationSequence_AttributeInstanceComponent.position>x"
                  "</classificationSequence_AttributeInstanceComponent.position>")),
       "classification"},
      {a44(series(ok_start, ok_end, "PT15M", pt(1, "1")) +
           std::string(series(ok_start, ok_end, "PT15M", pt(1, "1")))
               .replace(std::string("<TimeSeries><currency_Unit.name>EUR").size() - 3, 3, "SEK")),
       "both EUR and"},
  };
  ASSERT_GE(cases.size(), 20u);
  for (const auto& [doc, want] : cases) {
    SCOPED_TRACE(doc.substr(0, 300));
    SpotParse p = parse_entsoe(doc, SpotQuery{});
    EXPECT_FALSE(p.ok());
    EXPECT_TRUE(p.slots.empty());
    EXPECT_NE(p.error.find(want), std::string::npos) << p.error;
  }
}

TEST(Entsoe, RequestCarriesTheTokenButItsLoggableUrlDoesNot) {
  SpotQuery q;
  q.base_url = "https://web-api.tp.entsoe.eu";
  q.area = "10Y1001A1001A82H";
  q.token = "s3cr3t&x";
  auto rs = k_entsoe_source.requests(q, at("2025-10-30T23:00:00Z"), at("2025-11-01T23:00:00Z"));
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].url,
            "https://web-api.tp.entsoe.eu/api?securityToken=s3cr3t%26x&documentType=A44&in_Domain="
            "10Y1001A1001A82H&out_Domain=10Y1001A1001A82H&periodStart=202510302300&periodEnd="
            "202511012300");
  EXPECT_EQ(rs[0].loggable_url.find("s3cr3t"), std::string::npos);
}

// --- Tibber -------------------------------------------------------------------------------

TEST(Tibber, RealHourlyAnswerGives48FinalPrices) {
  SpotQuery q;
  SpotParse p = parse_tibber(read("tibber_priceInfo_today_tomorrow_hourly_DE_2025-05-18.json"), q);
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.slots.size(), 48u);
  EXPECT_EQ(p.slots[0].start, at("2025-05-17T22:00:00Z"));  // 00:00+02:00
  EXPECT_EQ(p.slots[0].end, at("2025-05-17T23:00:00Z"));    // hourly although 15 min asked
  EXPECT_DOUBLE_EQ(p.slots[0].price_p_per_kwh, 31.36);      // 0.3136 EUR/kWh
  EXPECT_EQ(p.slots[24].start, at("2025-05-18T22:00:00Z"));
  EXPECT_DOUBLE_EQ(p.slots[24].price_p_per_kwh, 31.8);
  EXPECT_EQ(p.slots[47].end, at("2025-05-19T22:00:00Z"));
  EXPECT_EQ(
      PriceCurve(p.slots).known_duration(at("2025-05-17T22:00:00Z"), at("2025-05-19T22:00:00Z")),
      hours{48});
}

std::string tibber_doc(const std::string& today, const std::string& tomorrow = "[]") {
  return R"({"data":{"viewer":{"home":{"currentSubscription":{"priceInfo":{"today":)" + today +
         R"(,"tomorrow":)" + tomorrow + "}}}}}}";
}

TEST(Tibber, QuarterHoursAcrossTheAutumnChangeGive100Slots) {
  // 26 Oct 2025 in Berlin: 100 quarter-hours, startsAt with +02:00 then +01:00.
  const Zone z = *Zone::locate("Europe/Berlin");
  Instant a = z.start_of_day(LocalDate{year{2025} / 10 / 26});
  std::string list = "[";
  for (int i = 0; i < 100; ++i) {
    Instant t = a + i * minutes{15};
    auto lt = z.to_local(t);
    char buf[64];
    int off = static_cast<int>(lt.utc_offset.count() / 3600);
    std::snprintf(buf, sizeof buf, "2025-10-26T%02d:%02d:00.000+%02d:00", lt.seconds_of_day / 3600,
                  lt.seconds_of_day / 60 % 60, off);
    list += std::string(i ? "," : "") + R"({"startsAt":")" + buf + R"(","total":0.)" +
            std::to_string(10 + i) + R"(,"currency":"EUR"})";
  }
  list += "]";
  SpotParse p = parse_tibber(tibber_doc(list), SpotQuery{});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.currency, "EUR");
  ASSERT_EQ(p.slots.size(), 100u);
  EXPECT_EQ(p.slots.back().end, z.start_of_day(LocalDate{year{2025} / 10 / 27}));
  EXPECT_DOUBLE_EQ(p.slots[99].price_p_per_kwh, 10.9);
}

TEST(Tibber, EmptyTomorrowAndHomesList) {
  auto p = parse_tibber(tibber_doc("[]", "null"), SpotQuery{});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_TRUE(p.not_published);
  SpotQuery q;
  q.area = "b";
  auto two = parse_tibber(
      R"({"data":{"viewer":{"homes":[{"id":"a","currentSubscription":{"priceInfo":{"today":[]}}},
      {"id":"b","currentSubscription":{"priceInfo":{"today":[{"startsAt":"2025-01-01T00:00:00+01:00","total":0.2}]}}}]}}})",
      q);
  ASSERT_TRUE(two.ok()) << two.error;
  ASSERT_EQ(two.slots.size(), 1u);
  EXPECT_EQ(two.slots[0].end - two.slots[0].start, minutes{15});
}

TEST(Tibber, HostileInputsGiveAnErrorAndNoPrices) {
  const std::string e = R"({"startsAt":"2025-01-01T00:00:00+01:00","total":0.2})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not JSON"},
      {"<html>", "not JSON"},
      {"[]", "not a JSON object"},
      {"{}", "no data.viewer"},
      {R"({"data":null})", "no data.viewer"},
      {R"({"errors":[{"message":"invalid token"}],"data":null})", "invalid token"},
      {R"({"errors":[{"message":7}]})", "Tibber answered with an error"},
      {R"({"data":{"viewer":{}}})", "neither"},
      {R"({"data":{"viewer":{"homes":[]}}})", "no home with a subscription"},
      {R"({"data":{"viewer":{"homes":[{"currentSubscription":{}},{"currentSubscription":{}}]}}})",
       "set home_id"},
      {R"({"data":{"viewer":{"home":{"currentSubscription":null}}}})", "no current subscription"},
      {R"({"data":{"viewer":{"home":{"currentSubscription":{}}}}})", "no priceInfo"},
      {tibber_doc("{}"), "not a list"},
      {tibber_doc("[1]"), "not an object"},
      {tibber_doc(R"([{"startsAt":"tomorrow","total":0.2}])"), "startsAt"},
      {tibber_doc(R"([{"startsAt":17,"total":0.2}])"), "startsAt"},
      {tibber_doc(R"([{"total":0.2}])"), "startsAt"},
      {tibber_doc(R"([{"startsAt":"1900-01-01T00:00:00Z","total":0.2}])"), "startsAt"},
      {tibber_doc(R"([{"startsAt":"2025-01-01T00:00:00Z","total":"0.2"}])"), "not a price"},
      {tibber_doc(R"([{"startsAt":"2025-01-01T00:00:00Z","total":1e300}])"), "not a price"},
      {tibber_doc(R"([{"startsAt":"2025-01-01T00:00:00Z","total":true}])"), "not a price"},
      {tibber_doc(
           "[" + e +
           R"(,{"startsAt":"2025-01-01T01:00:00+01:00","total":0.2,"currency":"EUR"},{"startsAt":"2025-01-01T02:00:00+01:00","total":0.2,"currency":"SEK"}])"),
       "both EUR and SEK"},
      {tibber_doc([&] {
         std::string s = "[";
         for (int i = 0; i < 2001; ++i)
           s += (i ? "," : "") + e;
         return s + "]";
       }()),
       "more than 2000"},
      {std::string(100, '[') + std::string(100, ']'), "not JSON"},
  };
  ASSERT_GE(cases.size(), 20u);
  for (const auto& [doc, want] : cases) {
    SCOPED_TRACE(doc.substr(0, 200));
    SpotParse p = parse_tibber(doc, SpotQuery{});
    EXPECT_FALSE(p.ok());
    EXPECT_TRUE(p.slots.empty());
    EXPECT_NE(p.error.find(want), std::string::npos) << p.error;
  }
}

TEST(Tibber, RequestIsAnAuthorisedGraphQlPost) {
  SpotQuery q;
  q.base_url = "https://api.tibber.com";
  q.token = "tok";
  q.area = "96a14971-525a-4420-aae9-e5aedaa129ff";
  auto rs = k_tibber_source.requests(q, Instant{}, Instant{});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].method, "POST");
  EXPECT_EQ(rs[0].url, "https://api.tibber.com/v1-beta/gql");
  EXPECT_NE(rs[0].body.find("priceInfo(resolution:QUARTER_HOURLY)"), std::string::npos);
  EXPECT_NE(rs[0].body.find(R"(home(id:\"96a14971-525a-4420-aae9-e5aedaa129ff\"))"),
            std::string::npos)
      << rs[0].body;
  EXPECT_EQ(rs[0].loggable_url.find("tok"), std::string::npos);
  bool auth = false;
  for (auto& [k, v] : rs[0].headers)
    auth |= k == "Authorization" && v == "Bearer tok";
  EXPECT_TRUE(auth);
}

// --- Nord Pool ----------------------------------------------------------------------------

TEST(NordPool, RealSe3AnswerGives24HourlyPrices) {
  SpotQuery q;
  q.area = "SE3";
  SpotParse p = parse_nordpool(read("nordpool_dayaheadprices_SE3_EUR_2024-11-05_hourly.json"), q);
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.currency, "EUR");
  ASSERT_EQ(p.slots.size(), 24u);
  EXPECT_EQ(p.slots[0].start, at("2024-11-04T23:00:00Z"));
  EXPECT_DOUBLE_EQ(p.slots[0].price_p_per_kwh, 2.154);  // 21.54 EUR/MWh
  EXPECT_DOUBLE_EQ(p.slots[1].price_p_per_kwh, 0.656);
  EXPECT_EQ(p.slots[23].end, at("2024-11-05T23:00:00Z"));
  double mean = 0;
  for (auto& s : p.slots)
    mean += s.price_p_per_kwh / 24;
  EXPECT_NEAR(mean, 7.738, 0.001);  // the answer's own areaAverages: 77.38 EUR/MWh
  q.area = "SE4";
  EXPECT_NE(parse_nordpool(read("nordpool_dayaheadprices_SE3_EUR_2024-11-05_hourly.json"), q)
                .error.find("no prices for area SE4"),
            std::string::npos);
}

TEST(NordPool, RequestsOneDeliveryDayEach) {
  SpotQuery q;
  q.base_url = "https://dataportal-api.nordpoolgroup.com";
  q.area = "SE3";
  q.currency = "SEK";
  auto rs = k_nordpool_source.requests(q, at("2024-11-04T23:00:00Z"), at("2024-11-06T23:00:00Z"));
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].url,
            "https://dataportal-api.nordpoolgroup.com/api/DayAheadPrices?date=2024-11-05&market="
            "DayAhead&deliveryArea=SE3&currency=SEK");
  EXPECT_NE(rs[1].url.find("date=2024-11-06"), std::string::npos);
}

TEST(NordPool, HostileInputsGiveAnErrorAndNoPrices) {
  auto entry = [](const std::string& s, const std::string& e, const std::string& area) {
    return R"({"currency":"EUR","multiAreaEntries":[{"deliveryStart":")" + s +
           R"(","deliveryEnd":")" + e + R"(","entryPerArea":)" + area + "}]}";
  };
  const std::string s = "2024-11-04T23:00:00Z", e = "2024-11-05T00:00:00Z";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"x", "not JSON"},
      {"{", "not JSON"},
      {"[]", "not a JSON object"},
      {"null", "not a JSON object"},
      {R"({"multiAreaEntries":{}})", "not a list"},
      {R"({"multiAreaEntries":7})", "not a list"},
      {R"({"multiAreaEntries":[1]})", "not an object"},
      {R"({"multiAreaEntries":[{}]})", "not instants"},
      {entry("x", e, R"({"SE3":1})"), "not instants"},
      {entry(s, "2024-13-01T00:00:00Z", R"({"SE3":1})"), "not instants"},
      {entry(s, "1970-01-01T00:00:00Z", R"({"SE3":1})"), "not instants"},
      {entry(e, s, R"({"SE3":1})"), "not after"},
      {entry(s, s, R"({"SE3":1})"), "not after"},
      {entry(s, "2024-11-09T00:00:00Z", R"({"SE3":1})"), "not after"},
      {entry(s, e, "[1]"), "entryPerArea is not an object"},
      {entry(s, e, "7"), "entryPerArea is not an object"},
      {entry(s, e, R"({"SE3":"12"})"), "not a price"},
      {entry(s, e, R"({"SE3":1e99})"), "not a price"},
      {entry(s, e, R"({"SE3":{}})"), "not a price"},
      {entry(s, e, R"({"SE4":1})"), "no prices for area SE3"},
      {entry(s, e, R"({"SE3":null})"), "no prices for area SE3"},
      {R"({"multiAreaEntries":[)" +
           [] {
             std::string x;
             for (int i = 0; i < 20001; ++i)
               x += (i ? "," : "") + std::string("{}");
             return x;
           }() +
           "]}",
       "more than 20000"},
  };
  ASSERT_GE(cases.size(), 20u);
  SpotQuery q;
  q.area = "SE3";
  for (const auto& [doc, want] : cases) {
    SCOPED_TRACE(doc.substr(0, 200));
    SpotParse p = parse_nordpool(doc, q);
    EXPECT_FALSE(p.ok());
    EXPECT_TRUE(p.slots.empty());
    EXPECT_NE(p.error.find(want), std::string::npos) << p.error;
  }
  EXPECT_TRUE(parse_nordpool("", q).not_published);  // 204 No Content
  EXPECT_TRUE(parse_nordpool(R"({"multiAreaEntries":[]})", q).not_published);
}

// --- aWATTar ------------------------------------------------------------------------------

TEST(Awattar, DocumentedShapeGivesHourlyPrices) {
  // The documented answer of GET /v1/marketdata (api.awattar.de), two hours of 1 Nov 2025.
  const std::string doc =
      R"({"object":"list","data":[{"start_timestamp":1761951600000,"end_timestamp":1761955200000,)"
      R"("marketprice":93.5,"unit":"Eur/MWh"},{"start_timestamp":1761955200000,)"
      R"("end_timestamp":1761958800000,"marketprice":-3.1,"unit":"Eur/MWh"}],"url":"/de/v1/marketdata"})";
  SpotParse p = parse_awattar(doc, SpotQuery{});
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.slots.size(), 2u);
  EXPECT_EQ(p.slots[0].start, at("2025-10-31T23:00:00Z"));
  EXPECT_EQ(p.slots[0].end, at("2025-11-01T00:00:00Z"));
  EXPECT_DOUBLE_EQ(p.slots[0].price_p_per_kwh, 9.35);
  EXPECT_DOUBLE_EQ(p.slots[1].price_p_per_kwh, -0.31);
  EXPECT_TRUE(parse_awattar(R"({"object":"list","data":[]})", SpotQuery{}).not_published);
  SpotQuery q;
  q.base_url = "https://api.awattar.at";
  auto rs = k_awattar_source.requests(q, at("2025-10-31T23:00:00Z"), at("2025-11-02T23:00:00Z"));
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].url,
            "https://api.awattar.at/v1/marketdata?start=1761951600000&end=1762124400000");
}

TEST(Awattar, HostileInputsGiveAnErrorAndNoPrices) {
  auto one = [](const std::string& s, const std::string& e, const std::string& price,
                const std::string& unit = "\"Eur/MWh\"") {
    return R"({"data":[{"start_timestamp":)" + s + R"(,"end_timestamp":)" + e +
           R"(,"marketprice":)" + price + R"(,"unit":)" + unit + "}]}";
  };
  const std::string s = "1761951600000", e = "1761955200000";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not JSON"},
      {"nope", "not JSON"},
      {"{}", "no data list"},
      {"[]", "no data list"},
      {R"({"data":{}})", "no data list"},
      {R"({"data":[1]})", "Unix milliseconds"},
      {R"({"data":[{}]})", "Unix milliseconds"},
      {one("\"1761951600000\"", e, "1"), "Unix milliseconds"},
      {one("1761951600000.5", e, "1"), "Unix milliseconds"},
      {one("-1", e, "1"), "Unix milliseconds"},
      {one("18446744073709551615", e, "1"), "Unix milliseconds"},
      {one("99999999999999999", e, "1"), "Unix milliseconds"},
      {one(s, "0", "1"), "Unix milliseconds"},
      {one(e, s, "1"), "not after"},
      {one(s, s, "1"), "not after"},
      {one(s, "1762124400000", "1"), "not after"},
      {one(s, e, "\"1\""), "not a price"},
      {one(s, e, "1e6"), "not a price"},
      {one(s, e, "[]"), "not a price"},
      {one(s, e, "1", "\"ct/kWh\""), "unit"},
      {R"({"data":[)" +
           [&] {
             std::string x;
             for (int i = 0; i < 20001; ++i)
               x += (i ? "," : "") + std::string("1");
             return x;
           }() +
           "]}",
       "more than 20000"},
  };
  ASSERT_GE(cases.size(), 20u);
  for (const auto& [doc, want] : cases) {
    SCOPED_TRACE(doc.substr(0, 200));
    SpotParse p = parse_awattar(doc, SpotQuery{});
    EXPECT_FALSE(p.ok());
    EXPECT_TRUE(p.slots.empty());
    EXPECT_NE(p.error.find(want), std::string::npos) << p.error;
  }
}

// --- Registry, formula, refresh -----------------------------------------------------------

TEST(SpotRegistry, EveryTypeIsFoundByName) {
  std::vector<std::string> names;
  for (const SpotSource* s : spot_sources())
    names.emplace_back(s->type);
  EXPECT_EQ(names, (std::vector<std::string>{"tibber", "entsoe", "nordpool", "awattar"}));
  EXPECT_EQ(find_spot_source("entsoe"), &k_entsoe_source);
  EXPECT_TRUE(find_spot_source("tibber")->final_prices);
  EXPECT_FALSE(find_spot_source("awattar")->final_prices);
  EXPECT_EQ(find_spot_source("octopus-agile"), nullptr);
}

struct FormulaCase {
  double spot_eur_mwh, markup, adder, vat, expected_ct;
};

TEST(SpotFormula, TableOfFinalPrices) {
  // final = (spot/10 x (1 + markup/100) + adder) x (1 + vat/100), worked out by hand.
  const FormulaCase cases[] = {
      {100.0, 0, 0, 0, 10.0},          // identity
      {100.0, 0, 18.5, 19, 33.915},    // (10 + 18.5) x 1.19
      {100.0, 10, 0, 0, 11.0},         // markup only
      {-50.0, 10, 0, 0, -5.5},         // markup scales a negative price, keeps its sign
      {-50.0, 0, 2.0, 0, -3.0},        // still negative after the adder
      {-50.0, 0, 2.0, 21, -3.63},      // VAT on a negative price
      {-400.0, 0, 18.5, 19, -25.585},  // (-40 + 18.5) x 1.19
      {0.0, 0, 12.0, 21, 14.52},       // adder and VAT only
      {250.0, 5, 15.0, 25, 51.5625},   // (26.25 + 15) x 1.25
      {83.1, 0, 0, 19, 9.8889},        // 8.31 x 1.19
  };
  for (const FormulaCase& c : cases) {
    SpotFormula f{c.markup, c.adder, c.vat};
    EXPECT_NEAR(f.apply(per_mwh_to_minor_per_kwh(c.spot_eur_mwh)), c.expected_ct, 1e-9)
        << c.spot_eur_mwh << " " << c.markup << " " << c.adder << " " << c.vat;
  }
  PriceCurve spot({PriceSlot{at("2025-01-01T00:00:00Z"), at("2025-01-01T00:15:00Z"), -5.0},
                   PriceSlot{at("2025-01-01T00:30:00Z"), at("2025-01-01T00:45:00Z"), 10.0}});
  PriceCurve fin = apply_formula(spot, SpotFormula{0, 18.5, 19});
  ASSERT_EQ(fin.slots().size(), 2u);  // the gap stays a gap
  EXPECT_NEAR(fin.slots()[0].price_p_per_kwh, 16.065, 1e-9);
  EXPECT_NEAR(fin.slots()[1].price_p_per_kwh, 33.915, 1e-9);
}

TEST(SpotRefresh, OncePerDayAroundPublicationWithBackoff) {
  const Zone cet = *Zone::locate("Europe/Berlin");
  SpotRefreshState st;
  const Instant morning = at("2025-11-03T08:00:00Z");  // 09:00 CET
  EXPECT_EQ(spot_next_refresh(morning, st, PriceCurve{}, cet), morning);
  // Today known, before 13:00: at 13:00 CET.
  PriceCurve today({PriceSlot{at("2025-11-02T23:00:00Z"), at("2025-11-03T23:00:00Z"), 1.0}});
  st.last_attempt = st.last_success = morning;
  EXPECT_EQ(spot_next_refresh(morning, st, today, cet), at("2025-11-03T12:00:00Z"));
  // After 13:00 with tomorrow missing: every 15 minutes, hourly from 16:00.
  const Instant t1305 = at("2025-11-03T12:05:00Z");
  st.last_attempt = st.last_success = t1305;
  EXPECT_EQ(spot_next_refresh(t1305, st, today, cet), at("2025-11-03T12:20:00Z"));
  const Instant t1700 = at("2025-11-03T16:00:00Z");
  st.last_attempt = st.last_success = t1700;
  EXPECT_EQ(spot_next_refresh(t1700, st, today, cet), at("2025-11-03T17:00:00Z"));
  // Tomorrow known: tomorrow at 13:00.
  PriceCurve both({PriceSlot{at("2025-11-02T23:00:00Z"), at("2025-11-04T23:00:00Z"), 1.0}});
  EXPECT_EQ(spot_next_refresh(t1700, st, both, cet), at("2025-11-04T12:00:00Z"));
  // Failures: 2, 4, 8 ... minutes, at most an hour.
  st.consecutive_failures = 1;
  EXPECT_EQ(spot_next_refresh(t1700, st, both, cet), t1700 + minutes{2});
  st.consecutive_failures = 3;
  EXPECT_EQ(spot_next_refresh(t1700, st, both, cet), t1700 + minutes{8});
  st.consecutive_failures = 12;
  EXPECT_EQ(spot_next_refresh(t1700, st, both, cet), t1700 + hours{1});
  // Requests in a normal day (published 13:10 CET): simulate a day from midnight.
  SpotRefreshState sim;
  PriceCurve known = today;
  int requests = 0;
  Instant now = at("2025-11-02T23:00:00Z");
  const Instant end = at("2025-11-03T23:00:00Z");
  while (now < end) {
    Instant due = spot_next_refresh(now, sim, known, cet);
    if (due >= end) break;
    now = std::max(now, due);
    ++requests;
    sim.last_attempt = sim.last_success = now;
    if (now >= at("2025-11-03T12:10:00Z")) known = both;
  }
  EXPECT_EQ(requests, 3);  // at start, 13:00 (not yet), 13:15 (published)
}

}  // namespace
}  // namespace offpeak::tariffs
