#include <offpeak/ocpp/charge_point.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace offpeak::ocpp {
namespace json = boost::json;

namespace {

std::string compact(std::string_view s, std::size_t max = 120) {
  std::string out;
  for (char c : s.substr(0, max))
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  if (s.size() > max) out += "...";
  return out;
}

// A number, or a string holding one (blanks allowed); nullopt otherwise.
std::optional<double> lenient_number(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) {
    double d = v->as_double();
    return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
  }
  if (v->is_string()) {
    std::string s(v->as_string());
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return std::nullopt;
    auto e = s.find_last_not_of(" \t\r\n");
    s = s.substr(b, e - b + 1);
    if (s.size() > 40) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
    return d;
  }
  return std::nullopt;
}

// A whole number in [lo, hi] from a number or a numeric string; nullopt for anything else,
// fractions and values out of range included (1e19 must never reach an integer cast).
// lo and hi must be exact as doubles (|x| <= 2^53).
std::optional<std::int64_t> whole_number(const json::value* v, std::int64_t lo, std::int64_t hi) {
  const auto d = lenient_number(v);
  if (!d || std::floor(*d) != *d || *d < static_cast<double>(lo) || *d > static_cast<double>(hi)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*d);
}

// OCPP's integers are 32-bit; connector ids are never negative.
constexpr std::int64_t k_max_connector_id = 2147483647;
// Transaction ids: any integer a double holds exactly (ours are seeded with Unix time).
constexpr std::int64_t k_max_transaction_id = std::int64_t{1} << 53;

// A message's connectorId: absent (or null) counts as ours, as chargers that omit it mean the
// only one; `bad` holds the text of a value that is no connector id.
struct ConnectorField {
  std::optional<std::int64_t> id;
  std::optional<std::string> bad;
};

ConnectorField connector_field(const json::value* v) {
  ConnectorField out;
  if (!v || v->is_null()) return out;
  out.id = whole_number(v, 0, k_max_connector_id);
  if (!out.id) out.bad = json::serialize(*v);
  return out;
}

std::string lenient_string(const json::value* v) {
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_number()) return json::serialize(*v);
  return {};
}

const json::value* field(const json::value& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  return obj.as_object().if_contains(key);
}

// A limit as JSON: whole amperes as integers, else one decimal (the schema's multipleOf 0.1).
json::value limit_value(double a) {
  double tenths = std::round(a * 10.0);
  if (std::fmod(tenths, 10.0) == 0.0) return json::value(static_cast<std::int64_t>(tenths / 10));
  return json::value(tenths / 10.0);
}

std::string upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// ---------------------------------------------------------------- framing

ParsedFrame parse_frame(std::string_view text) {
  ParsedFrame out;
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    out.error = "not JSON (" + ec.message() + "): " + compact(text);
    return out;
  }
  if (!v.is_array() || v.as_array().size() < 3) {
    out.error = "not an OCPP-J message array: " + compact(text);
    return out;
  }
  const auto& a = v.as_array();
  auto type = lenient_number(&a[0]);
  if (a[1].is_string() && a[1].as_string().size() <= 36) out.id = std::string(a[1].as_string());
  if (!type || (*type != 2 && *type != 3 && *type != 4)) {
    out.error = "unknown message type: " + compact(text);
    return out;
  }
  out.was_call = *type == 2;
  if (!out.id) {
    out.error = "the message id is not a string of at most 36 characters: " + compact(text);
    return out;
  }
  Frame f;
  f.id = *out.id;
  if (*type == 2) {
    if (a.size() < 4 || !a[2].is_string()) {
      out.error = "a CALL needs [2, id, action, payload]: " + compact(text);
      return out;
    }
    f.type = MessageType::call;
    f.action = std::string(a[2].as_string());
    f.payload_json = json::serialize(a[3]);
  } else if (*type == 3) {
    f.type = MessageType::call_result;
    f.payload_json = json::serialize(a[2]);
  } else {
    f.type = MessageType::call_error;
    f.error_code = lenient_string(&a[2]);
    if (a.size() > 3) f.error_description = lenient_string(&a[3]);
  }
  out.frame = std::move(f);
  return out;
}

std::string make_call(std::string_view id, std::string_view action, std::string_view payload) {
  json::array a{2, json::string(id), json::string(action), json::parse(payload)};
  return json::serialize(a);
}

