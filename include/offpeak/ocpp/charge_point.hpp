#pragma once
// OCPP 1.6J, the central system's side, for one charge point: the OCPP-J framing, the
// answers to every charge-point message, and the few CALLs offpeak sends (a TxDefaultProfile
// to hold at 0 A or release to the maximum current, RemoteStartTransaction, GetConfiguration,
// TriggerMessage). No sockets and no clock: text frames and instants in, text frames and
// events out, so it is unit-testable and fuzzable. The WebSocket adapter lives in `net`, the
// wiring in the daemon.
//
// Rules (docs/ocpp.md):
//  - Every CALL from the charger is answered; an unknown action gets CALLERROR NotImplemented;
//    a frame that is not OCPP-J gets a CALLERROR when it carries a message id, else nothing.
//  - Inbound payloads are read leniently: numbers as strings (with blanks), unknown fields,
//    odd error codes, Wh or kWh.
//  - At most one of our CALLs is outstanding; one unanswered for `call_timeout` has failed.
//  - Nothing is sent before the charger booted (a BootNotification, or a TriggerMessage for
//    one after `boot_wait` without it); then the profile the plan wants is set again.
//  - Pausing is a 0 A profile, never RemoteStopTransaction.

#include <offpeak/domain/time.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::ocpp {

// --- OCPP-J framing ---

enum class MessageType { call = 2, call_result = 3, call_error = 4 };

struct Frame {
  MessageType type = MessageType::call;
  std::string id;
  std::string action;        // CALL only
  std::string payload_json;  // CALL and CALLRESULT: the payload as JSON text
  std::string error_code;    // CALLERROR only
  std::string error_description;
};

struct ParsedFrame {
  std::optional<Frame> frame;
  std::string error;              // why it is not a frame (when frame is empty)
  std::optional<std::string> id;  // the message id, when one could be read
  bool was_call = false;          // a CALL that could not be read: answer with an error
};

// Parses one OCPP-J text frame. Never throws.
ParsedFrame parse_frame(std::string_view text);

std::string make_call(std::string_view id, std::string_view action, std::string_view payload_json);
std::string make_call_result(std::string_view id, std::string_view payload_json);
std::string make_call_error(std::string_view id, std::string_view code,
                            std::string_view description);

// --- the charge point as the central system sees it ---

enum class ConnectorStatus {
  unknown,
  available,
  preparing,
  charging,
  suspended_ev,
  suspended_evse,
  finishing,
  reserved,
  unavailable,
  faulted,
};
// "Available", ...; unknown spellings -> unknown.
ConnectorStatus parse_status(std::string_view text);
std::string_view to_string(ConnectorStatus s);
// True for Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing; false for Available;
// nullopt for the rest (unknown).
std::optional<bool> plugged_in(ConnectorStatus s);

struct Settings {
  std::string id;  // the charge point's identity, for logs
  int connector = 1;
  double max_current_a = 32.0;  // released limit (a multiple of 0.1)
  int phases = 1;               // the phases the charger charges on (1 or 3)
  // phases: auto: numberPhases (1 or 3, what want_current() asks) in every profile; otherwise
  // profiles carry no numberPhases and the charger uses its wiring.
  bool phases_auto = false;
  Seconds call_timeout{60};
  Seconds boot_wait{5};  // TriggerMessage(BootNotification) after this without one
  Seconds heartbeat_interval{300};
  std::int64_t first_transaction_id = 1;  // seed: unique across restarts (Unix time)
  std::string id_tag = "offpeak";
};

struct Event {
  enum class Kind {
    booted,      // text: "Vendor Model, firmware X"
    status,      // the connector's status changed (status, plugged)
    plugged_in,  // the connector went from unplugged/unknown to plugged in
    unplugged,   // ... to Available
    energy,      // energy_wh: the register (Wh)
    power,       // power_w
    soc,         // value: the car's SoC (%) the charger reports (measurand SoC)
    transaction_started,
    transaction_stopped,
    limit_applied,   // a profile was accepted (limit_a)
    command_failed,  // one of our CALLs was refused, errored or timed out (text)
    protocol_error,  // a frame we could not use (text), for the log
  };
  Kind kind;
  Instant at{};
  std::string text;
  ConnectorStatus status = ConnectorStatus::unknown;
  double value = 0.0;  // energy_wh, power_w, soc (%) or limit_a
};

