#pragma once
// The schema migrations of the store, private to it. Migration i takes a database from
// PRAGMA user_version i to i + 1; the list's length is k_schema_version.

#include <offpeak/store/store.hpp>

#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace offpeak::store::detail {

// The DDL of each migration, in order. Never edit a released entry; append a new one.
const std::vector<std::string>& migrations();

// The connection of a Store, for the store's own files beside store.cpp (sessions.cpp,
// series_cache.cpp, outbox.cpp, meter_samples.cpp).
struct StoreAccess {
  static SQLite::Database& db(Store& store);
  static const SQLite::Database& db(const Store& store);
};

}  // namespace offpeak::store::detail
