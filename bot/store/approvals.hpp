// Release requests kept until a second person approves them (github.release_approvals = 2): the
// request as it will be queued, the pull request it waits on, and who approved it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bot/store/database.hpp"
#include "handlers/result.hpp"

namespace calico::store {

// A release request waits for a second person (waiting), or has their approval (approved).
enum class ApprovalState { waiting, approved };

struct Approval {
  std::int64_t id = 0;
  std::int64_t command_id = 0;  // the /publish or /retry that asked
  handlers::BuildRequest request;
  std::string head_sha;
  std::string pending_description;
  ApprovalState state = ApprovalState::waiting;
  std::optional<std::string> approved_by;
};

// Keeps the request of `command_id` (once: a second call for the same command changes nothing).
void await_approval(Database& db, std::int64_t command_id, const std::string& repository, std::int64_t issue_number,
                    const handlers::BuildRequest& request, const std::string& head_sha, const std::string& pending_description);

// The oldest request still waiting on the pull request.
std::optional<Approval> waiting_approval(Database& db, const std::string& repository, std::int64_t issue_number);
std::optional<Approval> find_approval(Database& db, std::int64_t id);
// The approval `approval_command_id` gave, if it gave one (run again after a crash).
std::optional<Approval> approval_given_by(Database& db, std::int64_t approval_command_id);

void mark_approved(Database& db, std::int64_t id, const std::string& approver, std::int64_t approval_command_id);

}  // namespace calico::store
