#pragma once
// Process logging on stderr through spdlog. Under journald (JOURNAL_STREAM names our stderr)
// each line starts with a `<N>` syslog priority (sd-daemon(3)) and carries no timestamp,
// because the journal adds its own; otherwise lines carry a local timestamp and the level.

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace offpeak::daemon {

enum class LogFormat {
  timestamped,  // "2026-03-28 18:00:00.123 [info] message"
  journald,     // "<6>message"
};

// True when `journal_stream` ("DEV:INODE", decimal, the JOURNAL_STREAM variable) names the
// file open on `fd`, as systemd.exec(5) documents. False when malformed or different.
bool journal_stream_matches(std::string_view journal_stream, int fd);

// journald when JOURNAL_STREAM is set and matches stderr, else timestamped.
LogFormat detect_log_format();

// The syslog priority of a level: trace/debug 7, info 6, warn 4, error 3, critical 2, off 6.
int syslog_priority(spdlog::level::level_enum level);

// "trace" | "debug" | "info" | "warn" | "error" -> level; nullopt otherwise. "warning" and
// "critical" are accepted as well.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text);

// A logger named `name` writing to `sink` in `format`, at info level. Never throws for
// valid arguments; the caller decides whether to make it the default.
std::shared_ptr<spdlog::logger> make_logger(std::string name, spdlog::sink_ptr sink,
                                            LogFormat format);

// Sets up the process logger: stderr, format from detect_log_format(), level `level`
// (unknown strings give info and a warning). Replaces spdlog's default logger and returns it.
std::shared_ptr<spdlog::logger> setup_logging(std::string_view level = "info");

// Changes the default logger's level. False (level unchanged) when `level` is unknown.
bool set_log_level(std::string_view level);

}  // namespace offpeak::daemon
