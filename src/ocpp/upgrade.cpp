#include <offpeak/ocpp/upgrade.hpp>

#include <cstdint>

namespace offpeak::ocpp {
namespace {

// Standard base64 up to the first '='; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view in) {
  static constexpr std::string_view k_chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t val = 0;  // only the low 14 bits matter: masked, never overflows
  int bits = -8;
  for (char c : in) {
    if (c == '=') break;
    const auto pos = k_chars.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    val = ((val << 6) | static_cast<std::uint32_t>(pos)) & 0x3FFFu;
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFFu));
      bits -= 8;
    }
  }
  return out;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string charge_point_id_of(std::string_view path) {
  if (path.substr(0, k_path_prefix.size()) != k_path_prefix) return {};
  const std::string_view s = path.substr(k_path_prefix.size());
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<BasicCredentials> parse_basic_auth(std::string_view header) {
  if (header.size() <= 6 || header.substr(0, 6) != "Basic ") return std::nullopt;
  const auto decoded = base64_decode(header.substr(6));
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool offers_ocpp16(std::string_view list) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const auto comma = list.find(',', pos);
    const std::string_view item =
        list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    if (b != std::string_view::npos && item.substr(b, e - b + 1) == "ocpp1.6") return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

}  // namespace offpeak::ocpp
