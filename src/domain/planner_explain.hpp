#pragma once
// The planner's explanation in plain words (planner_explain.cpp): what is needed, when it is
// charged at what price, the carbon estimate and why the target is missed.

#include <offpeak/domain/planner.hpp>

#include <string>

namespace offpeak::planner_detail {

// The plan's explanation; `fell_back`: the continuous strategy found no block long enough.
std::string explain(const Plan& plan, const PlanRequest& r, const Zone& zone, bool fell_back);
// The explanation of mode now (at_once).
std::string explain_at_once(const Plan& plan, const PlanRequest& r, const Zone& zone);

}  // namespace offpeak::planner_detail
