// The scheduling rules: when a build is due, as plain functions of the time and the facts the
// store holds, returning build requests (or a verdict). No I/O: the dispatcher reads the facts,
// asks the rules, and writes what they return; tests call them with any clock.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "handlers/result.hpp"

namespace calico::builds {

// What the master rules read: when master last changed (each watched repository's newest change,
// ISO 8601), when the last successful master build started, when the last master build started.
struct MasterFacts {
  std::vector<std::string> changed_at;
  std::optional<std::string> last_success_started;
  std::optional<std::string> last_build_started;
};

// The nightly rule: at the configured UTC time or later on a day (YYYY-MM-DD) other than
// `last_nightly_day`. Returns the day it ran for, if it is time.
std::optional<std::string> nightly_time(std::chrono::sys_seconds now, const config::DispatchConfig& dispatch,
                                        const std::string& last_nightly_day);
// …and it queues master when master changed since the last successful master build.
std::optional<handlers::BuildRequest> nightly_request(const MasterFacts& facts);

// The quiet-period rule: master when it last changed at least `master_quiet` ago and no master
// build started since. Off when `master_quiet` is 0.
std::optional<handlers::BuildRequest> quiet_request(std::chrono::sys_seconds now, const config::DispatchConfig& dispatch,
                                                    const MasterFacts& facts);

// The tag-wait rule for a release: every component built from its tag must carry it. `missing`:
// the components whose repository lacks the tag (or could not be asked, with why).
struct TagWait {
  enum class Verdict { ready, wait, give_up };
  Verdict verdict = Verdict::ready;
  std::chrono::sys_seconds retry_at{};  // for wait
  std::string detail;                   // for give_up: what is missing, after how long
};
TagWait tag_wait(const std::string& version, const std::vector<std::string>& missing, std::chrono::sys_seconds requested_at,
                 std::chrono::sys_seconds now, const config::DispatchConfig& dispatch);

// The component-ref rule: a source ref (or .dsc) newly configured for a component built from
// configured refs (the dnsmasq fork's tags) rebuilds that component for that platform into
// master. The first time a component's ref for a platform is seen it is only remembered.
struct ComponentRef {
  std::string component;
  std::string platform;
  std::string ref;
};
struct ComponentRefChanges {
  std::vector<ComponentRef> remember;              // refs to store as seen
  std::vector<handlers::BuildRequest> requests;    // rebuilds to queue
};
// `known`: the refs seen before, by (component, platform).
ComponentRefChanges component_ref_changes(const config::PublishConfig& publish,
                                          const std::map<std::pair<std::string, std::string>, std::string>& known);

}  // namespace calico::builds
