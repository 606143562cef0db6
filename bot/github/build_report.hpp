// What GitHub hears about a build, worked out from what the store holds: commit statuses on the
// commits it used and on the head of the pull request that asked for it, a comment linking the
// build when it starts, a summary table (component × platform, and a Launchpad column) when its
// jobs end and again when Launchpad has settled. A build has two halves — *uploaded* (its jobs)
// and *published* (Launchpad, per source × series × architecture): its status stays pending
// until both are done. Pure: the reporter enqueues these; the dedupe keys make asking twice
// harmless.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "bot/launchpad/publication.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/lp_watches.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/reporting.hpp"

namespace calico::github {

struct BuildFacts {
  store::Build build;
  std::vector<store::BuildJob> steps;
  std::vector<store::LpWatch> watches;      // its uploads on Launchpad, each with the job that made it
  launchpad::BuildPublication publication;  // of `watches`
  store::BuildOrigin origin;
  std::vector<std::pair<std::string, std::string>> sources;  // owner/name, sha
  std::string status_page;  // "http://127.0.0.1:8080", no trailing slash
  bool check_runs = false;  // running as a GitHub App: a check run beside each commit status
  // Deployments per target (github.deployments): the PPA's owner and where RPM repositories are
  // served ("" when not said).
  bool deployments = false;
  std::string ppa_owner;
  std::string rpm_repository_url;
};

// The commit status for a build: state (pending, success, failure, error), description and link.
// running → pending; failed → failure; cancelled → error; succeeded → pending while Launchpad has
// not published every upload ("uploaded; Launchpad 4/9 published"), success once it has (or
// when there was nothing for Launchpad to build), failure when a Launchpad build failed (linking
// its build log) and error when an upload was probably rejected.
struct Verdict {
  std::string state;
  std::string description;
  std::string target_url;
};
Verdict verdict(const BuildFacts& facts);

// "calico-release-bot/calico-3.4"
std::string status_context(const std::string& target_repo);

std::string build_url(const std::string& status_page, std::int64_t build_id);
std::string log_url(const std::string& status_page, std::int64_t build_id, const std::string& job);

// What the reporter marks as reported for Launchpad ("" when there is nothing to watch): a new
// report goes out whenever it changes.
std::string publication_key(const launchpad::BuildPublication& publication);

// The Markdown table: one row per component, one column per platform, and a Launchpad column.
std::string summary_table(const BuildFacts& facts);
// For a promoted release: which jobs were copied from the promotion source and which were built
// from source, with why ("" when no job was either).
std::string promotion_notes(const BuildFacts& facts);

// A build's state in a sentence or two, with its table (the /status reply).
std::string describe_build(const BuildFacts& facts);

// The deployments of a build's publications (when facts.deployments): one per kind of package it
// publishes (pub_debs → ppa:<owner>/<target>, pub_rpms → rpm:<target>) on the commit that asked
// for it (the trigger, else the pull request's head, else the first commit it built): in_progress
// while it runs and Launchpad has not published everything, success once published (with where),
// failure (with the log) when a publishing job, the build or Launchpad failed, error when cancelled.
std::vector<store::OutboxMessage> deployment_report(const BuildFacts& facts);

// Nothing while a running build has no job yet (it may still be put back in the queue).
std::vector<store::OutboxMessage> build_report(const BuildFacts& facts);

}  // namespace calico::github
