#pragma once
// SHA-256 (FIPS 180-4), private to the store: used to key the token cache without storing
// account details in clear.

#include <string>
#include <string_view>

namespace offpeak::store::detail {

// Lowercase hex SHA-256 digest (64 characters) of `data`. Never fails.
std::string sha256_hex(std::string_view data);

}  // namespace offpeak::store::detail
