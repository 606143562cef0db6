// What Launchpad says about one uploaded source (name, version, series), per architecture, as a
// pure function of the API's answers: so every path (accepted, building, built, published, each
// failure, rejected, superseded, deleted) is tested without a network.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "bot/launchpad/client.hpp"
#include "bot/launchpad/watch_state.hpp"

namespace calico::launchpad {

// waiting_dependency: Launchpad's "Dependency wait", which it retries by itself: not final, not a
// failure. superseded: "Build for superseded Source", a newer upload replaced this one: final,
// and neutral (nothing went wrong).
enum class ArchState { building, waiting_dependency, built, published, superseded, failed };

std::string_view to_string(ArchState state);
ArchState arch_state_from(std::string_view text);  // unknown text: building

struct ArchStatus {
  std::string arch;
  ArchState state = ArchState::building;
  std::string buildstate;     // Launchpad's words
  std::string build_log_url;
  std::string dependencies;   // what a Dependency wait waits for
  bool operator==(const ArchStatus&) const = default;
};

struct Assessment {
  WatchState state = WatchState::waiting;
  std::vector<ArchStatus> arches;
  std::string detail;          // one line for people: what is happening, or what went wrong
  // Nothing will change any more: stop polling. A failure or a rejection is not finished here —
  // Launchpad retries builds, and a late upload may still appear — the watcher re-checks those
  // slowly and stops after a while.
  bool finished = false;
};

// The architectures as a watch stores them (a JSON list of {arch, state, buildstate,
// build_log_url, dependencies}), written and read here only. Reading skips what is not an entry.
std::string arches_to_json(const std::vector<ArchStatus>& arches);
std::vector<ArchStatus> arches_from_json(std::string_view text);

// An accepted upload with no builds this long after it was uploaded builds for nothing.
inline constexpr std::chrono::minutes kNoBuildsAfter{30};

struct WatchedSource {
  std::string source;
  std::string version;
  std::string series;
  std::chrono::sys_seconds uploaded_at;
};

// `publication`: this upload's source publication, if Launchpad shows it. `summary`: its build
// summary (getBuildSummariesForSourceIds), if asked. `builds`: its getBuilds, the last ones read
// when the summary had not changed. An architecture is published when its build succeeded and
// the summary is FULLYBUILT: every successful build's binaries carry a publication date (a
// binary superseded since keeps its date: it was published). A source that has not appeared
// `reject_after` after its upload was probably rejected (or dropped): Launchpad never shows a
// rejected upload, and sends no e-mail for a bad signature.
Assessment assess(const WatchedSource& watched, const SourcePublication* publication, const BuildSummary* summary,
                  const std::vector<BuildRecord>& builds, std::chrono::sys_seconds now, std::chrono::seconds reject_after);

// The publication of this source and version, if Launchpad shows one (the newest if several).
const SourcePublication* find_publication(const WatchedSource& watched, const std::vector<SourcePublication>& publications);

}  // namespace calico::launchpad
