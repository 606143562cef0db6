#pragma once

#include <string>

namespace calico::util {

// Current UTC time as ISO-8601 with milliseconds, "2026-11-26T06:18:00.123Z": sorts as text, so
// the store can order and compare timestamps without parsing them.
std::string utc_now_iso8601();

}  // namespace calico::util