std::string make_call_result(std::string_view id, std::string_view payload) {
  json::array a{3, json::string(id), json::parse(payload)};
  return json::serialize(a);
}

std::string make_call_error(std::string_view id, std::string_view code, std::string_view desc) {
  // errorDescription is free text: keep it short and printable.
  json::array a{4, json::string(id), json::string(code), json::string(compact(desc, 200)),
                json::object{}};
  return json::serialize(a);
}

// ---------------------------------------------------------------- statuses

ConnectorStatus parse_status(std::string_view t) {
  std::string u = upper(std::string(t));
  if (u == "AVAILABLE") return ConnectorStatus::available;
  if (u == "PREPARING") return ConnectorStatus::preparing;
  if (u == "CHARGING") return ConnectorStatus::charging;
  if (u == "SUSPENDEDEV") return ConnectorStatus::suspended_ev;
  if (u == "SUSPENDEDEVSE") return ConnectorStatus::suspended_evse;
  if (u == "FINISHING") return ConnectorStatus::finishing;
  if (u == "RESERVED") return ConnectorStatus::reserved;
  if (u == "UNAVAILABLE") return ConnectorStatus::unavailable;
  if (u == "FAULTED") return ConnectorStatus::faulted;
  return ConnectorStatus::unknown;
}

std::string_view to_string(ConnectorStatus s) {
  switch (s) {
    case ConnectorStatus::available:
      return "Available";
    case ConnectorStatus::preparing:
      return "Preparing";
    case ConnectorStatus::charging:
      return "Charging";
    case ConnectorStatus::suspended_ev:
      return "SuspendedEV";
    case ConnectorStatus::suspended_evse:
      return "SuspendedEVSE";
    case ConnectorStatus::finishing:
      return "Finishing";
    case ConnectorStatus::reserved:
      return "Reserved";
    case ConnectorStatus::unavailable:
      return "Unavailable";
    case ConnectorStatus::faulted:
      return "Faulted";
    case ConnectorStatus::unknown:
      break;
  }
  return "unknown";
}

std::optional<bool> plugged_in(ConnectorStatus s) {
  switch (s) {
    case ConnectorStatus::preparing:
    case ConnectorStatus::charging:
    case ConnectorStatus::suspended_ev:
    case ConnectorStatus::suspended_evse:
    case ConnectorStatus::finishing:
      return true;
    case ConnectorStatus::available:
      return false;
    default:
      return std::nullopt;
  }
}

// ---------------------------------------------------------------- the charge point

ChargePoint::ChargePoint(Settings settings)
    : s_(std::move(settings)), next_transaction_(s_.first_transaction_id) {}

void ChargePoint::connected(Instant now, std::string remote) {
  // A new connection replaces the old: whatever was in flight there is lost.
  answers_.clear();
  queue_.clear();
  if (outstanding_) fail_outstanding("the charger reconnected before answering", now);
  st_.connected = true;
  st_.booted = false;
  st_.remote = std::move(remote);
  st_.connected_at = now;
  remote_start_sent_ = false;
  trigger_sent_ = false;
}

void ChargePoint::disconnected(Instant now) {
  if (outstanding_) fail_outstanding("the charger disconnected before answering", now);
  answers_.clear();
  queue_.clear();
  st_.connected = false;
  st_.booted = false;
  st_.power_w.reset();
}

void ChargePoint::fail_outstanding(const std::string& why, Instant now) {
  PendingCall c = *outstanding_;
  outstanding_.reset();
  std::string what =
      c.kind == CallKind::set_profile
          ? "the " + std::to_string(static_cast<int>(std::round(c.limit_a))) + " A charging profile"
      : c.kind == CallKind::remote_start      ? "RemoteStartTransaction"
      : c.kind == CallKind::get_configuration ? "GetConfiguration"
                                              : "TriggerMessage";
  std::string text = what + ": " + why;
  st_.last_error = text;
  if (c.kind == CallKind::set_profile && c.ticket >= done_ticket_) {
    done_ticket_ = c.ticket;
    done_outcome_ = {false, text};
  }
  emit({Event::Kind::command_failed, now, text});
}

std::uint64_t ChargePoint::want(bool on, Instant now) {
  return want_current(on ? s_.max_current_a : 0.0, s_.phases, now);
}

