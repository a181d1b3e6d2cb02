#include <offpeak/tariffs/agile.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <set>

namespace offpeak::tariffs {
namespace {

using namespace std::chrono;
namespace json = boost::json;

std::optional<double> number(const json::value& v) {
  if (!v.is_number()) return std::nullopt;
  boost::system::error_code ec;
  double d = v.to_number<double>(ec);
  if (ec || !std::isfinite(d)) return std::nullopt;
  return d;
}

bool preferred_method(const AgileRate& r) {
  return !r.payment_method || *r.payment_method == "DIRECT_DEBIT";
}

}  // namespace

std::string rates_url(std::string_view base_url, std::string_view product, char region,
                      Instant period_from, Instant period_to) {
  std::string base(base_url);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  std::string p(product);
  return base + "/v1/products/" + p + "/electricity-tariffs/E-1R-" + p + "-" +
         std::string(1, region) +
         "/standard-unit-rates/?period_from=" + format_rfc3339(period_from) +
         "&period_to=" + format_rfc3339(period_to);
}

PageResult parse_rates_page(std::string_view body) {
  PageResult out;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    out.error = "the Agile response is not JSON: " + ec.message();
    return out;
  }
  const json::object* root = doc.if_object();
  if (root == nullptr) {
    out.error = "the Agile response is not a JSON object";
    return out;
  }
  AgilePage page;
  if (const json::value* c = root->if_contains("count"); c && !c->is_null()) {
    // A whole number 0..2^63-1; beyond int64 or negative is as bad as a string.
    if (!(c->is_int64() && c->as_int64() >= 0)) {
      out.error = "the Agile response has a 'count' that is not a whole number 0.." +
                  std::to_string(INT64_MAX);
      return out;
    }
    page.count = c->as_int64();
  }
  if (const json::value* n = root->if_contains("next"); n && !n->is_null()) {
    if (!n->is_string() || n->as_string().empty()) {
      out.error = "the Agile response has a 'next' that is not a URL";
      return out;
    }
    page.next = std::string(n->as_string());
  }
  const json::value* results = root->if_contains("results");
  if (results == nullptr || !results->is_array()) {
    out.error = "the Agile response has no 'results' array";
    return out;
  }
  std::size_t i = 0;
  for (const json::value& item : results->as_array()) {
    std::string where = "result " + std::to_string(i++) + " of the Agile response";
    const json::object* o = item.if_object();
    if (o == nullptr) {
      out.error = where + " is not an object";
      return out;
    }
    AgileRate r;
    const json::value* from = o->if_contains("valid_from");
    std::optional<Instant> from_t;
    if (from && from->is_string()) from_t = parse_rfc3339(std::string(from->as_string()));
    if (!from_t) {
      out.error = where + " has no valid 'valid_from' instant";
      return out;
    }
    r.valid_from = *from_t;
    if (const json::value* to = o->if_contains("valid_to"); to && !to->is_null()) {
      std::optional<Instant> to_t;
      if (to->is_string()) to_t = parse_rfc3339(std::string(to->as_string()));
      if (!to_t) {
        out.error = where + " has a 'valid_to' that is not an instant";
        return out;
      }
      if (!(*to_t > r.valid_from)) {
        out.error = where + " has 'valid_to' not after 'valid_from'";
        return out;
      }
      r.valid_to = *to_t;
    }
    const json::value* price = o->if_contains("value_inc_vat");
    std::optional<double> p = price ? number(*price) : std::nullopt;
    if (!p) {
      out.error = where + " has no numeric 'value_inc_vat'";
      return out;
    }
    r.value_inc_vat = *p;
    if (const json::value* m = o->if_contains("payment_method"); m && m->is_string())
      r.payment_method = std::string(m->as_string());
    page.results.push_back(std::move(r));
  }
  out.page = std::move(page);
  return out;
}

FetchRatesResult fetch_all_rates(const FetchFunction& fetch, const std::string& first_url,
                                 int max_pages) {
  FetchRatesResult out;
  std::set<std::string> seen;
  std::optional<std::string> url = first_url;
  while (url) {
    if (out.pages >= max_pages) {
      out.error = "stopped after " + std::to_string(max_pages) + " pages of Agile prices";
      return out;
    }
    if (!seen.insert(*url).second) {
      out.error = "the Agile API links back to a page already read (" + *url + ")";
      return out;
    }
    FetchResult got = fetch(*url);
    if (!got.body) {
      out.error = "fetching " + *url + " failed: " + got.error;
      return out;
    }
    PageResult page = parse_rates_page(*got.body);
    if (!page.page) {
      out.error = "reading " + *url + " failed: " + page.error;
      return out;
    }
    ++out.pages;
    for (auto& r : page.page->results)
      out.rates.push_back(std::move(r));
    url = std::move(page.page->next);
  }
  return out;
}

