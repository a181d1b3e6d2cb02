// Nord Pool's data portal (unofficial, as used by its own web site): day-ahead prices of one
// delivery area in the currency asked for.
//
// Request: GET {base}/api/DayAheadPrices?date=YYYY-MM-DD&market=DayAhead&deliveryArea=SE3
//          &currency=EUR   (one request per delivery day, CET)
// Answer:  {"deliveryDateCET", "currency", "multiAreaEntries": [{"deliveryStart",
//          "deliveryEnd", "entryPerArea": {"SE3": 21.54}}], ...}; prices per MWh; times UTC.
//          204 No Content (or no entries) until the day is published.
#include <offpeak/tariffs/spot.hpp>

#include "spot_json.hpp"

#include <offpeak/domain/spot_price.hpp>

#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdio>

namespace offpeak::tariffs {

using namespace std::chrono;
namespace json = boost::json;
using detail::member;

namespace {

constexpr std::size_t k_max_entries = 20000;
constexpr double k_max_abs_price = 1.0e6;  // per MWh, any currency (SEK, NOK: ~10x EUR)

std::string date_text(LocalDate d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::vector<SpotRequest> nordpool_requests(const SpotQuery& q, Instant from, Instant to) {
  static const Zone cet = Zone::locate("Europe/Berlin").value_or(Zone::utc());
  std::vector<SpotRequest> out;
  LocalDate d = cet.local_date(from);
  const LocalDate last = cet.local_date(to - Seconds{1});
  for (int i = 0; i < 8 && sys_days{d} <= sys_days{last}; ++i) {
    SpotRequest r;
    r.url = q.base_url + "/api/DayAheadPrices?date=" + date_text(d) +
            "&market=DayAhead&deliveryArea=" + url_encode(q.area) +
            "&currency=" + url_encode(q.currency);
    r.loggable_url = r.url;
    r.headers.emplace_back("Accept", "application/json");
    out.push_back(std::move(r));
    d = LocalDate{sys_days{d} + days{1}};
  }
  return out;
}

}  // namespace

SpotParse parse_nordpool(std::string_view body, const SpotQuery& query) {
  SpotParse out;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.not_published = true;  // 204 No Content
    out.note = "Nord Pool has no prices for the day yet";
    return out;
  }
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    out.error = "the Nord Pool answer is not JSON: " + ec.message();
    return out;
  }
  if (!doc.is_object()) {
    out.error = "the Nord Pool answer is not a JSON object";
    return out;
  }
  if (auto c = detail::string_of(member(&doc, "currency")))
    out.currency = std::string(c->substr(0, 8));
  const json::value* entries = member(&doc, "multiAreaEntries");
  if (entries == nullptr || entries->is_null() ||
      (entries->is_array() && entries->get_array().empty())) {
    out.not_published = true;
    out.note = "Nord Pool lists no prices for the day";
    return out;
  }
  if (!entries->is_array()) {
    out.error = "multiAreaEntries is not a list";
    return out;
  }
  if (entries->get_array().size() > k_max_entries) {
    out.error = "more than " + std::to_string(k_max_entries) + " Nord Pool entries";
    return out;
  }
  std::vector<PriceSlot> slots;
  bool area_seen = false;
  std::size_t i = 0;
  for (const json::value& e : entries->get_array()) {
    const std::string where = "multiAreaEntries[" + std::to_string(i++) + "]";
    if (!e.is_object()) {
      out.error = where + " is not an object";
      return out;
    }
    auto s = detail::string_of(member(&e, "deliveryStart"));
    auto en = detail::string_of(member(&e, "deliveryEnd"));
    Instant a{}, b{};
    bool times_ok = false;
    if (s && en) {
      auto pa = parse_rfc3339(*s);
      auto pb = parse_rfc3339(*en);
      if (pa && pb) {
        a = *pa;
        b = *pb;
        times_ok = detail::plausible_instant(a) && detail::plausible_instant(b);
      }
    }
    if (!times_ok) {
      out.error = where + ": deliveryStart/deliveryEnd are not instants";
      return out;
    }
    if (!(a < b) || b - a > hours{24}) {
      out.error = where + ": deliveryEnd is not after deliveryStart (within a day)";
      return out;
    }
    const json::value* per_area = member(&e, "entryPerArea");
    if (per_area == nullptr || !per_area->is_object()) {
      out.error = where + ".entryPerArea is not an object";
      return out;
    }
    const json::value* v = per_area->get_object().if_contains(query.area);
    if (v == nullptr || v->is_null()) continue;
    area_seen = true;
    auto price = detail::bounded_number(v, k_max_abs_price);
    if (!price) {
      out.error =
          where + ".entryPerArea." + query.area + " " + detail::shown(v) + " is not a price";
      return out;
    }
    slots.push_back(PriceSlot{a, b, per_mwh_to_minor_per_kwh(*price)});
  }
  if (!area_seen) {
    out.error = "the Nord Pool answer has no prices for area " + query.area;
    return out;
  }
  out.slots = normalise_slots(std::move(slots));
  return out;
}

const SpotSource k_nordpool_source{"nordpool", "Nord Pool", false, &nordpool_requests,
                                   &parse_nordpool};

}  // namespace offpeak::tariffs