std::uint64_t ChargePoint::want_current(double limit_a, int phases, Instant now) {
  (void)now;
  double limit = std::isfinite(limit_a) ? std::round(limit_a * 10.0) / 10.0 : 0.0;
  limit = std::clamp(limit, 0.0, s_.max_current_a);
  const bool on = limit > 0.0;
  st_.wanted_on = on;
  st_.wanted_limit_a = limit;
  st_.wanted_phases = phases == 3 ? 3 : 1;
  ++ticket_;
  if (st_.connected && st_.booted) {
    queue_profile();
    if (on) maybe_remote_start();
  }
  return ticket_;
}

std::optional<ChargePoint::Outcome> ChargePoint::result(std::uint64_t ticket) const {
  if (done_ticket_ >= ticket && done_ticket_ != 0) return done_outcome_;
  return std::nullopt;
}

void ChargePoint::queue_profile() {
  queued_ticket_ = ticket_;
  if (std::find(queue_.begin(), queue_.end(), CallKind::set_profile) == queue_.end()) {
    queue_.push_back(CallKind::set_profile);
  }
}

void ChargePoint::maybe_remote_start() {
  if (st_.wanted_on == true && st_.status == ConnectorStatus::preparing && !st_.transaction_id &&
      !remote_start_sent_ &&
      std::find(queue_.begin(), queue_.end(), CallKind::remote_start) == queue_.end()) {
    queue_.push_back(CallKind::remote_start);
  }
}

void ChargePoint::on_booted(Instant now) {
  (void)now;
  st_.booted = true;
  queue_.clear();
  queue_.push_back(CallKind::get_configuration);
  // The limit the plan wants now; hold until the plan has said anything.
  queued_ticket_ = ticket_;
  queue_.push_back(CallKind::set_profile);
  maybe_remote_start();
}

void ChargePoint::set_status(ConnectorStatus s, Instant now) {
  ConnectorStatus old = st_.status;
  st_.status = s;
  st_.status_at = now;
  if (s == old) return;
  emit({Event::Kind::status, now, std::string(to_string(s)), s});
  auto was = plugged_in(old);
  auto is = plugged_in(s);
  if (is == true && was != true) emit({Event::Kind::plugged_in, now, std::string(to_string(s)), s});
  if (is == false && was == true) emit({Event::Kind::unplugged, now, std::string(to_string(s)), s});
  if (s != ConnectorStatus::preparing) remote_start_sent_ = false;
  if (s == ConnectorStatus::available) {
    st_.transaction_id.reset();  // some chargers never send StopTransaction
    st_.power_w.reset();
  }
  if (!st_.booted) return;
  if (s == ConnectorStatus::preparing) maybe_remote_start();
  // Some chargers forget the limit when charging resumes: say it again.
  if (s == ConnectorStatus::charging && st_.wanted_on == false) queue_profile();
}

void ChargePoint::receive(std::string_view text, Instant now) {
  ParsedFrame p = parse_frame(text);
  if (!p.frame) {
    st_.last_error = p.error;
    emit({Event::Kind::protocol_error, now, p.error});
    if (p.was_call && p.id) {
      answers_.push_back(make_call_error(*p.id, "FormationViolation", p.error));
    }
    return;
  }
  if (p.frame->type == MessageType::call) {
    handle_call(*p.frame, now);
  } else {
    handle_reply(*p.frame, now);
  }
}

