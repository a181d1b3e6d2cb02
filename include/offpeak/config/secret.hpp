#pragma once
// A secret (password, token) as the configuration holds it.

#include <string>
#include <utility>

namespace offpeak::config {

// A secret value (password, token). It cannot be streamed or formatted by accident: read it
// with reveal() at the one place it is sent.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

}  // namespace offpeak::config
