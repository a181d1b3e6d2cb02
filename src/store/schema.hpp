#pragma once
// The schema migrations of the store, private to it. Migration i takes a database from
// PRAGMA user_version i to i + 1; the list's length is k_schema_version.

#include <string>
#include <vector>

namespace offpeak::store::detail {

// The DDL of each migration, in order. Never edit a released entry; append a new one.
const std::vector<std::string>& migrations();

}  // namespace offpeak::store::detail
