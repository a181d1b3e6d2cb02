#pragma once
// The `site:` lines of `offpeak check`: each configured meter and the export price.

#include <offpeak/config/config.hpp>

#include <string>

namespace offpeak::cli {

// "  grid       http http://.../rpc/EM.GetStatus?id=0 (field total_act_power), stale after 60s\n"
// per meter; "" without meters.
std::string describe_site(const config::Config& cfg);

}  // namespace offpeak::cli
