#include "bot/store/handler_results.hpp"

#include "bot/log/log.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/commands.hpp"

namespace calico::store {

std::string apply_handler_result(Database& db, const handlers::HandlerResult& result,
                                 const std::optional<std::string>& delivery) {
  std::string outcome;
  for (const std::string& note : result.notes) outcome += (outcome.empty() ? "" : "; ") + note;
  for (const handlers::BuildRequest& request : result.build_requests) {
    const EnqueueOutcome queued = enqueue_build_request(db, request, delivery);
    if (queued == EnqueueOutcome::coalesced) {
      outcome += "; " + request.version + " for " + request.target_repo + " was already pending: coalesced";
    } else if (queued == EnqueueOutcome::already_triggered) {
      outcome += "; " + request.version + " for " + request.target_repo + " was triggered before";
    }
    log::info("build.requested", {{"source", delivery.value_or("poll")}, {"target", request.target_repo},
                                  {"version", request.version}, {"trigger", request.trigger},
                                  {"queued", queued == EnqueueOutcome::queued}});
  }
  for (const handlers::MasterChanged& change : result.master_changes) {
    mark_master_changed(db, change, delivery);
    log::info("master.changed", {{"source", delivery.value_or("poll")}, {"repository", change.repository}, {"sha", change.sha}});
  }
  for (const handlers::CommandInvocation& invocation : result.commands) {
    const bool recorded = record_command(db, invocation);
    if (!recorded) outcome += "; /" + invocation.command.name + " on line " + std::to_string(invocation.command.line_number) + " was recorded before";
    log::info("command.received", {{"repository", invocation.repository}, {"pr", invocation.issue_number},
                                   {"author", invocation.author}, {"command", invocation.command.name},
                                   {"valid", invocation.command.ok()}, {"new", recorded}});
  }
  return outcome.empty() ? "processed" : outcome;
}

}  // namespace calico::store
