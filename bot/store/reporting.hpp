// What the GitHub reporters read and mark: where a build came from (a /publish on which pull
// request, which head), the commits it used, and the state last reported for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/store/database.hpp"
#include "handlers/build_state.hpp"

namespace calico::store {

// Links a queued request to the command that asked for it and the pull request head to report on.
void attach_command(Database& db, std::int64_t request_id, std::int64_t command_id, const std::string& head_sha);
// The request a command queued, if it queued one.
std::optional<std::int64_t> request_of_command(Database& db, std::int64_t command_id);

struct BuildOrigin {
  std::string trigger;
  std::string requested_by;
  std::optional<std::int64_t> command_id;
  std::string repository;        // the pull request's repository ("" when no command asked)
  std::int64_t issue_number = 0;
  std::string head_sha;          // "" when unknown
  std::int64_t comment_id = 0;   // the comment holding the command (its final reaction goes there)
  std::string request_repository;  // where the request came from (a tag's repository)
  std::string trigger_commit;      // the commit that asked for it there ("" when unknown)
};
BuildOrigin build_origin(Database& db, std::int64_t build_id);

// The newest build a command on this pull request asked for, or the newest build at all.
std::optional<std::int64_t> latest_build_of_pull_request(Database& db, const std::string& repository, std::int64_t issue_number);
std::optional<std::int64_t> latest_build(Database& db);

// A commit a build used (a component job resolved it): owner/name and sha.
void record_build_source(Database& db, std::int64_t build_id, const std::string& repository, const std::string& sha);
std::vector<std::pair<std::string, std::string>> build_sources(Database& db, std::int64_t build_id);
// The build's sources less those the target's previous build used too when that build succeeded
// (the pinned dnsmasq ref of every nightly): their commits already show that success, and GitHub
// allows a commit and context 1000 statuses only. After a failed or cancelled build they are
// reported again (their commits show that failure).
std::vector<std::pair<std::string, std::string>> sources_changed_since_last_success(Database& db, std::int64_t build_id);

// Builds whose state or Launchpad publication changed since they were last reported, and
// running ones (new commits may have been resolved since).
std::vector<std::int64_t> builds_to_report(Database& db);
// `publication`: the Launchpad state reported ("" when there is nothing to watch).
void mark_reported(Database& db, std::int64_t build_id, handlers::BuildState state, const std::string& publication);

}  // namespace calico::store
