#pragma once
// One Modbus TCP address with libmodbus: blocking calls, for a worker thread only (SiteMeters
// runs them on its own single-thread pool, never on the event loop). One connection per
// address is kept and shared by every meter there (a grid meter and an inverter behind one
// gateway; devices refuse or drop a second client); a failure closes it and the next reading
// connects again. Connect and every response are bounded by the timeout.

#include <offpeak/config/site_config.hpp>
#include <offpeak/site/sunspec.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace offpeak::daemon {

class SunspecConnection {
 public:
  // `config` gives the address and the timeout; the unit and device come with each read.
  explicit SunspecConnection(config::SunspecMeter config);
  ~SunspecConnection();
  SunspecConnection(const SunspecConnection&) = delete;
  SunspecConnection& operator=(const SunspecConnection&) = delete;

  // One reading: connects if needed, discovers the model chain once, reads the power (watts as
  // the device reports them, before the meter's sign). Blocking; a worker thread only.
  site::SunspecResult read(int unit_id, site::SunspecDevice device);

 private:
  void close();
  config::SunspecMeter c_;
  void* ctx_ = nullptr;  // modbus_t*, kept out of this header
  std::map<std::pair<int, site::SunspecDevice>, site::SunspecLayout> layouts_;
};

}  // namespace offpeak::daemon
