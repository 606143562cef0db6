// What handlers decide, as plain values the service stores: build requests and change marks.
#pragma once

#include <string>
#include <vector>

#include "handlers/commands/command.hpp"

namespace calico::handlers {

struct BuildRequest {
  enum class Kind { release, nightly, command };
  Kind kind = Kind::release;
  std::string target_repo;   // "calico-3.4", "master"
  std::string version;       // VERSION for the plan: "v3.4.1", "master"
  std::string repository;    // the repository whose event asked for it: "projectcalico/felix"
  std::string trigger;       // human-readable cause: "tag v3.4.1 pushed to projectcalico/felix"
  std::string requested_by;  // GitHub login, empty for automatic triggers
  // The commit on `repository` that asked for it (a pushed tag's commit), or "": a build that
  // fails before any job reports there, having no source commits of its own yet.
  std::string trigger_commit = {};
  // A part of the plan only (STEPS and platforms); empty: everything.
  std::vector<std::string> steps = {};
  std::vector<std::string> platforms = {};
};

// A watched master branch moved: the nightly build is due (watching issue).
struct MasterChanged {
  std::string repository;
  std::string branch;
  std::string sha;
};

// A slash command from a PR comment, to be run by bot/commands (which asks GitHub who may).
struct CommandInvocation {
  std::string repository;  // "owner/name" of the pull request
  long long issue_number = 0;
  long long comment_id = 0;
  std::string author;
  commands::Command command;
};

// A release tag deleted or moved after it appeared: a build it asked for may be pending (then
// withdrawn, or built from where the tag points now) or done from the old commit. Either way the
// commit it concerns gets a visible status (tag_change.hpp says what).
struct TagChange {
  enum class Kind { deleted, moved };
  Kind kind = Kind::deleted;
  std::string repository;   // "owner/name" carrying the tag
  std::string target_repo;  // "calico-3.4"
  std::string version;      // "v3.4.1"
  std::string old_commit;   // what it named ("" when the event does not say: a `delete` event)
  std::string new_commit;   // moved: what it names now
  std::string sender;
};

struct HandlerResult {
  std::vector<BuildRequest> build_requests;
  std::vector<MasterChanged> master_changes;
  std::vector<CommandInvocation> commands;
  std::vector<TagChange> tag_changes;
  // Why nothing happened, or what did: recorded as the delivery's outcome and logged.
  std::vector<std::string> notes;

  bool empty() const { return build_requests.empty() && master_changes.empty() && commands.empty() && tag_changes.empty(); }
  void merge(HandlerResult&& other);
};

std::string_view to_string(BuildRequest::Kind kind);

}  // namespace calico::handlers
