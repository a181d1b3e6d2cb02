#pragma once
// The planner with the sun (rule 10 of planner.hpp): make_plan calls this when the request
// carries an expected surplus.

#include <offpeak/domain/planner.hpp>

namespace offpeak::detail {

Plan make_solar_plan(const PlanRequest& request, const PriceCurve& prices, const Zone& zone);

}  // namespace offpeak::detail
