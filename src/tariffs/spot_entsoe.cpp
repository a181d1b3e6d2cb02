// ENTSO-E Transparency Platform, day-ahead prices (document type A44), read with expat.
//
// Request: GET {base}/api?securityToken=..&documentType=A44&in_Domain=EIC&out_Domain=EIC
//          &periodStart=yyyyMMddHHmm&periodEnd=yyyyMMddHHmm   (UTC)
// Answer:  Publication_MarketDocument with TimeSeries, each with Periods (timeInterval,
//          resolution PT15M/PT30M/PT60M, Points of position and price.amount in EUR/MWh);
//          Acknowledgement_MarketDocument when there is nothing (yet) for the request.
//
// Rules (spec tariffs-europe.md):
//  - curve type A03: an omitted position repeats the price of the one before it; a missing
//    first position is unknown. A01 (or none): an omitted position is unknown.
//  - several TimeSeries over the same time (classificationSequence positions 1, 2, ...): the
//    series with the lowest classification position wins wherever it has a price (position 1
//    is the SDAC result the Transparency Platform shows as "Sequence 1"); a series without a
//    classification position counts as position 0. The others only fill its gaps.
//  - every number that becomes an index is range-checked; a DOCTYPE is refused (no entities).
#include <offpeak/domain/spot_price.hpp>
#include <offpeak/tariffs/spot.hpp>

#include <expat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

