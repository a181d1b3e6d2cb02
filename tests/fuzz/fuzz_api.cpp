// libFuzzer target for what clients send the local API: the JSON bodies of POST /api/v1/mode
// and PUT /api/v1/charging, and the query strings of the history, sessions, commands, prices
// and savings routes. Byte 0 picks which, the rest is the body or query. Nothing may crash,
// throw, leak or execute undefined behaviour; what is accepted is within its documented range.
#include <offpeak/api/requests.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  if (size < 1) return 0;
  static const Zone zone = Zone::locate("Europe/London").value_or(Zone::utc());
  const Instant now = *parse_rfc3339("2026-03-28T22:00:00Z");
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 4: {
      const api::SocRequest t = api::parse_soc_request(text);
      if (t.error.empty() && !(t.soc_percent >= 0 && t.soc_percent <= 100)) std::abort();
      break;
    }
    case 0: {
      const api::ModeRequest m = api::parse_mode_request(text, now);
      if (m.error.empty() && m.until && (m.mode != Mode::now || *m.until <= now)) std::abort();
      break;
    }
    case 1: {
      const api::ChargingRequest c = api::parse_charging_request(text, now, zone);
      if (c.error.empty()) {
        const auto& o = c.override_deadline;
        if (!o.target_soc && !o.ready_by) std::abort();
        if (o.target_soc && !(*o.target_soc >= 1 && *o.target_soc <= 100)) std::abort();
        if (o.ready_by && *o.ready_by <= now) std::abort();
      }
      break;
    }
    case 2: {
      const api::RangeResult r =
          api::parse_range_query(text, now - std::chrono::hours{24}, now, 500);
      if (r.error.empty() &&
          (r.range.limit < 1 || r.range.limit > 10000 || !(r.range.from < r.range.to))) {
        std::abort();
      }
      break;
    }
    default: {
      if (const auto m = api::query_param(text, "months")) {
        if (const auto n = api::parse_bounded_int(*m, 1, 60); n && (*n < 1 || *n > 60)) {
          std::abort();
        }
      }
      break;
    }
  }
  return 0;
}
