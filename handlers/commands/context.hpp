// What a command's `run` may ask of the service, and what it answers: the interface the service
// implements (bot/commands/service_context) and tests fake, so that commands do no I/O themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "builders/plan.hpp"
#include "config/config.hpp"
#include "handlers/build_state.hpp"
#include "handlers/commands/command.hpp"
#include "handlers/result.hpp"

namespace calico::handlers::commands {

// Where a command was typed, and by whom.
struct Origin {
  std::string repository;  // owner/name of the pull request
  std::int64_t issue_number = 0;
  std::string author;
};

// What running a command says: the reply on the pull request ("" for none) and the outcome kept
// with the command (the log, `status`).
struct Reply {
  std::string text;
  std::string outcome;
};

struct Permission {
  bool allowed = false;
  std::string why;  // "write", "read", "in github.allowed_users", "not a collaborator"…
};

// /publish's target → what to build.
struct ResolvedTarget {
  std::string target_repo;  // "master", "calico-3.4"
  std::string version;      // "master", "v3.4.1"
  std::string error;        // set when it cannot be built: says why
};

// A build as commands see it.
struct BuildBrief {
  std::int64_t id = 0;
  std::string target_repo;
  std::string version;
  BuildState state = BuildState::running;
};

enum class Queued { queued, already_queued };

// A source package one of a plan's Debian jobs would upload, and whether the archive (the
// target's PPA) holds it already — pub_debs then skips it.
struct ArchiveCheck {
  std::string job;      // "felix/xenial"
  std::string source;   // "felix"; empty when not known before building
  std::string version;  // "3.4.1-xenial"
  std::optional<bool> held;  // unset: not known, `why` says why
  std::string why;
  // Held as another version: a later build of the same snapshot (the packaging scripts' nightly).
  std::string held_as = {};
};

// A release request kept until a second person approves it (github.release_approvals = 2).
struct WaitingApproval {
  std::int64_t id = 0;
  BuildRequest request;
  std::string requested_by;
};

// What a command may ask of the service. Methods that read GitHub or a remote throw when they
// cannot be asked: the runner then tries the command again later.
class CommandContext {
 public:
  virtual ~CommandContext() = default;
  virtual const config::Config& config() const = 0;
  virtual const Origin& origin() const = 0;
  // Whether the command's author may change things through `repository` (write or admin there,
  // or listed in github.allowed_users).
  virtual Permission may_write(const std::string& repository) = 0;
  // The target's tag or branch, read from the repositories now.
  virtual ResolvedTarget resolve_target(const std::string& target) = 0;
  // The pull request's head now; "" when GitHub is not configured.
  virtual std::string pull_request_head() = 0;
  // A build by number, or without one the latest this pull request asked for.
  virtual std::optional<BuildBrief> find_build(std::optional<std::int64_t> id) = 0;
  virtual std::optional<BuildBrief> latest_build() = 0;
  // The build's state, jobs and Launchpad publication in a paragraph and a table.
  virtual std::string describe_build(std::int64_t id) = 0;
  // What the build was asked to do (target, version, steps, platforms).
  virtual BuildRequest request_of_build(std::int64_t id) = 0;
  // Queues `request` on behalf of this command, reported on `head` (the pull request's head; ""
  // for none), which gets a pending status saying `pending_description` unless that is empty.
  // Run again for the same command (after a crash) it queues nothing more.
  virtual Queued queue_build(const BuildRequest& request, const std::string& head, const std::string& pending_description) = 0;
  // Keeps `request` (as queue_build would queue it) until another person approves it.
  virtual void await_approval(const BuildRequest& request, const std::string& head, const std::string& pending_description) = 0;
  // The oldest request waiting for approval on this pull request.
  virtual std::optional<WaitingApproval> waiting_approval() = 0;
  // Approves it on behalf of this command's author and queues it as queue_build would have.
  virtual Queued approve(std::int64_t approval_id) = 0;
  // False when the build is not running (or already being cancelled).
  virtual bool cancel_build(std::int64_t id) = 0;
  virtual std::string build_url(std::int64_t id) const = 0;
  virtual std::string status_page_url() const = 0;
  // For each Debian job of `plan`: what it would upload and whether the archive has it. Reads
  // the repositories (mirrors) and the archive; changes nothing there.
  virtual std::vector<ArchiveCheck> check_archive(const builders::Plan& plan) = 0;
};

// Shared reply rules.
std::string mention(const Origin& origin);             // "@login"
std::string quoted_line(const Command& command);       // the line in backquotes
// The repositories a release is published from (those whose vX.Y.Z tags make releases): who
// publishes a release needs write access on each of them, not merely where they typed.
std::vector<std::string> release_repositories(const config::Config& config);
// nullopt when the author may write through every one of `repositories` (the command's own
// first); otherwise the polite refusal naming the first that does not allow it.
std::optional<Reply> refuse_unless_writer(CommandContext& context, const Command& command,
                                          const std::vector<std::string>& repositories);
// The command's own repository and then every release repository (each once).
std::vector<std::string> release_writers(const CommandContext& context);
// Queues a release request, or keeps it for a second approver when github.release_approvals
// asks for one; the reply says which.
Reply queue_release(CommandContext& context, const BuildRequest& request, const std::string& head,
                    const std::string& pending_description, const Reply& queued, const Reply& already_queued);

}  // namespace calico::handlers::commands
