// Which process a pid names, across pid reuse: a pid with its start time (in clock ticks since
// boot, /proc/<pid>/stat field 22). What a crash left behind (job process groups, GnuPG homes)
// records its owner this way, so that a start removes only what belongs to a process that is gone.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace calico::builders::exec {

struct ProcessIdentity {
  pid_t pid = 0;
  std::uint64_t start_ticks = 0;

  // "PID START", as it is written into record files.
  std::string to_text() const;
  static std::optional<ProcessIdentity> parse(const std::string& text);
  // The same process still runs (the pid is alive and started at the recorded time).
  bool alive() const;
  bool operator==(const ProcessIdentity&) const = default;
};

// This process.
ProcessIdentity self_identity();
// The process `pid` now, if it exists.
std::optional<ProcessIdentity> identity_of(pid_t pid);
// Every process in process group `group` that started at or after `not_before` ticks.
std::vector<pid_t> group_members(pid_t group, std::uint64_t not_before);

}  // namespace calico::builders::exec
