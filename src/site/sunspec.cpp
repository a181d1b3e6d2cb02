#include <offpeak/site/sunspec.hpp>

#include <cmath>

namespace offpeak::site {

namespace {

// Offsets in a power model's data block (after id and length), from the SunSpec information
// models: inverters 101-103 (W, W_SF), meters 201-204 (W total, W_SF).
constexpr std::size_t k_inverter_w = 12;
constexpr std::size_t k_inverter_w_sf = 13;
constexpr std::size_t k_meter_w = 16;
constexpr std::size_t k_meter_w_sf = 20;

bool is_inverter_model(std::uint16_t id) {
  return id >= 101 && id <= 103;
}
bool is_meter_model(std::uint16_t id) {
  return id >= 201 && id <= 204;
}

// Registers of the data block needed to read the power.
std::size_t needed(std::uint16_t id) {
  return is_inverter_model(id) ? k_inverter_w_sf + 1 : k_meter_w_sf + 1;
}

std::optional<std::vector<std::uint16_t>> read_exact(const RegisterReader& read, int address,
                                                     int count, std::string& error) {
  if (address < 0 || count < 1 || count > k_modbus_max_registers || address + count > 65536) {
    error = "register range out of bounds";
    return std::nullopt;
  }
  auto r = read(address, count, error);
  if (r && static_cast<int>(r->size()) != count) {
    error = "short register read";
    return std::nullopt;
  }
  return r;
}

}  // namespace

bool is_power_model(SunspecDevice device, std::uint16_t model_id) {
  return device == SunspecDevice::meter ? is_meter_model(model_id) : is_inverter_model(model_id);
}

bool is_sunspec_header(std::span<const std::uint16_t> regs) {
  return regs.size() >= 2 && regs[0] == k_sunspec_id0 && regs[1] == k_sunspec_id1;
}

std::optional<int> scale_factor(std::uint16_t reg) {
  if (reg == k_sunssf_not_implemented) return std::nullopt;
  const int v = static_cast<std::int16_t>(reg);
  if (v < -10 || v > 10) return std::nullopt;
  return v;
}

std::optional<double> model_power_w(std::uint16_t model_id, std::span<const std::uint16_t> data) {
  std::size_t w_at = 0;
  std::size_t sf_at = 0;
  if (is_inverter_model(model_id)) {
    w_at = k_inverter_w;
    sf_at = k_inverter_w_sf;
  } else if (is_meter_model(model_id)) {
    w_at = k_meter_w;
    sf_at = k_meter_w_sf;
  } else {
    return std::nullopt;
  }
  if (data.size() <= sf_at) return std::nullopt;
  if (data[w_at] == k_int16_not_implemented) return std::nullopt;
  auto sf = scale_factor(data[sf_at]);
  if (!sf) return std::nullopt;
  const double w = static_cast<std::int16_t>(data[w_at]) * std::pow(10.0, *sf);
  return w + 0.0;
}

SunspecResult discover(const RegisterReader& read, SunspecDevice device) {
  SunspecResult out;
  std::string last_error;
  for (int base : k_sunspec_bases) {
    std::string error;
    auto header = read_exact(read, base, 2, error);
    if (!header) {
      last_error = error;
      continue;
    }
    if (!is_sunspec_header(*header)) continue;
    SunspecLayout layout;
    layout.base = base;
    int at = base + 2;
    for (int n = 0; n < k_sunspec_max_models; ++n) {
      auto ids = read_exact(read, at, 2, error);
      if (!ids) break;  // some devices refuse reads past the last model instead of 0xFFFF
      const std::uint16_t id = (*ids)[0];
      const std::uint16_t length = (*ids)[1];
      if (id == k_sunspec_end) break;
      SunspecModel m{id, length, at};
      layout.models.push_back(m);
      if (!layout.power_model && is_power_model(device, id)) layout.power_model = m;
      at += 2 + length;
      if (at > 65534) break;
    }
    if (!layout.power_model) {
      out.error =
          std::string("SunSpec header at ") + std::to_string(base) + " but no " +
          (device == SunspecDevice::meter ? "meter model (201-204)" : "inverter model (101-103)") +
          " among " + std::to_string(layout.models.size()) + " models";
      out.layout.reset();
      return out;
    }
    out.layout = std::move(layout);
    return out;
  }
  out.error = last_error.empty() ? std::string("no SunSpec header (SunS) at 40000, 0 or 50000")
                                 : "no SunSpec header found (" + last_error + ")";
  return out;
}

SunspecResult read_power(const RegisterReader& read, const SunspecLayout& layout) {
  SunspecResult out;
  out.layout = layout;
  if (!layout.power_model) {
    out.error = "no power model";
    return out;
  }
  const SunspecModel& m = *layout.power_model;
  const std::size_t count = needed(m.id);
  if (m.length < count) {
    out.error = "model " + std::to_string(m.id) + " is too short (" + std::to_string(m.length) +
                " registers)";
    return out;
  }
  std::string error;
  auto data = read_exact(read, m.address + 2, static_cast<int>(count), error);
  if (!data) {
    out.error = error;
    return out;
  }
  out.watts = model_power_w(m.id, *data);
  if (!out.watts) out.error = "model " + std::to_string(m.id) + ": power not implemented (0x8000)";
  return out;
}

SunspecResult read_sunspec(const RegisterReader& read, SunspecDevice device,
                           const std::optional<SunspecLayout>& layout) {
  if (layout) return read_power(read, *layout);
  SunspecResult d = discover(read, device);
  if (!d.layout) return d;
  return read_power(read, *d.layout);
}

}  // namespace offpeak::site
