#include "site_meters.hpp"

#include "site_meters_sunspec.hpp"

#include <offpeak/net/http_client.hpp>
#include <offpeak/site/meter_payload.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

// Between two staleness checks while a meter is configured (real time).
constexpr milliseconds k_stale_check{1000};
// Polls never come closer than this in real time, whatever the virtual clock's speed.
constexpr milliseconds k_min_real_poll{1000};
// The simulated house is read in-process: a day at high speed still gets its steps.
constexpr milliseconds k_min_real_simulated{50};

std::string watts_text(double w) {
  if (std::abs(w) >= 1000) return fmt::format("{:.2f} kW", w / 1000);
  return fmt::format("{:.0f} W", w);
}

}  // namespace

struct SiteMeters::Meter {
  Meter(asio::io_context& io, std::string r, config::MeterConfig c)
      : role(std::move(r)), config(std::move(c)), timer(io) {}
  std::string role;
  config::MeterConfig config;
  std::optional<MeterReading> latest;
  Instant since{};  // configured at: a meter that never reports turns stale max_age later
  bool stale = true;
  bool reported_stale = false;  // "stale" was logged (a recovery is then logged too)
  std::int64_t readings = 0;
  std::int64_t faults = 0;
  std::string last_error;
  std::set<std::string> logged_faults;  // each kind of fault is logged once
  asio::steady_timer timer;
  bool stopped = false;
  std::shared_ptr<SunspecConnection> modbus;  // sunspec only
};

SiteMeters::SiteMeters(asio::io_context& io, const DaemonClock& clock, MeterTopics* topics)
    : io_(io), clock_(clock), topics_(topics), stale_timer_(io) {}

SiteMeters::~SiteMeters() {
  stop();
  modbus_pool_.join();
}

void SiteMeters::subscribe(Listener listener) {
  listeners_.push_back(std::move(listener));
}

bool SiteMeters::has_grid() const {
  return grid_ != nullptr;
}

SiteState SiteMeters::state() const {
  const Instant now = clock_.now();
  return site_state(grid_ ? grid_->latest : std::nullopt,
                    grid_ ? grid_->config.max_age : Seconds{0}, pv_ ? pv_->latest : std::nullopt,
                    pv_ ? pv_->config.max_age : Seconds{0}, now);
}

std::optional<api::SiteStatus> SiteMeters::status() const {
  if (!grid_ && !pv_) return std::nullopt;
  api::SiteStatus out;
  out.state = state();
  const Instant now = clock_.now();
  for (const auto& m : {grid_, pv_}) {
    if (!m) continue;
    api::MeterStatus s;
    s.role = m->role;
    s.type = config::meter_type_name(m->config);
    s.source = site::meter_source(m->config);
    if (m->latest) {
      s.read_at = m->latest->at;
      s.stale = reading_stale(m->latest->at, m->config.max_age, now);
      if (!s.stale) s.watts = m->latest->watts;
    }
    s.readings = m->readings;
    s.faults = m->faults;
    s.last_error = m->last_error;
    out.meters.push_back(std::move(s));
  }
  return out;
}

void SiteMeters::stop() {
  stopped_ = true;
  stale_timer_.cancel();
  for (auto* m : {&grid_, &pv_}) {
    if (!*m) continue;
    (*m)->stopped = true;
    (*m)->timer.cancel();
    if (topics_ && std::holds_alternative<config::MqttMeter>((*m)->config.kind))
      topics_->unlisten(std::get<config::MqttMeter>((*m)->config.kind).topic);
  }
}

void SiteMeters::configure(const config::SiteConfig& site) {
  stopped_ = false;
  auto adopt = [&](std::shared_ptr<Meter>& slot, const std::optional<config::MeterConfig>& want,
                   const char* role) {
    if (slot && want && slot->config == *want) return;  // unchanged: keeps running
    if (slot) {
      slot->stopped = true;
      slot->timer.cancel();
      if (topics_ && std::holds_alternative<config::MqttMeter>(slot->config.kind))
        topics_->unlisten(std::get<config::MqttMeter>(slot->config.kind).topic);
      slot.reset();
    }
    if (!want) return;
    auto m = std::make_shared<Meter>(io_, role, *want);
    m->since = clock_.now();
    slot = m;
    spdlog::info("{} meter: {} {}", role, config::meter_type_name(*want),
                 site::meter_source(*want));
    if (const auto* mq = std::get_if<config::MqttMeter>(&want->kind)) {
      if (!topics_) {
        spdlog::error("{} meter: type mqtt needs the mqtt: connection", role);
        return;
      }
      std::weak_ptr<Meter> weak = m;
      topics_->listen(mq->topic, [this, weak](const std::string& payload) {
        auto meter = weak.lock();
        if (!meter || meter->stopped) return;
        auto r = site::parse_power(payload, site::PayloadFormat::of(meter->config));
        reading(*meter, r.watts, r.watts ? std::string() : std::string(site::to_string(r.fault)));
      });
    } else {
      asio::co_spawn(io_, poll_loop(m), asio::detached);
    }
  };
  adopt(grid_, site.grid, "grid");
  adopt(pv_, site.pv, "pv");
  std::erase_if(modbus_links_, [](const auto& kv) { return kv.second.use_count() == 1; });
  if ((grid_ || pv_) && !stale_loop_running_) {
    stale_loop_running_ = true;
    asio::co_spawn(io_, stale_loop(), asio::detached);
  }
  notify();
}

