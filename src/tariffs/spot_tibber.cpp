// Tibber's GraphQL API: today's and tomorrow's final prices of the home's subscription.
//
// Request: POST {base}/v1-beta/gql, Authorization: Bearer <token>, JSON body with the query
//   {viewer{home(id:"..."){currentSubscription{priceInfo(resolution:QUARTER_HOURLY){
//     today{total startsAt currency} tomorrow{total startsAt currency}}}}}}
//   (viewer{homes{id ...}} when no home id is configured).
// Answer: data.viewer.home (or .homes[]).currentSubscription.priceInfo.{today,tomorrow}[] with
//   startsAt (local time with offset), total (major units per kWh incl. VAT), currency;
//   `tomorrow` is empty until about 13:00 CET. GraphQL errors come as {"errors":[{message}]}.
// A slot lasts until the next one starts, at most the spacing of the entries (15 min or 1 h).
#include <offpeak/tariffs/spot.hpp>

#include "spot_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>

namespace offpeak::tariffs {

using namespace std::chrono;
namespace json = boost::json;
using detail::member;

namespace {

constexpr std::size_t k_max_entries = 2000;
constexpr double k_max_total = 100.0;  // major units per kWh

std::string price_fields() {
  return "{total startsAt currency}";
}

std::vector<SpotRequest> tibber_requests(const SpotQuery& q, Instant, Instant) {
  const std::string res = q.resolution >= hours{1} ? "HOURLY" : "QUARTER_HOURLY";
  const std::string info = "currentSubscription{priceInfo(resolution:" + res + "){today" +
                           price_fields() + " tomorrow" + price_fields() + "}}";
  std::string query = q.area.empty() ? "{viewer{homes{id " + info + "}}}"
                                     : "{viewer{home(id:\"" + q.area + "\"){id " + info + "}}}";
  json::object body;
  body["query"] = query;
  SpotRequest r;
  r.method = "POST";
  r.url = q.base_url + "/v1-beta/gql";
  r.loggable_url = r.url;
  r.headers.emplace_back("Authorization", "Bearer " + q.token);
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Accept", "application/json");
  r.body = json::serialize(body);
  return {r};
}

struct Entry {
  Instant start;
  double minor;
};

}  // namespace

SpotParse parse_tibber(std::string_view body, const SpotQuery& query) {
  SpotParse out;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    out.error = "the Tibber answer is not JSON: " + ec.message();
    return out;
  }
  if (!doc.is_object()) {
    out.error = "the Tibber answer is not a JSON object";
    return out;
  }
  if (const json::value* errs = member(&doc, "errors");
      errs && errs->is_array() && !errs->get_array().empty()) {
    out.error = "Tibber answered with an error";
    auto msg = detail::string_of(member(&errs->get_array()[0], "message"));
    if (msg) out.error += ": " + std::string(msg->substr(0, 200));
    return out;
  }
  const json::value* viewer = member(member(&doc, "data"), "viewer");
  if (viewer == nullptr || !viewer->is_object()) {
    out.error = "the Tibber answer has no data.viewer";
    return out;
  }
  const json::value* home = member(viewer, "home");
  if (home == nullptr) {
    const json::value* homes = member(viewer, "homes");
    if (homes == nullptr || !homes->is_array()) {
      out.error = "the Tibber answer has neither data.viewer.home nor data.viewer.homes";
      return out;
    }
    std::vector<const json::value*> candidates;
    for (const json::value& h : homes->get_array()) {
      auto id = detail::string_of(member(&h, "id"));
      if (!query.area.empty()) {
        if (id && *id == query.area) candidates.push_back(&h);
      } else if (const json::value* sub = member(&h, "currentSubscription");
                 sub && sub->is_object()) {
        candidates.push_back(&h);
      }
    }
    if (candidates.empty()) {
      out.error = query.area.empty() ? "the Tibber account has no home with a subscription"
                                     : "the Tibber account has no home " + query.area;
      return out;
    }
    if (candidates.size() > 1) {
      out.error = "the Tibber account has " + std::to_string(candidates.size()) +
                  " homes with a subscription; set home_id";
      return out;
    }
    home = candidates.front();
  }
  const json::value* sub = member(home, "currentSubscription");
  if (sub == nullptr || !sub->is_object()) {
    out.error = "the Tibber home has no current subscription";
    return out;
  }
  const json::value* info = member(sub, "priceInfo");
  if (info == nullptr || !info->is_object()) {
    out.error = "the Tibber subscription has no priceInfo";
    return out;
  }
  std::vector<Entry> entries;
  for (std::string_view day : {"today", "tomorrow"}) {
    const json::value* list = member(info, day);
    if (list == nullptr || list->is_null()) continue;
    if (!list->is_array()) {
      out.error = "priceInfo." + std::string(day) + " is not a list";
      return out;
    }
    std::size_t i = 0;
    for (const json::value& e : list->get_array()) {
      const std::string where = "priceInfo." + std::string(day) + "[" + std::to_string(i++) + "]";
      if (entries.size() >= k_max_entries) {
        out.error = "more than " + std::to_string(k_max_entries) + " Tibber prices";
        return out;
      }
      if (!e.is_object()) {
        out.error = where + " is not an object";
        return out;
      }
      auto starts = detail::string_of(member(&e, "startsAt"));
      std::optional<Instant> t = starts ? parse_rfc3339(*starts) : std::nullopt;
      if (!t || !detail::plausible_instant(*t)) {
        out.error =
            where + ".startsAt " + detail::shown(member(&e, "startsAt")) + " is not an instant";
        return out;
      }
      const json::value* total = member(&e, "total");
      if (total == nullptr || total->is_null()) continue;  // unknown stays unknown
      auto v = detail::bounded_number(total, k_max_total);
      if (!v) {
        out.error = where + ".total " + detail::shown(total) + " is not a price";
        return out;
      }
      if (auto c = detail::string_of(member(&e, "currency"))) {
        std::string cur(c->substr(0, 8));
        if (out.currency.empty()) {
          out.currency = cur;
        } else if (out.currency != cur) {
          out.error = "Tibber prices in both " + out.currency + " and " + cur;
          return out;
        }
      }
      entries.push_back(Entry{*t, *v * 100.0});
    }
  }
  if (entries.empty()) {
    out.not_published = true;
    out.note = "Tibber lists no prices";
    return out;
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.start < b.start; });
  // The entries' spacing is the resolution (Tibber may answer hourly when asked for quarter
  // hours); a single entry lasts the requested resolution.
  Seconds res = query.resolution;
  std::optional<Seconds> spacing;
  for (std::size_t i = 1; i < entries.size(); ++i) {
    Seconds d = entries[i].start - entries[i - 1].start;
    if (d > Seconds{0} && (!spacing || d < *spacing)) spacing = d;
  }
  if (spacing && (*spacing == minutes{15} || *spacing == minutes{30} || *spacing == hours{1}))
    res = *spacing;
  std::vector<PriceSlot> slots;
  slots.reserve(entries.size());
  for (const Entry& e : entries)
    slots.push_back(PriceSlot{e.start, e.start + res, e.minor});
  out.slots = normalise_slots(std::move(slots));
  return out;
}

const SpotSource k_tibber_source{"tibber", "Tibber", true, &tibber_requests, &parse_tibber};

}  // namespace offpeak::tariffs