struct ChargerState {
  bool connected = false;
  bool booted = false;
  std::string remote;  // "IP:PORT" of the connection
  std::string vendor, model, firmware;
  ConnectorStatus status = ConnectorStatus::unknown;
  std::string error_code;  // the connector's last errorCode other than NoError
  std::optional<std::int64_t> transaction_id;
  std::optional<double> energy_wh;
  std::optional<Instant> energy_at;
  std::optional<double> power_w;
  std::optional<Instant> power_at;
  std::optional<double> limit_a;  // the last limit the charger accepted
  std::optional<bool> wanted_on;  // what the plan wants (nullopt: nothing asked yet)
  double wanted_limit_a = 0.0;    // the limit asked for (0 while wanted_on is not true)
  int wanted_phases = 1;          // the phases asked for (phases_auto)
  int stack_level = 0;
  std::string last_error;  // the last failed command or protocol problem
  std::optional<Instant> connected_at;
  std::optional<Instant> status_at;
};

class ChargePoint {
 public:
  explicit ChargePoint(Settings settings);

  // The WebSocket opened (a new connection replaces the old one) or closed.
  void connected(Instant now, std::string remote);
  void disconnected(Instant now);

  // One text frame from the charger. Answers queue in the outbox.
  void receive(std::string_view text, Instant now);

  // What the plan wants: on = release to max_current_a, off = hold at 0 A. Queues the profile
  // (when connected and booted; otherwise it is set on boot) and, when on and the connector is
  // Preparing without a transaction, a RemoteStartTransaction. Returns a ticket: result(ticket)
  // tells when the charger accepted or refused it.
  std::uint64_t want(bool on, Instant now);
  // A current to charge at (a modulating switch): `limit_a` per phase (0 = hold), rounded to
  // 0.1 A and kept within [0, max_current_a]; `phases` 1 or 3 (sent as numberPhases with
  // phases_auto only). Like want(): queues the profile, returns a ticket.
  std::uint64_t want_current(double limit_a, int phases, Instant now);
  struct Outcome {
    bool ok = false;
    std::string detail;
  };
  // The outcome of the profile of `ticket`; nullopt while it waits. A ticket superseded by a
  // later want() shares that one's outcome.
  std::optional<Outcome> result(std::uint64_t ticket) const;

  // Timeouts (the outstanding CALL, the boot wait). Call every second or so.
  void tick(Instant now);

  // The next frame to send: answers first, then our next CALL when none is outstanding.
  std::optional<std::string> next_outgoing(Instant now);

  // Events since the last call.
  std::vector<Event> take_events();

  const ChargerState& state() const { return st_; }
  const Settings& settings() const { return s_; }
  void set_settings(Settings s) { s_ = std::move(s); }

  // The charger's own word on the switch: on when it offers current (Charging, SuspendedEV, or
  // drawing power), off when held or idle (SuspendedEVSE, Available, ... and no power); nullopt
  // when unknown (not connected, no status yet).
  std::optional<bool> offering() const;
  // The limit in amperes the plan's on/off means.
  double limit_for(bool on) const { return on ? s_.max_current_a : 0.0; }
  // The limit the next profile carries: what was last asked, 0 before anything was.
  double wanted_limit() const { return st_.wanted_on == true ? st_.wanted_limit_a : 0.0; }

 private:
  enum class CallKind { set_profile, remote_start, get_configuration, trigger_boot };
  struct PendingCall {
    CallKind kind;
    std::string id;
    Instant sent_at{};
    double limit_a = 0;
    std::uint64_t ticket = 0;
  };
  void handle_call(const Frame& f, Instant now);
  void handle_reply(const Frame& f, Instant now);
  // Answers a CALL whose connectorId is no connector with a CALLERROR and logs it.
  void refuse_connector(const Frame& f, const std::string& value, Instant now);
  void on_booted(Instant now);
  void queue_profile();
  void maybe_remote_start();
  void set_status(ConnectorStatus s, Instant now);
  void fail_outstanding(const std::string& why, Instant now);
  void emit(Event e) { events_.push_back(std::move(e)); }
  std::string profile_payload(double limit, Instant now) const;

  Settings s_;
  ChargerState st_;
  std::deque<std::string> answers_;
  std::deque<CallKind> queue_;
  std::optional<PendingCall> outstanding_;
  std::vector<Event> events_;
  std::uint64_t next_call_ = 1;
  std::int64_t next_transaction_;
  std::uint64_t ticket_ = 0;         // the latest want()
  std::uint64_t queued_ticket_ = 0;  // the ticket the queued profile carries
  std::uint64_t done_ticket_ = 0;    // the latest ticket with an outcome
  Outcome done_outcome_;
  bool remote_start_sent_ = false;  // for the current Preparing stretch
  bool trigger_sent_ = false;       // TriggerMessage(BootNotification) on this connection
};

}  // namespace offpeak::ocpp