void ChargePoint::handle_call(const Frame& f, Instant now) {
  json::error_code ec;
  json::value payload = json::parse(f.payload_json, ec);
  if (ec || !payload.is_object()) {
    answers_.push_back(make_call_error(f.id, "FormationViolation",
                                       f.action + ": the payload is not a JSON object"));
    emit({Event::Kind::protocol_error, now, f.action + ": the payload is not a JSON object"});
    return;
  }
  const std::string now_text = format_rfc3339(now);
  auto answer = [&](const json::object& o) {
    answers_.push_back(make_call_result(f.id, json::serialize(o)));
  };
  const std::string& a = f.action;
  if (a == "BootNotification") {
    st_.vendor = lenient_string(field(payload, "chargePointVendor"));
    st_.model = lenient_string(field(payload, "chargePointModel"));
    st_.firmware = lenient_string(field(payload, "firmwareVersion"));
    answer({{"status", "Accepted"},
            {"currentTime", now_text},
            {"interval", static_cast<std::int64_t>(s_.heartbeat_interval.count())}});
    std::string who = st_.vendor.empty() && st_.model.empty()
                          ? std::string("unnamed charger")
                          : st_.vendor + (st_.vendor.empty() ? "" : " ") + st_.model;
    if (!st_.firmware.empty()) who += ", firmware " + st_.firmware;
    emit({Event::Kind::booted, now, who});
    on_booted(now);
  } else if (a == "Heartbeat") {
    answer({{"currentTime", now_text}});
  } else if (a == "StatusNotification") {
    const ConnectorField connector = connector_field(field(payload, "connectorId"));
    if (connector.bad) return refuse_connector(f, *connector.bad, now);
    std::string code = lenient_string(field(payload, "errorCode"));
    if (!connector.id || *connector.id == s_.connector) {
      if (!code.empty() && code != "NoError") {
        std::string info = lenient_string(field(payload, "info"));
        st_.error_code = code + (info.empty() ? "" : " (" + compact(info, 50) + ")");
      } else {
        st_.error_code.clear();
      }
      set_status(parse_status(lenient_string(field(payload, "status"))), now);
    }
    answer({});
  } else if (a == "Authorize") {
    answer({{"idTagInfo", {{"status", "Accepted"}}}});
  } else if (a == "StartTransaction") {
    const ConnectorField connector = connector_field(field(payload, "connectorId"));
    if (connector.bad) return refuse_connector(f, *connector.bad, now);
    std::int64_t id = next_transaction_++;
    if (!connector.id || *connector.id == s_.connector) {
      st_.transaction_id = id;
      auto start = lenient_number(field(payload, "meterStart"));
      // Zaptec sends 2147483647 when it does not know.
      if (start && *start >= 0 && *start < 2147483647.0) {
        st_.energy_wh = *start;
        st_.energy_at = now;
        emit({Event::Kind::energy, now, "", st_.status, *start});
      }
      emit({Event::Kind::transaction_started, now, std::to_string(id)});
    }
    answer({{"transactionId", id}, {"idTagInfo", {{"status", "Accepted"}}}});
  } else if (a == "StopTransaction") {
    auto stop = lenient_number(field(payload, "meterStop"));
    if (stop && *stop >= 0 && *stop < 2147483647.0) {
      st_.energy_wh = *stop;
      st_.energy_at = now;
      emit({Event::Kind::energy, now, "", st_.status, *stop});
    }
    // Absent: the open one. Not a whole number in range: nobody's (logged), still accepted.
    const json::value* tx_field = field(payload, "transactionId");
    const bool tx_given = tx_field && !tx_field->is_null();
    const auto tx = whole_number(tx_field, -k_max_transaction_id, k_max_transaction_id);
    if (tx_given && !tx) {
      emit({Event::Kind::protocol_error, now,
            "StopTransaction: transactionId " + compact(json::serialize(*tx_field), 40) +
                " is no whole number; no transaction of ours stopped"});
    }
    if (st_.transaction_id && (!tx_given || (tx && *tx == *st_.transaction_id))) {
      emit({Event::Kind::transaction_stopped, now, std::to_string(*st_.transaction_id)});
      st_.transaction_id.reset();
    }
    // Always accepted, stale ones too (they arrive after reconnects).
    answer({{"idTagInfo", {{"status", "Accepted"}}}});
  } else if (a == "MeterValues") {
    const ConnectorField connector = connector_field(field(payload, "connectorId"));
    if (connector.bad) return refuse_connector(f, *connector.bad, now);
    const json::value* mv = field(payload, "meterValue");
    if ((!connector.id || *connector.id == s_.connector || *connector.id == 0) && mv &&
        mv->is_array()) {
      std::optional<double> energy, power, soc;
      double phase_power = 0;
      bool have_phase_power = false;
      for (const auto& m : mv->as_array()) {
        const json::value* sv = field(m, "sampledValue");
        if (!sv || !sv->is_array()) continue;
        for (const auto& v : sv->as_array()) {
          auto value = lenient_number(field(v, "value"));
          if (!value) continue;
          std::string measurand = lenient_string(field(v, "measurand"));
          std::string unit = upper(lenient_string(field(v, "unit")));
          std::string phase = lenient_string(field(v, "phase"));
          std::string location = lenient_string(field(v, "location"));
          if (measurand == "SoC") {  // the car's, read over ISO 15118 or the charger's own
            if (*value >= 0 && *value <= 100 && (unit.empty() || unit == "PERCENT")) soc = *value;
            continue;
          }
          if (!location.empty() && location != "Outlet") continue;
          if (measurand.empty() || measurand == "Energy.Active.Import.Register") {
            if (!phase.empty()) continue;
            double wh = unit == "KWH" ? *value * 1000.0 : *value;
            if (std::isfinite(wh)) energy = wh;
          } else if (measurand == "Power.Active.Import") {
            double w = unit == "KW" ? *value * 1000.0 : *value;
            if (!std::isfinite(w)) continue;
            if (phase.empty()) {
              power = w;
            } else if (phase == "L1" || phase == "L2" || phase == "L3") {
              phase_power += w;
              have_phase_power = true;
            }
          }
        }
      }
      if (!power && have_phase_power) power = phase_power;
      if (energy && *energy >= 0) {
        st_.energy_wh = *energy;
        st_.energy_at = now;
        emit({Event::Kind::energy, now, "", st_.status, *energy});
      }
      if (soc) emit({Event::Kind::soc, now, "", st_.status, *soc});
      if (power) {
        st_.power_w = std::max(0.0, *power);
        st_.power_at = now;
        emit({Event::Kind::power, now, "", st_.status, *st_.power_w});
      }
    }
    answer({});
  } else if (a == "DataTransfer") {
    answer({{"status", "UnknownVendorId"}});
  } else if (a == "FirmwareStatusNotification" || a == "DiagnosticsStatusNotification") {
    answer({});
  } else {
    answers_.push_back(
        make_call_error(f.id, "NotImplemented", "offpeak does not implement " + compact(a, 40)));
    emit({Event::Kind::protocol_error, now, "unknown action " + compact(a, 40)});
  }
}

