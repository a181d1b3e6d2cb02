#include "site.hpp"

#include <offpeak/store/meter_samples.hpp>

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::daemon {

namespace {
constexpr Seconds k_meter_sample_every{60};
}  // namespace

Site::Site(const config::SiteConfig& site, boost::asio::io_context& io, const DaemonClock& clock,
           MeterTopics* topics, store::Store& store, boost::asio::thread_pool& db_pool)
    : clock_(clock), store_(store), db_pool_(db_pool), meters_(io, clock, topics), config_(site) {
  meters_.subscribe([this](const SiteState& s) { sample(s); });
}

void Site::configure(const config::SiteConfig& site, const Zone& zone) {
  config_ = site;
  meters_.set_zone(zone);
  meters_.configure(site);
}

void Site::set_load(std::function<Load()> load) {
  load_ = std::move(load);
  meters_.set_car_power([this] { return load_ ? load_().car_w : 0.0; });
}

void Site::stop() {
  meters_.stop();
}

std::optional<double> Site::export_price(Instant) const {
  if (!config_.grid) return std::nullopt;
  return config_.export_price;
}

void Site::sample(const SiteState& s) {
  const Instant now = clock_.now();
  if (now - last_meter_sample_ < k_meter_sample_every) return;
  if (!s.grid_w && !s.pv_w) return;  // nothing fresh to record
  last_meter_sample_ = now;
  store::MeterSampleRow row{now, s.grid_w, s.pv_w};
  if (load_) {
    const Load l = load_();
    row.car_w = l.car_w;
    row.current_a = l.current_a;
  }
  boost::asio::post(db_pool_, [this, row] {
    try {
      store::add_meter_sample(store_, row);
    } catch (const std::exception& e) {
      spdlog::error("database write failed: {}", e.what());
    }
  });
}

}  // namespace offpeak::daemon
