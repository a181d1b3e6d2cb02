#include "spot_json.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>

namespace offpeak::tariffs::detail {

std::string shown(const boost::json::value* v) {
  if (v == nullptr) return "nothing";
  std::string s = boost::json::serialize(*v);
  if (s.size() > 40) s = s.substr(0, 40) + "...";
  return s;
}

bool plausible_instant(Instant t) {
  using namespace std::chrono;
  return t >= sys_days{year{2000} / 1 / 1} && t < sys_days{year{2100} / 1 / 1};
}

}  // namespace offpeak::tariffs::detail
