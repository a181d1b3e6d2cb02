// aWATTar's public market data (Germany: api.awattar.de, Austria: api.awattar.at): EPEX
// day-ahead prices, hourly. Fair use: at most 100 requests a day.
//
// Request: GET {base}/v1/marketdata?start=<ms>&end=<ms>   (Unix milliseconds)
// Answer:  {"object": "list", "data": [{"start_timestamp": ms, "end_timestamp": ms,
//          "marketprice": 93.5, "unit": "Eur/MWh"}], "url": "/de/v1/marketdata"}
#include <offpeak/tariffs/spot.hpp>

#include "spot_json.hpp"

#include <offpeak/domain/spot_price.hpp>

#include <boost/json/parse.hpp>

#include <chrono>

namespace offpeak::tariffs {

using namespace std::chrono;
namespace json = boost::json;
using detail::member;

namespace {

constexpr std::size_t k_max_entries = 20000;
constexpr double k_max_abs_price = 100000.0;  // EUR/MWh
constexpr std::int64_t k_ms_2000 = 946684800000;
constexpr std::int64_t k_ms_2100 = 4102444800000;

std::vector<SpotRequest> awattar_requests(const SpotQuery& q, Instant from, Instant to) {
  SpotRequest r;
  const auto ms = [](Instant t) {
    return std::to_string(duration_cast<milliseconds>(t.time_since_epoch()).count());
  };
  r.url = q.base_url + "/v1/marketdata?start=" + ms(from) + "&end=" + ms(to);
  r.loggable_url = r.url;
  r.headers.emplace_back("Accept", "application/json");
  return {r};
}

std::optional<Instant> instant_of_ms(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  std::int64_t ms = 0;
  if (v->is_int64()) {
    ms = v->get_int64();
  } else if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(k_ms_2100)) return std::nullopt;
    ms = static_cast<std::int64_t>(v->get_uint64());
  } else {
    return std::nullopt;
  }
  if (ms < k_ms_2000 || ms >= k_ms_2100) return std::nullopt;
  return Instant{duration_cast<Seconds>(milliseconds{ms})};
}

}  // namespace

SpotParse parse_awattar(std::string_view body, const SpotQuery&) {
  SpotParse out;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    out.error = "the aWATTar answer is not JSON: " + ec.message();
    return out;
  }
  const json::value* data = member(&doc, "data");
  if (data == nullptr || !data->is_array()) {
    out.error = "the aWATTar answer has no data list";
    return out;
  }
  if (data->get_array().size() > k_max_entries) {
    out.error = "more than " + std::to_string(k_max_entries) + " aWATTar entries";
    return out;
  }
  out.currency = "EUR";
  std::vector<PriceSlot> slots;
  std::size_t i = 0;
  for (const json::value& e : data->get_array()) {
    const std::string where = "data[" + std::to_string(i++) + "]";
    auto a = instant_of_ms(member(&e, "start_timestamp"));
    auto b = instant_of_ms(member(&e, "end_timestamp"));
    if (!a || !b) {
      out.error = where + ": start_timestamp/end_timestamp are not Unix milliseconds";
      return out;
    }
    if (!(*a < *b) || *b - *a > hours{24}) {
      out.error = where + ": end_timestamp is not after start_timestamp (within a day)";
      return out;
    }
    if (auto unit = detail::string_of(member(&e, "unit"))) {
      if (*unit != "Eur/MWh" && *unit != "EUR/MWh") {
        out.error = where + ": unit " + detail::shown(member(&e, "unit")) + " is not Eur/MWh";
        return out;
      }
    }
    const json::value* mp = member(&e, "marketprice");
    if (mp == nullptr || mp->is_null()) continue;
    auto price = detail::bounded_number(mp, k_max_abs_price);
    if (!price) {
      out.error = where + ".marketprice " + detail::shown(mp) + " is not a price";
      return out;
    }
    slots.push_back(PriceSlot{*a, *b, per_mwh_to_minor_per_kwh(*price)});
  }
  if (slots.empty()) {
    out.not_published = true;
    out.note = "aWATTar lists no prices for the time asked";
    return out;
  }
  out.slots = normalise_slots(std::move(slots));
  return out;
}

const SpotSource k_awattar_source{"awattar", "aWATTar", false, &awattar_requests, &parse_awattar};

}  // namespace offpeak::tariffs
