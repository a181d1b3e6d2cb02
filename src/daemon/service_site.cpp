// The site in the Service: created beside the MQTT bridge (whose connection mqtt meters use);
// its readings go to every loadpoint's surplus loop.

#include "service.hpp"

#include "mqtt_bridge.hpp"

namespace offpeak::daemon {

void Service::setup_site() {
  site_ = std::make_unique<Site>(cfg_.site, io_, clock_, mqtt_.get(), store_, db_pool_);
  site_->subscribe([this](const SiteState& s) {
    on_site(s);  // the surplus loops
  });
  site_->set_load([this] {
    Site::Load l;
    for (const auto& lp : loadpoints_)
      l.car_w += lp->car_power_w();
    if (!loadpoints_.empty()) l.current_a = lp().charge_current_a();
    return l;
  });
}

void Service::on_site(const SiteState& s) {
  for (auto& lp : loadpoints_)
    lp->on_site(s);
}

}  // namespace offpeak::daemon