void ChargePoint::refuse_connector(const Frame& f, const std::string& value, Instant now) {
  const std::string why = f.action + ": connectorId " + compact(value, 40) +
                          " is no connector (a whole number 0.." +
                          std::to_string(k_max_connector_id) + ")";
  answers_.push_back(make_call_error(f.id, "PropertyConstraintViolation", why));
  st_.last_error = why;
  emit({Event::Kind::protocol_error, now, why});
}

void ChargePoint::handle_reply(const Frame& f, Instant now) {
  if (!outstanding_ || outstanding_->id != f.id) {
    emit({Event::Kind::protocol_error, now,
          "an answer to no outstanding call (id " + compact(f.id, 40) + ")"});
    return;
  }
  if (f.type == MessageType::call_error) {
    fail_outstanding(
        "the charger answered " +
            (f.error_code.empty() ? std::string("an error") : compact(f.error_code, 40)) +
            (f.error_description.empty() ? "" : ": " + compact(f.error_description, 80)),
        now);
    return;
  }
  PendingCall c = *outstanding_;
  json::error_code ec;
  json::value payload = json::parse(f.payload_json, ec);
  std::string status = ec ? std::string() : lenient_string(field(payload, "status"));
  switch (c.kind) {
    case CallKind::get_configuration: {
      outstanding_.reset();
      const json::value* keys = ec ? nullptr : field(payload, "configurationKey");
      if (keys && keys->is_array()) {
        for (const auto& k : keys->as_array()) {
          if (lenient_string(field(k, "key")) == "ChargeProfileMaxStackLevel") {
            auto level = lenient_number(field(k, "value"));
            if (level && *level >= 0 && *level <= 100) st_.stack_level = static_cast<int>(*level);
          }
        }
      }
      return;
    }
    case CallKind::set_profile:
      if (status == "Accepted") {
        outstanding_.reset();
        st_.limit_a = c.limit_a;
        if (c.ticket >= done_ticket_) {
          done_ticket_ = c.ticket;
          done_outcome_ = {true,
                           "limit " + json::serialize(limit_value(c.limit_a)) + " A accepted"};
        }
        emit({Event::Kind::limit_applied, now, "", st_.status, c.limit_a});
      } else {
        fail_outstanding("the charger answered " + (status.empty() ? "nothing usable" : status),
                         now);
      }
      return;
    case CallKind::remote_start:
      if (status == "Accepted") {
        outstanding_.reset();
      } else {
        fail_outstanding("the charger answered " + (status.empty() ? "nothing usable" : status),
                         now);
      }
      return;
    case CallKind::trigger_boot:
      outstanding_.reset();
      // A charger that will not send one: go ahead as booted.
      if (!st_.booted && status != "Accepted") on_booted(now);
      return;
  }
}

