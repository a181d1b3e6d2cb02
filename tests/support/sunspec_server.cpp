// A Modbus TCP server on loopback holding a SunSpec device's registers, for the end-to-end
// tests of `site: ... type: sunspec`: libmodbus's own server side (modbus_tcp_listen,
// modbus_receive, modbus_reply) answering from the image of sunspec_image.hpp (common model 1,
// inverter 103 at 3 kW, meter 203 at -1234 W, scale factors -1). Reads outside the image get
// libmodbus's "illegal data address" exception, as on a real device.
//
//   offpeak-test-sunspec-server PORT [--meter-w-not-implemented] [--base N]
// Prints "listening on 127.0.0.1:PORT" once it accepts connections; serves one client at a
// time until killed.

#include "sunspec_image.hpp"

#include <modbus/modbus.h>

#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [--meter-w-not-implemented] [--base N]\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  bool meter_w_missing = false;
  int base = 40000;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--meter-w-not-implemented") == 0) meter_w_missing = true;
    if (std::strcmp(argv[i], "--base") == 0 && i + 1 < argc) base = std::atoi(argv[++i]);
  }
  offpeak::testing::SunspecImage img = offpeak::testing::sunspec_image(base);
  if (meter_w_missing) img.meter_power(static_cast<std::int16_t>(0x8000), -1);
  const int first = img.regs.begin()->first;
  const int count = img.regs.rbegin()->first - first + 1;
  modbus_mapping_t* map = modbus_mapping_new_start_address(0, 0, 0, 0, first, count, 0, 0);
  if (!map) {
    std::fprintf(stderr, "modbus_mapping_new_start_address: %s\n", modbus_strerror(errno));
    return 1;
  }
  for (const auto& [address, value] : img.regs)
    map->tab_registers[address - first] = value;

  modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
  const int listener = modbus_tcp_listen(ctx, 1);
  if (listener < 0) {
    std::fprintf(stderr, "modbus_tcp_listen: %s\n", modbus_strerror(errno));
    return 1;
  }
  std::printf("listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  int listen_fd = listener;
  for (;;) {
    if (modbus_tcp_accept(ctx, &listen_fd) < 0) continue;
    std::uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    for (;;) {
      const int n = modbus_receive(ctx, query);
      if (n > 0) {
        modbus_reply(ctx, query, n, map);
      } else if (n == -1) {
        break;  // the client went away: wait for the next one
      }
    }
    close(modbus_get_socket(ctx));
  }
}
