// The build queue and the master-changed marks that handlers produce. The dispatcher (watching
// issue) takes requests from here; this file only records and reads them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/database.hpp"
#include "handlers/result.hpp"

namespace calico::store {

enum class EnqueueOutcome { queued, coalesced, already_triggered };

// A request waits (pending), became a build (started), or was taken back before it started
// (cancelled: its tag was deleted).
enum class RequestState { pending, started, cancelled };
std::string_view to_string(RequestState state);

// Queues the request, unless one for the same target and version is already pending, or (for an
// automatic release request) that release was triggered before: a tag seen by a webhook and by a
// poll, or both pushed and created, builds once. Commands (/publish) may always queue again.
// `queued_id`, when given, receives a queued request's id.
EnqueueOutcome enqueue_build_request(Database& db, const handlers::BuildRequest& request,
                                     const std::optional<std::string>& delivery, std::int64_t* queued_id = nullptr);

struct QueuedBuildRequest {
  std::int64_t id = 0;
  handlers::BuildRequest request;
  RequestState state = RequestState::pending;
  std::optional<std::string> delivery;
  std::string created_at;
};

std::vector<QueuedBuildRequest> build_requests(Database& db, RequestState state);

// The request a build was made from (its steps and platforms say which part of the plan it runs).
handlers::BuildRequest request_of_build(Database& db, std::int64_t request_id);

// "a,b" ↔ {"a", "b"}, as steps and platforms are stored.
std::string join(const std::vector<std::string>& items);
std::vector<std::string> split(const std::string& text);
std::int64_t pending_build_requests(Database& db);

// Remembers the newest sha seen on a watched master branch.
void mark_master_changed(Database& db, const handlers::MasterChanged& change,
                         const std::optional<std::string>& delivery);

struct MasterChangeMark {
  handlers::MasterChanged change;
  std::string changed_at;
};
std::vector<MasterChangeMark> master_changes(Database& db);

}  // namespace calico::store