namespace offpeak::tariffs {

using namespace std::chrono;

namespace {

constexpr std::size_t k_max_text = 256;  // longest value of interest
constexpr int k_max_depth = 32;
constexpr long k_max_points_per_period = 40000;  // > a year of quarter-hours
constexpr std::size_t k_max_slots = 200000;
constexpr double k_max_abs_price = 100000.0;  // EUR/MWh; SDAC's limits are -500 and 4000

struct Point {
  long position = 0;
  double price = 0.0;
};

struct Period {
  std::string start, end, resolution;
  std::vector<Point> points;
  std::string point_position, point_price;  // of the Point being read
  bool has_position = false, has_price = false;
};

struct Series {
  std::string currency, unit, curve_type;
  long classification = 0;
  std::vector<Period> periods;
  std::size_t index = 0;  // document order
};

struct State {
  XML_Parser parser = nullptr;
  std::vector<std::string> stack;  // local names
  std::string text;
  std::string root;
  std::string ack_reason;
  std::vector<Series> series;
  std::optional<Series> cur_series;
  std::optional<Period> cur_period;
  std::string error;
};

std::string_view local_name(const XML_Char* name) {
  std::string_view n(name);
  auto colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

void fail(State& st, std::string message) {
  if (st.error.empty()) st.error = std::move(message);
  XML_StopParser(st.parser, XML_FALSE);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<long> parse_int(std::string_view s, long lo, long hi) {
  s = trim(s);
  if (s.empty() || s.size() > 9) return std::nullopt;
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<double> parse_price(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) ||
      std::fabs(v) > k_max_abs_price)
    return std::nullopt;
  return v;
}

std::string shorten(std::string_view s) {
  s = trim(s);
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  return "'" + out + "'";
}

void XMLCALL on_start(void* ud, const XML_Char* name, const XML_Char** /*attrs*/) {
  auto& st = *static_cast<State*>(ud);
  if (!st.error.empty()) return;
  std::string_view n = local_name(name);
  if (st.stack.size() >= static_cast<std::size_t>(k_max_depth)) {
    fail(st, "the document is nested too deeply");
    return;
  }
  if (st.stack.empty()) {
    st.root = std::string(n);
    if (n != "Publication_MarketDocument" && n != "Acknowledgement_MarketDocument") {
      fail(st, "expected a Publication_MarketDocument, got <" + std::string(n.substr(0, 60)) + ">");
      return;
    }
  }
  if (n == "TimeSeries" && st.root == "Publication_MarketDocument") {
    if (st.cur_series) {
      fail(st, "a TimeSeries inside a TimeSeries");
      return;
    }
    st.cur_series.emplace();
    st.cur_series->index = st.series.size();
  } else if (n == "Period" && st.cur_series) {
    if (st.cur_period) {
      fail(st, "a Period inside a Period");
      return;
    }
    st.cur_period.emplace();
  } else if (n == "Point" && st.cur_period) {
    st.cur_period->has_position = st.cur_period->has_price = false;
    st.cur_period->point_position.clear();
    st.cur_period->point_price.clear();
  }
  st.stack.emplace_back(n);
  st.text.clear();
}

void XMLCALL on_text(void* ud, const XML_Char* s, int len) {
  auto& st = *static_cast<State*>(ud);
  if (!st.error.empty() || len <= 0) return;
  st.text.append(s, static_cast<std::size_t>(len));
  if (st.text.size() > k_max_text) {
    if (trim(st.text).empty()) {
      st.text.clear();
    } else {
      fail(st, "a value in <" + (st.stack.empty() ? std::string() : st.stack.back()) +
                   "> is longer than " + std::to_string(k_max_text) + " characters");
    }
  }
}

std::string_view parent_of(const State& st) {
  return st.stack.size() >= 2 ? std::string_view(st.stack[st.stack.size() - 2])
                              : std::string_view();
}

void finish_point(State& st) {
  Period& p = *st.cur_period;
  if (!p.has_position || !p.has_price) {
    fail(st, "a Point without a position or a price.amount");
    return;
  }
  auto pos = parse_int(p.point_position, 1, k_max_points_per_period);
  if (!pos) {
    fail(st, "a Point's position " + shorten(p.point_position) + " is not a whole number in 1.." +
                 std::to_string(k_max_points_per_period));
    return;
  }
  auto price = parse_price(p.point_price);
  if (!price) {
    fail(st,
         "a Point's price.amount " + shorten(p.point_price) + " is not a number within +-100000");
    return;
  }
  p.points.push_back(Point{*pos, *price});
}

void XMLCALL on_end(void* ud, const XML_Char* name) {
  auto& st = *static_cast<State*>(ud);
  if (!st.error.empty()) return;
  std::string_view n = local_name(name);
  std::string_view parent = parent_of(st);
  std::string value(trim(st.text));
  if (st.root == "Acknowledgement_MarketDocument") {
    if (n == "text" && parent == "Reason" && st.ack_reason.empty()) st.ack_reason = value;
  } else if (st.cur_period) {
    Period& p = *st.cur_period;
    if (n == "start" && parent == "timeInterval") {
      p.start = value;
    } else if (n == "end" && parent == "timeInterval") {
      p.end = value;
    } else if (n == "resolution" && parent == "Period") {
      p.resolution = value;
    } else if (n == "position" && parent == "Point") {
      p.point_position = value;
      p.has_position = true;
    } else if (n == "price.amount" && parent == "Point") {
      p.point_price = value;
      p.has_price = true;
    } else if (n == "Point") {
      finish_point(st);
    } else if (n == "Period") {
      st.cur_series->periods.push_back(std::move(*st.cur_period));
      st.cur_period.reset();
    }
  } else if (st.cur_series) {
    Series& s = *st.cur_series;
    if (n == "currency_Unit.name") {
      s.currency = value;
    } else if (n == "price_Measure_Unit.name") {
      s.unit = value;
    } else if (n == "curveType") {
      s.curve_type = value;
    } else if (n == "classificationSequence_AttributeInstanceComponent.position") {
      auto v = parse_int(value, 0, 1000);
      if (!v) {
        fail(st, "the classification position " + shorten(value) + " is not a whole number");
        return;
      }
      s.classification = *v;
    } else if (n == "TimeSeries") {
      st.series.push_back(std::move(s));
      st.cur_series.reset();
    }
  }
  if (!st.stack.empty()) st.stack.pop_back();
  st.text.clear();
}

void XMLCALL on_doctype(void* ud, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  fail(*static_cast<State*>(ud), "a DOCTYPE is not allowed in an ENTSO-E document");
}

std::optional<Seconds> parse_resolution(std::string_view r) {
  if (r == "PT15M") return minutes{15};
  if (r == "PT30M") return minutes{30};
  if (r == "PT60M" || r == "PT1H") return minutes{60};
  return std::nullopt;
}

// One series as slots, or an error.
std::string series_slots(const Series& s, std::vector<PriceSlot>& out) {
  const std::string where = "TimeSeries " + std::to_string(s.index + 1);
  if (!s.unit.empty() && s.unit != "MWH")
    return where + ": prices per " + shorten(s.unit) + ", expected per MWH";
  const bool a03 = s.curve_type == "A03";
  if (!s.curve_type.empty() && s.curve_type != "A01" && !a03)
    return where + ": curve type " + shorten(s.curve_type) + " is not A01 or A03";
  std::size_t pi = 0;
  for (const Period& p : s.periods) {
    ++pi;
    const std::string pwhere = where + ", Period " + std::to_string(pi);
    auto start = parse_spot_time(p.start);
    auto end = parse_spot_time(p.end);
    if (!start || !end) return pwhere + ": the timeInterval is missing or not an instant";
    if (!(*start < *end)) return pwhere + ": the timeInterval ends before it starts";
    auto res = parse_resolution(p.resolution);
    if (!res)
      return pwhere + ": resolution " + shorten(p.resolution) + " is not PT15M, PT30M or PT60M";
    const auto span = *end - *start;
    if (span > hours{24 * 400}) return pwhere + ": the timeInterval is longer than 400 days";
    if (span % *res != Seconds{0})
      return pwhere + ": the timeInterval is not a whole number of " + p.resolution;
    const long n = static_cast<long>(span / *res);
    std::vector<Point> pts = p.points;
    std::stable_sort(pts.begin(), pts.end(),
                     [](const Point& a, const Point& b) { return a.position < b.position; });
    for (std::size_t i = 0; i < pts.size(); ++i) {
      if (pts[i].position > n)
        return pwhere + ": position " + std::to_string(pts[i].position) +
               " is beyond the timeInterval (" + std::to_string(n) + " positions)";
      if (i > 0 && pts[i].position == pts[i - 1].position)
        return pwhere + ": position " + std::to_string(pts[i].position) + " appears twice";
    }
    if (out.size() + static_cast<std::size_t>(n) > k_max_slots)
      return pwhere + ": more than " + std::to_string(k_max_slots) + " prices in one document";
    std::size_t k = 0;
    std::optional<double> previous;
    for (long pos = 1; pos <= n; ++pos) {
      std::optional<double> price;
      if (k < pts.size() && pts[k].position == pos) {
        price = pts[k].price;
        ++k;
      } else if (a03) {
        price = previous;
      }
      previous = price;
      if (!price) continue;
      Instant a = *start + (pos - 1) * *res;
      out.push_back(PriceSlot{a, a + *res, per_mwh_to_minor_per_kwh(*price)});
    }
  }
  return {};
}

}  // namespace

SpotParse parse_entsoe(std::string_view body, const SpotQuery& /*query*/) {
  SpotParse out;
  State st;
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreate(nullptr), &XML_ParserFree);
  if (!parser) {
    out.error = "no memory for the XML parser";
    return out;
  }
  st.parser = parser.get();
  XML_SetUserData(st.parser, &st);
  XML_SetElementHandler(st.parser, on_start, on_end);
  XML_SetCharacterDataHandler(st.parser, on_text);
  XML_SetStartDoctypeDeclHandler(st.parser, on_doctype);
  if (body.size() > 64u * 1024 * 1024) {
    out.error = "the ENTSO-E document is larger than 64 MiB";
    return out;
  }
  XML_Status status = XML_Parse(st.parser, body.data(), static_cast<int>(body.size()), XML_TRUE);
  if (!st.error.empty()) {
    out.error = "ENTSO-E document: " + st.error;
    return out;
  }
  if (status != XML_STATUS_OK) {
    out.error = std::string("the ENTSO-E answer is not XML: ") +
                XML_ErrorString(XML_GetErrorCode(st.parser)) + " at line " +
                std::to_string(XML_GetCurrentLineNumber(st.parser)) + ", column " +
                std::to_string(XML_GetCurrentColumnNumber(st.parser) + 1);
    return out;
  }
  if (st.root == "Acknowledgement_MarketDocument") {
    out.not_published = true;
    out.note = st.ack_reason.empty() ? "no data" : st.ack_reason;
    return out;
  }
  // Lowest classification position first; document order among equals.
  std::stable_sort(st.series.begin(), st.series.end(), [](const Series& a, const Series& b) {
    return a.classification < b.classification;
  });
  std::vector<PriceSlot> all;
  for (const Series& s : st.series) {
    if (!s.currency.empty()) {
      if (out.currency.empty()) {
        out.currency = s.currency;
      } else if (out.currency != s.currency) {
        out.error =
            "ENTSO-E document: prices in both " + out.currency + " and " + shorten(s.currency);
        return out;
      }
    }
    std::string e = series_slots(s, all);
    if (!e.empty()) {
      out.error = "ENTSO-E document: " + e;
      return out;
    }
  }
  // Series in preference order: the first to speak for a time wins (normalise_slots).
  out.slots = normalise_slots(std::move(all));
  if (out.slots.empty()) {
    out.not_published = true;
    out.note = "the document holds no prices";
  }
  return out;
}

namespace {

std::string compact_utc(Instant t) {
  std::string s = format_rfc3339(floor<minutes>(t));  // 2025-10-30T23:00:00Z
  return s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2) + s.substr(11, 2) + s.substr(14, 2);
}

std::vector<SpotRequest> entsoe_requests(const SpotQuery& q, Instant from, Instant to) {
  // Whole UTC hours around [from, to): one request for the whole range.
  Instant a = floor<hours>(from);
  Instant b = ceil<hours>(to);
  std::string rest = "&documentType=A44&in_Domain=" + url_encode(q.area) +
                     "&out_Domain=" + url_encode(q.area) + "&periodStart=" + compact_utc(a) +
                     "&periodEnd=" + compact_utc(b);
  SpotRequest r;
  r.url = q.base_url + "/api?securityToken=" + url_encode(q.token) + rest;
  r.loggable_url = q.base_url + "/api?securityToken=***" + rest;
  r.headers.emplace_back("Accept", "application/xml");
  return {r};
}

}  // namespace

const SpotSource k_entsoe_source{"entsoe", "ENTSO-E", false, &entsoe_requests, &parse_entsoe};

}  // namespace offpeak::tariffs
