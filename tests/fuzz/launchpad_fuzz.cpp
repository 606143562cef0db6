// libFuzzer harness for what the bot reads from Launchpad's web service: a collection page of
// source publications or builds, a build-summaries answer, and the assessment made from them.
// Whatever the bytes, a parser returns values or throws LaunchpadError; the assessment of
// whatever was parsed keeps its promises (a published watch has architectures and every one is
// published; a finished one is in a final state).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/launchpad/assess.hpp"
#include "bot/launchpad/client.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

using namespace calico::launchpad;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  std::vector<SourcePublication> sources;
  std::vector<BuildRecord> builds;
  std::map<std::string, BuildSummary> summaries;
  std::string next;
  try {
    sources = parse_sources_page(body, next);
  } catch (const LaunchpadError&) {
  }
  try {
    builds = parse_builds_page(body, next);
  } catch (const LaunchpadError&) {
  }
  try {
    summaries = parse_build_summaries(body);
  } catch (const LaunchpadError&) {
  }
  const std::chrono::sys_seconds uploaded{std::chrono::seconds(1606780800)};
  const WatchedSource watched{sources.empty() ? "felix" : sources.front().source_package_name,
                              sources.empty() ? "1" : sources.front().source_package_version,
                              sources.empty() ? "" : sources.front().series(), uploaded};
  const SourcePublication* publication = find_publication(watched, sources);
  const BuildSummary* summary = summaries.empty() ? nullptr : &summaries.begin()->second;
  for (const auto after : {std::chrono::minutes(5), std::chrono::minutes(600)}) {
    const Assessment assessment = assess(watched, publication, summary, builds, uploaded + after, std::chrono::hours(2));
    check(!assessment.detail.empty());
    if (assessment.state == WatchState::published) {
      check(!assessment.arches.empty());
      for (const ArchStatus& arch : assessment.arches) check(arch.state == ArchState::published);
    }
    if (assessment.finished) {
      check(assessment.state == WatchState::published || assessment.state == WatchState::superseded ||
            assessment.state == WatchState::failed);
    }
    if (!publication) check(assessment.state == WatchState::waiting || assessment.state == WatchState::rejected);
  }
  return 0;
}