PriceCurve rates_to_curve(std::vector<AgileRate> rates, std::optional<Instant> open_end_limit) {
  bool any_preferred = std::any_of(rates.begin(), rates.end(), preferred_method);
  if (any_preferred) std::erase_if(rates, [](const AgileRate& r) { return !preferred_method(r); });
  std::stable_sort(rates.begin(), rates.end(), [](const AgileRate& a, const AgileRate& b) {
    return a.valid_from < b.valid_from;
  });
  std::vector<PriceSlot> slots;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const AgileRate& r = rates[i];
    std::optional<Instant> end = r.valid_to;
    // The next rate that starts later cuts this one short (the later one wins).
    std::optional<Instant> next_start;
    for (std::size_t j = i + 1; j < rates.size(); ++j) {
      if (rates[j].valid_from > r.valid_from) {
        next_start = rates[j].valid_from;
        break;
      }
    }
    // Same valid_from twice: the later entry in sorted order wins; skip this one.
    if (i + 1 < rates.size() && rates[i + 1].valid_from == r.valid_from) continue;
    if (!end) end = next_start ? next_start : open_end_limit;
    if (!end) continue;
    if (next_start && *next_start < *end) end = next_start;
    if (*end > r.valid_from) slots.push_back({r.valid_from, *end, r.value_inc_vat});
  }
  return PriceCurve(std::move(slots));
}

PriceCurve merge_prices(const PriceCurve& base, const PriceCurve& update) {
  const auto& up = update.slots();
  std::vector<PriceSlot> out;
  for (const PriceSlot& s : base.slots()) {
    // The parts of `s` that no update slot covers.
    auto it = std::upper_bound(up.begin(), up.end(), s.start,
                               [](Instant v, const PriceSlot& x) { return v < x.end; });
    Instant cur = s.start;
    while (cur < s.end) {
      if (it == up.end() || it->start >= s.end) {
        out.push_back({cur, s.end, s.price_p_per_kwh});
        break;
      }
      if (it->start > cur) out.push_back({cur, it->start, s.price_p_per_kwh});
      cur = std::max(cur, it->end);
      ++it;
    }
  }
  out.insert(out.end(), up.begin(), up.end());
  std::sort(out.begin(), out.end(),
            [](const PriceSlot& a, const PriceSlot& b) { return a.start < b.start; });
  return PriceCurve(std::move(out));
}

Instant next_refresh(Instant now, const RefreshState& state, const PriceCurve& known,
                     const Zone& zone) {
  if (!state.last_attempt) return now;
  if (state.consecutive_failures > 0 || !state.last_success) {
    int n = std::max(1, state.consecutive_failures);
    Seconds backoff = std::min<Seconds>(minutes{30}, minutes{1} * (1LL << std::min(n - 1, 5)));
    return *state.last_attempt + backoff;
  }
  Instant last = *state.last_success;
  Instant next = last + hours{1};
  LocalDate day = zone.local_date(now);
  Instant publish = zone.at(day, 16 * 60);
  Instant wanted_end = zone.at(LocalDate{sys_days{day} + days{1}}, 23 * 60);
  bool tomorrow_known = known.last_end() && *known.last_end() >= wanted_end;
  if (!tomorrow_known) {
    if (now >= publish) {
      next = std::min(next, last + minutes{15});
    } else if (publish < next) {
      next = publish;  // be there when the prices come out
    }
  }
  return std::max(next, *state.last_attempt);
}

PlanningPrices planning_prices(const PriceCurve& known, const PriceCurve* fallback, Instant now,
                               Instant ready_by, double energy_needed_kwh, double max_charge_kw) {
  PlanningPrices out;
  PriceCurve window = known.slice(now, ready_by);
  out.curve = window;
  if (!(now < ready_by) || window.known_duration(now, ready_by) == ready_by - now) return out;
  out.complete = false;
  Seconds known_time = window.known_duration(now, ready_by);
  double deliverable = max_charge_kw * static_cast<double>(known_time.count()) / 3600.0;
  Instant known_end = window.last_end().value_or(now);
  if (deliverable >= energy_needed_kwh) {
    out.note = "prices known until " + format_rfc3339(known_end) +
               "; planning within them and re-planning when more are published";
    return out;
  }
  out.estimated = true;
  if (fallback != nullptr) {
    out.curve = window.filled_from(*fallback, now, ready_by);
    out.note =
        "the known prices cannot reach the target by ready-by; using the fallback tariff "
        "for unpublished times";
    return out;
  }
  double highest = 0.0;
  bool any = false;
  for (const auto& s : window.slots()) {
    highest = any ? std::max(highest, s.price_p_per_kwh) : s.price_p_per_kwh;
    any = true;
  }
  PriceCurve placeholder(std::vector<PriceSlot>{{now, ready_by, highest}});
  out.curve = window.filled_from(placeholder, now, ready_by);
  out.note =
      "the known prices cannot reach the target by ready-by and there is no fallback "
      "tariff; unpublished times are planned as if at the highest known price";
  return out;
}

}  // namespace offpeak::tariffs
