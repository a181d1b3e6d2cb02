#include <offpeak/domain/spot_price.hpp>
#include <offpeak/net/http_client.hpp>
#include <offpeak/tariffs/agile_feed.hpp>
#include <offpeak/tariffs/price_feed.hpp>
#include <offpeak/tariffs/spot.hpp>

#include <spdlog/spdlog.h>

#include <chrono>

namespace offpeak::tariffs {

using namespace std::chrono;

namespace {

class AgileFeed final : public PriceFeed {
 public:
  explicit AgileFeed(config::OctopusAgileTariff t)
      : t_(std::move(t)), london_(Zone::locate("Europe/London").value_or(Zone::utc())) {}
  std::string label() const override { return "Agile"; }
  std::string cache_key() const override { return t_.tariff_code(); }
  std::pair<Instant, Instant> refresh_window(Instant now) const override {
    return {floor<days>(now) - days{1}, floor<days>(now) + days{3}};
  }
  FeedRefresh refresh(store::Store* store, Instant now, Instant from, Instant to) const override {
    AgileRefresh r = refresh_agile(t_, store, now, from, to);
    FeedRefresh out;
    out.known = std::move(r.known);
    out.requests = r.pages + (r.error ? 1 : 0);
    out.fetched = r.fetched;
    out.error = r.error;
    if (!r.error)
      out.note = std::to_string(r.fetched) + " rates in " + std::to_string(r.pages) + " page(s)";
    return out;
  }
  PriceCurve cached(const store::Store& store, Instant from, Instant to) const override {
    return cached_agile(t_, store, from, to);
  }
  Instant next_refresh(Instant now, const RefreshState& state,
                       const PriceCurve& known) const override {
    return tariffs::next_refresh(now, state, known, london_);
  }
  Seconds resolution() const override { return minutes{30}; }

 private:
  config::OctopusAgileTariff t_;
  Zone london_;
};

class SpotFeed final : public PriceFeed {
 public:
  SpotFeed(const SpotSource& source, config::SpotTariff t, std::string currency)
      : source_(source),
        t_(std::move(t)),
        currency_(std::move(currency)),
        cet_(Zone::locate("Europe/Berlin").value_or(Zone::utc())) {}

  std::string label() const override {
    std::string l(source_.label);
    if (!t_.area_label.empty() && t_.type != "tibber") l += " " + t_.area_label;
    return l;
  }
  std::string cache_key() const override { return t_.cache_key(currency_); }
  std::pair<Instant, Instant> refresh_window(Instant now) const override {
    // Today and tomorrow in the market's time zone (CET): what a day-ahead source publishes.
    LocalDate today = cet_.local_date(now);
    return {cet_.start_of_day(today), cet_.start_of_day(LocalDate{sys_days{today} + days{2}})};
  }

  FeedRefresh refresh(store::Store* store, Instant now, Instant from, Instant to) const override {
    FeedRefresh out;
    SpotQuery q;
    q.base_url = t_.base_url;
    q.area = t_.area;
    q.currency = currency_;
    q.resolution = t_.resolution;
    q.token = t_.token.reveal();  // sent, never logged
    std::vector<PriceSlot> all;
    for (const SpotRequest& req : source_.requests(q, from, to)) {
      net::ClientRequest cr;
      cr.method = req.method;
      cr.url = req.url;
      for (const auto& h : req.headers)
        cr.headers.emplace_back(h.first, h.second);
      cr.body = req.body;
      net::ClientOptions opts;
      opts.timeout = seconds{30};
      opts.max_response_bytes = 8 * 1024 * 1024;
      spdlog::debug("{}: {} {}", label(), req.method, req.loggable_url);
      ++out.requests;
      net::HttpResult r = net::fetch_blocking(cr, opts);
      if (!r.ok()) {
        out.error = std::string(net::to_string(r.error.kind)) + ": " + r.error.message;
        break;
      }
      SpotParse p = source_.parse(
          r.response->status == 204 ? std::string_view() : std::string_view(r.response->body), q);
      if (!p.ok()) {
        out.error = p.error;
        break;
      }
      if (!p.currency.empty() && p.currency != currency_) {
        out.error = label() + " prices are in " + p.currency + " but currency is " + currency_ +
                    "; nothing was stored";
        break;
      }
      if (p.not_published) {
        out.note = "not yet published: " + p.note;
        continue;
      }
      out.fetched += p.slots.size();
      all.insert(all.end(), p.slots.begin(), p.slots.end());
    }
    // What was read before a failure is still real: keep it.
    PriceCurve fetched(normalise_slots(std::move(all)));
    PriceCurve raw;
    if (store != nullptr) {
      if (!fetched.empty()) store->upsert_prices(cache_key(), fetched.slots(), now);
      raw = store->load_prices(cache_key(), from, to);
    } else {
      raw = fetched.slice(from, to);
    }
    out.known = final_prices(raw);
    return out;
  }

  PriceCurve cached(const store::Store& store, Instant from, Instant to) const override {
    return final_prices(store.load_prices(cache_key(), from, to));
  }

  Instant next_refresh(Instant now, const RefreshState& state,
                       const PriceCurve& known) const override {
    SpotRefreshState s{state.last_attempt, state.last_success, state.consecutive_failures};
    return spot_next_refresh(now, s, known, cet_);
  }

  Seconds resolution() const override {
    if (t_.type == "tibber") return t_.resolution;
    if (t_.type == "awattar") return hours{1};
    return minutes{15};
  }

 private:
  PriceCurve final_prices(const PriceCurve& raw) const {
    return source_.final_prices ? raw : apply_formula(raw, t_.price);
  }

  const SpotSource& source_;
  config::SpotTariff t_;
  std::string currency_;
  Zone cet_;
};

}  // namespace

std::unique_ptr<PriceFeed> make_price_feed(const config::Config& cfg) {
  if (const auto* a = std::get_if<config::OctopusAgileTariff>(&cfg.tariff.kind))
    return std::make_unique<AgileFeed>(*a);
  if (const auto* s = std::get_if<config::SpotTariff>(&cfg.tariff.kind)) {
    if (const SpotSource* src = find_spot_source(s->type))
      return std::make_unique<SpotFeed>(*src, *s, cfg.money.currency);
  }
  return nullptr;
}

}  // namespace offpeak::tariffs