asio::awaitable<void> SiteMeters::poll_loop(std::shared_ptr<Meter> m) {
  Seconds interval{10};
  if (const auto* h = std::get_if<config::HttpMeter>(&m->config.kind)) interval = h->interval;
  const auto* house = std::get_if<config::SimulatorMeter>(&m->config.kind);
  if (house) interval = house->interval;
  int unit_id = 1;
  site::SunspecDevice device = site::SunspecDevice::meter;
  if (const auto* s = std::get_if<config::SunspecMeter>(&m->config.kind)) {
    interval = s->interval;
    unit_id = s->unit_id;
    if (s->device == config::SunspecMeter::Device::inverter) device = site::SunspecDevice::inverter;
    auto& link = modbus_links_[s->host + ":" + std::to_string(s->port)];
    if (!link) link = std::make_shared<SunspecConnection>(*s);
    m->modbus = link;
  }
  while (!m->stopped) {
    const auto real_start = steady_clock::now();
    const Instant next = clock_.now() + interval;
    std::optional<double> watts;
    std::string fault;
    if (house) {
      watts = simulated(*m, true);
    } else if (const auto* h = std::get_if<config::HttpMeter>(&m->config.kind)) {
      net::ClientRequest req;
      req.url = h->url;
      req.headers.emplace_back("Accept", "application/json, text/plain");
      net::ClientOptions opts;
      opts.timeout = h->timeout;
      opts.max_response_bytes = site::k_max_payload_bytes;
      net::HttpResult r = co_await net::async_fetch(std::move(req), opts);
      if (m->stopped) co_return;
      if (r.ok()) {
        auto p = site::parse_power(r.response->body, site::PayloadFormat::of(m->config));
        watts = p.watts;
        if (!p.watts) fault = std::string(site::to_string(p.fault));
      } else {
        fault = std::string(net::to_string(r.error.kind)) +
                (r.error.kind == net::HttpErrorKind::http_status
                     ? " " + std::to_string(r.error.status)
                     : ": " + r.error.message);  // the client's words: host and port, no query
      }
    } else {
      SunspecConnection* conn = m->modbus.get();
      std::shared_ptr<SunspecConnection> keep = m->modbus;  // outlives the worker's call
      site::SunspecResult r = co_await offload<site::SunspecResult>(
          modbus_pool_, [conn, unit_id, device] { return conn->read(unit_id, device); });
      if (m->stopped) co_return;
      if (r.watts) {
        watts = site::to_watts(*r.watts, config::PowerUnit::w, m->config.sign);
      } else {
        fault = r.error;
      }
    }
    reading(*m, watts, fault);
    // The next poll: at the interval on the daemon's clock, never sooner than a second.
    auto wait = clock_.real_until(next);
    auto earliest =
        real_start + (house ? k_min_real_simulated : k_min_real_poll) - steady_clock::now();
    m->timer.expires_after(std::max<steady_clock::duration>(wait, earliest));
    auto [ec] = co_await m->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
}

double SiteMeters::simulated(Meter& m, bool both) {
  const auto& house = std::get<config::SimulatorMeter>(m.config.kind);
  // The local time of day on the daemon's clock, in the configured zone.
  const Instant now = clock_.now();
  const int sec = static_cast<int>((now - zone_.start_of_day(zone_.local_date(now))).count());
  const double pv = house.trace.pv_w(sec) * house.scale;
  const double w = m.role == "grid" ? house.trace.load_w(sec) + (car_w_ ? car_w_() : 0.0) - pv : pv;
  // The house's other meter reads the same instant, so that a listener never sees a grid power
  // from another moment (another charging power) than the PV power beside it.
  Meter* other = &m == grid_.get() ? pv_.get() : grid_.get();
  if (both && other && !other->stopped &&
      std::holds_alternative<config::SimulatorMeter>(other->config.kind)) {
    ++other->readings;
    other->latest = MeterReading{simulated(*other, false), now};
    other->stale = false;
    other->reported_stale = false;
  }
  return w;
}

void SiteMeters::reading(Meter& m, std::optional<double> watts, const std::string& fault) {
  if (stopped_) return;
  if (!watts) {
    ++m.faults;
    m.last_error = fault;
    if (m.logged_faults.insert(fault).second)
      spdlog::warn("{} meter: no reading: {} (ignored; logged once)", m.role, fault);
    else
      spdlog::debug("{} meter: no reading: {}", m.role, fault);
    return;
  }
  ++m.readings;
  m.latest = MeterReading{*watts, clock_.now()};
  if (m.reported_stale) {
    spdlog::info("{} meter reports again: {}", m.role, watts_text(*watts));
    m.reported_stale = false;
  }
  m.stale = false;
  notify();
}

void SiteMeters::check_stale() {
  const Instant now = clock_.now();
  bool changed = false;
  for (auto* mp : {&grid_, &pv_}) {
    Meter* m = mp->get();
    if (!m) continue;
    const Instant since = m->latest ? m->latest->at : m->since;
    const bool stale = reading_stale(since, m->config.max_age, now);
    if (stale && !m->reported_stale) {
      const auto age = (now - since).count();
      const char* what = m->latest ? "stale" : "silent since start";
      if (m->role == "grid")
        spdlog::warn("grid meter {} for {} s: no surplus assumed", what, age);
      else
        spdlog::warn("pv meter {} for {} s: PV power unknown", what, age);
      m->reported_stale = true;
      changed = changed || !m->stale;
    }
    m->stale = stale || !m->latest;
  }
  if (changed) notify();
}

asio::awaitable<void> SiteMeters::stale_loop() {
  while (!stopped_ && (grid_ || pv_)) {
    stale_timer_.expires_after(k_stale_check);
    auto [ec] = co_await stale_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
    if (stopped_) break;
    check_stale();
  }
  stale_loop_running_ = false;
}

void SiteMeters::notify() {
  const SiteState s = state();
  for (const auto& l : listeners_)
    l(s);
}

}  // namespace offpeak::daemon
