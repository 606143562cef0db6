#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace calico::util {

// Current UTC time as ISO-8601 with milliseconds, "2026-11-26T06:18:00.123Z": sorts as text, so
// the store can order and compare timestamps without parsing them.
std::string utc_now_iso8601();
// The system clock, to the second: what the services' default clocks read.
std::chrono::sys_seconds system_now();

// The same format for a given time.
std::string iso8601(std::chrono::sys_seconds time);
std::string iso8601(std::chrono::system_clock::time_point time);  // to the millisecond

// Parses what iso8601 and utc_now_iso8601 write ("2026-11-26T06:18:00.123Z"; the fraction and
// the Z are optional). nullopt for anything else.
std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view text);

}  // namespace calico::util
