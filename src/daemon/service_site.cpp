// The home's meters in the Service: created beside the MQTT bridge (whose connection mqtt
// meters use), and their readings sampled into the database at most once a minute.

#include "service.hpp"

#include "mqtt_bridge.hpp"

#include <offpeak/store/meter_samples.hpp>

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::daemon {

namespace {
constexpr Seconds k_meter_sample_every{60};
}  // namespace

void Service::setup_site() {
  site_ = std::make_unique<SiteMeters>(io_, clock_, mqtt_.get());
  site_->subscribe([this](const SiteState& s) {
    on_site(s);  // the surplus loop
    const Instant now = clock_.now();
    if (now - last_meter_sample_ < k_meter_sample_every) return;
    if (!s.grid_w && !s.pv_w) return;  // nothing fresh to record
    last_meter_sample_ = now;
    const store::MeterSampleRow row{now, s.grid_w, s.pv_w};
    boost::asio::post(db_pool_, [this, row] {
      try {
        store::add_meter_sample(store_, row);
      } catch (const std::exception& e) {
        spdlog::error("database write failed: {}", e.what());
      }
    });
  });
}

}  // namespace offpeak::daemon
