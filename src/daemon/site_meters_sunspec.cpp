#include "site_meters_sunspec.hpp"

#include <modbus/modbus.h>

#include <cerrno>
#include <vector>

namespace offpeak::daemon {

namespace {

modbus_t* ctx_of(void* p) {
  return static_cast<modbus_t*>(p);
}

// Whether errno after a failed read means a Modbus exception (the device answered) rather
// than a lost or timed-out connection.
bool modbus_exception(int err) {
  return err > MODBUS_ENOBASE && err < MODBUS_ENOBASE + 100;
}

}  // namespace

SunspecConnection::SunspecConnection(config::SunspecMeter config) : c_(std::move(config)) {}

SunspecConnection::~SunspecConnection() {
  close();
}

void SunspecConnection::close() {
  if (!ctx_) return;
  modbus_close(ctx_of(ctx_));
  modbus_free(ctx_of(ctx_));
  ctx_ = nullptr;
}

site::SunspecResult SunspecConnection::read(int unit_id, site::SunspecDevice device) {
  site::SunspecResult out;
  const std::string where = c_.host + ":" + std::to_string(c_.port);
  if (!ctx_) {
    const std::string port = std::to_string(c_.port);
    modbus_t* ctx = modbus_new_tcp_pi(c_.host.c_str(), port.c_str());
    if (!ctx) {
      out.error = "cannot set up a Modbus connection to " + where;
      return out;
    }
    const auto ms = c_.timeout.count();
    // libmodbus bounds the TCP connect with the response timeout too.
    modbus_set_response_timeout(ctx, static_cast<std::uint32_t>(ms / 1000),
                                static_cast<std::uint32_t>((ms % 1000) * 1000));
    modbus_set_byte_timeout(ctx, static_cast<std::uint32_t>(ms / 1000),
                            static_cast<std::uint32_t>((ms % 1000) * 1000));
    if (modbus_connect(ctx) != 0) {
      out.error = "cannot connect to Modbus TCP " + where + ": " + modbus_strerror(errno);
      modbus_free(ctx);
      return out;
    }
    ctx_ = ctx;
  }
  if (modbus_set_slave(ctx_of(ctx_), unit_id) != 0) {
    out.error = "bad Modbus unit id " + std::to_string(unit_id);
    return out;
  }
  const auto key = std::make_pair(unit_id, device);
  std::optional<site::SunspecLayout> layout;
  if (auto it = layouts_.find(key); it != layouts_.end()) layout = it->second;
  bool connection_lost = false;
  site::RegisterReader reader =
      [this, &connection_lost](int address, int count,
                               std::string& error) -> std::optional<std::vector<std::uint16_t>> {
    if (connection_lost) {  // no more waiting on a dead connection within this reading
      error = "the connection was lost";
      return std::nullopt;
    }
    std::vector<std::uint16_t> regs(static_cast<std::size_t>(count));
    const int n = modbus_read_registers(ctx_of(ctx_), address, count, regs.data());
    if (n != count) {
      const int err = errno;
      error = std::string("Modbus read of ") + std::to_string(count) + " register(s) at " +
              std::to_string(address) + ": " + modbus_strerror(err);
      if (!modbus_exception(err)) connection_lost = true;
      return std::nullopt;
    }
    return regs;
  };
  out = site::read_sunspec(reader, device, layout);
  if (connection_lost) {
    close();
    layouts_.clear();  // a new connection finds the chains again (the device may have changed)
  } else if (out.layout) {
    layouts_[key] = *out.layout;
  } else {
    layouts_.erase(key);
  }
  if (!out.error.empty() && out.error.find(where) == std::string::npos)
    out.error = where + " unit " + std::to_string(unit_id) + ": " + out.error;
  return out;
}

}  // namespace offpeak::daemon
