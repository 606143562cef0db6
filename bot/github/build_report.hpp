// What GitHub hears about a build, worked out from what the store holds: commit statuses on the
// commits it used and on the head of the pull request that asked for it, a comment linking the
// build when it starts, and a summary table (component × platform) when it ends. Pure: the
// reporter enqueues these; the dedupe keys make asking twice harmless.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "bot/store/builds.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/reporting.hpp"

namespace calico::github {

struct BuildFacts {
  store::BuildRow build;
  std::vector<store::StepRow> steps;
  store::BuildOrigin origin;
  std::vector<std::pair<std::string, std::string>> sources;  // owner/name, sha
  std::string status_page;  // "http://127.0.0.1:8080", no trailing slash
};

// running → pending, succeeded → success, failed → failure, cancelled (and anything else) → error.
std::string status_state(const std::string& build_state);

// "calico-release-bot/calico-3.4"
std::string status_context(const std::string& target_repo);

std::string build_url(const std::string& status_page, std::int64_t build_id);
std::string log_url(const std::string& status_page, std::int64_t build_id, const std::string& job);

// The Markdown table: one row per component, one column per platform.
std::string summary_table(const BuildFacts& facts);

// Nothing while a running build has no job yet (it may still be put back in the queue).
std::vector<store::OutboxMessage> build_report(const BuildFacts& facts);

}  // namespace calico::github
