// The status page as plain server-rendered HTML (one small stylesheet inline, no scripts, no
// build toolchain; readable on a phone) and the same data as JSON for /api.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "bot/status_page/view.hpp"

namespace calico::status_page {

std::string index_html(const Overview& overview);
std::string build_html(const BuildPage& page);
// A job's log, tail shown; refreshing (and scrolled to the end) while the job runs.
std::string log_html(const BuildPage& page, const store::BuildJob& step, const std::string& text, bool truncated);
std::string not_found_html(const std::string& what);

std::string index_json(const Overview& overview);
std::string build_json(const BuildPage& page);
// Missed-delivery recovery as /healthz and /api show it.
boost::json::object recovery_object(const store::RecoverySummary& recovery);

// "1 h 02 min", "3 min 20 s", "42 s"
std::string format_duration(long long seconds);
std::string escape_html(std::string_view text);
// A coordinate or length in the SVG drawings, to a tenth: "12.5".
std::string svg_number(double value);

}  // namespace calico::status_page