void ChargePoint::tick(Instant now) {
  if (outstanding_ && now - outstanding_->sent_at >= s_.call_timeout) {
    fail_outstanding("no answer in " + std::to_string(s_.call_timeout.count()) + " s", now);
  }
  if (st_.connected && !st_.booted && st_.connected_at && !outstanding_ &&
      now - *st_.connected_at >= s_.boot_wait) {
    // Chargers that reconnect without a BootNotification: if the charger talks (a status) it
    // is up; else ask for one, and go ahead anyway when none comes.
    if (st_.status_at && *st_.status_at >= *st_.connected_at) {
      on_booted(now);
    } else if (!trigger_sent_) {
      trigger_sent_ = true;
      queue_.push_back(CallKind::trigger_boot);
    } else if (now - *st_.connected_at >= s_.boot_wait + s_.call_timeout) {
      on_booted(now);
    }
  }
}

std::string ChargePoint::profile_payload(double limit, Instant now) const {
  json::object period{{"startPeriod", 0}, {"limit", limit_value(limit)}};
  if (s_.phases_auto) period["numberPhases"] = st_.wanted_phases;
  json::object schedule{{"chargingRateUnit", "A"},
                        {"startSchedule", format_rfc3339(now - Seconds{60})},
                        {"chargingSchedulePeriod", json::array{period}}};
  json::object profile{{"chargingProfileId", 1},
                       {"stackLevel", st_.stack_level},
                       {"chargingProfilePurpose", "TxDefaultProfile"},
                       {"chargingProfileKind", "Absolute"},
                       {"chargingSchedule", schedule}};
  json::object p{{"connectorId", s_.connector}, {"csChargingProfiles", profile}};
  return json::serialize(p);
}

std::optional<std::string> ChargePoint::next_outgoing(Instant now) {
  if (!answers_.empty()) {
    std::string a = std::move(answers_.front());
    answers_.pop_front();
    return a;
  }
  if (!st_.connected || outstanding_ || queue_.empty()) return std::nullopt;
  CallKind kind = queue_.front();
  queue_.pop_front();
  if (kind != CallKind::trigger_boot && !st_.booted) return std::nullopt;
  PendingCall c;
  c.kind = kind;
  c.id = std::to_string(next_call_++);
  c.sent_at = now;
  std::string action, payload;
  switch (kind) {
    case CallKind::set_profile:
      c.limit_a = wanted_limit();
      c.ticket = queued_ticket_;
      action = "SetChargingProfile";
      payload = profile_payload(c.limit_a, now);
      break;
    case CallKind::remote_start:
      if (st_.status != ConnectorStatus::preparing || st_.transaction_id || st_.wanted_on != true) {
        return next_outgoing(now);  // no longer needed
      }
      remote_start_sent_ = true;
      action = "RemoteStartTransaction";
      payload = json::serialize(json::object{{"connectorId", s_.connector}, {"idTag", s_.id_tag}});
      break;
    case CallKind::get_configuration:
      action = "GetConfiguration";
      payload = json::serialize(json::object{{"key", json::array{"ChargeProfileMaxStackLevel"}}});
      break;
    case CallKind::trigger_boot:
      action = "TriggerMessage";
      payload = json::serialize(json::object{{"requestedMessage", "BootNotification"}});
      break;
  }
  outstanding_ = c;
  return make_call(c.id, action, payload);
}

std::vector<Event> ChargePoint::take_events() {
  std::vector<Event> out;
  out.swap(events_);
  return out;
}

std::optional<bool> ChargePoint::offering() const {
  if (!st_.connected || st_.status == ConnectorStatus::unknown) return std::nullopt;
  // A power reading since the last status change is the better word: Charging at 0 W draws
  // nothing, and a charger that ignores a 0 A limit shows it in its meter.
  if (st_.power_w && st_.power_at && (!st_.status_at || *st_.power_at >= *st_.status_at)) {
    if (*st_.power_w >= 300.0) return true;
    if (*st_.power_w < 100.0 && st_.status == ConnectorStatus::charging) return false;
  }
  switch (st_.status) {
    case ConnectorStatus::charging:
      return true;
    case ConnectorStatus::suspended_ev:
      return true;
    default:
      return false;
  }
}

}  // namespace offpeak::ocpp
