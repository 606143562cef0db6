// The build page's timeline, drawn on the server as SVG (no script): a row per job, its bar from
// start to end and a faint line for the time it waited since the build started; a row per upload,
// from dput to Launchpad's verdict; the critical path outlined. Each bar carries its times
// (data-start, data-end, ISO 8601 as stored) and the drawing its scale (data-t0, data-ms-per-px,
// data-x0), so what is drawn can be checked against the store.
#pragma once

#include <string>
#include <vector>

#include "bot/store/builds.hpp"
#include "bot/store/lp_watches.hpp"

namespace calico::status_page {

struct TimelineInput {
  std::string build_started_at;             // ISO 8601
  std::vector<store::BuildJob> jobs;
  std::vector<store::LpWatch> uploads;
  std::string now;                          // where unfinished bars end (ISO 8601)
};

// Which bars lie on the critical path: from the bar that ends last (the build's end, or its last
// publication), back through the bar whose end let each one start (the job that finished last
// before it started; for an upload, the pub_debs job of its series). Ids are job names and
// "upload <source> <version> <series>".
std::vector<std::string> critical_path(const TimelineInput& input);

// The SVG element, or an empty string when no job has started.
std::string timeline_svg(const TimelineInput& input);

}  // namespace calico::status_page
