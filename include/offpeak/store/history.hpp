#pragma once
// What the charging model and the usual plug-in times are learned from, read from the
// database: shared by the daemon (on its database worker) and `offpeak vehicle --model`.

#include <offpeak/domain/charging_model.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/store/store.hpp>

#include <string_view>
#include <vector>

namespace offpeak::store {

struct ChargeHistory {
  std::vector<ChargeObservation> observations;  // samples with a SoC, oldest first
  std::vector<Instant> plug_ins;                // session starts
  int samples = 0;
  int sessions = 0;
};

// The last `days` days before `now` of one car (`device_id` empty: every car). Throws
// StoreError on database failures.
ChargeHistory load_charge_history(const Store& store, std::string_view device_id, Instant now,
                                  int days = k_learn_days);

}  // namespace offpeak::store
