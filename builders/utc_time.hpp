// The one place a time becomes calendar text: every format the bot writes (ISO 8601 in the store
// and logs, RFC 2822 in debian/changelog, the RPM %changelog date, the compact stamp in snapshot
// versions) is a strftime pattern over the same UTC breakdown.
#pragma once

#include <chrono>
#include <string>

namespace calico::builders {

// `pattern` as strftime reads it, in UTC, with the C locale's names ("Mon", "Dec": the program
// never sets another locale, and packaging formats want these).
std::string format_utc(std::chrono::sys_seconds time, const char* pattern);

// ISO 8601 with milliseconds, "2026-11-26T06:18:00.123Z": the store's and the logs' timestamps
// (they sort as text).
std::string iso8601_millis(std::chrono::system_clock::time_point time);

}  // namespace calico::builders
