#include "bot/handling/handler_results.hpp"

#include "bot/github/build_report.hpp"
#include "bot/github/messages.hpp"
#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"
#include "handlers/tag_change.hpp"

namespace calico::handling {

namespace {

// Takes back what a deleted tag asked for and has not started, and says what the tag change
// means on the commit it concerns.
std::string apply_tag_change(store::Repositories& data, const handlers::TagChange& change, const std::string& status_page_url) {
  handlers::TagChangeFacts facts;
  const store::ReleaseRequests requests = data.queue().release(change.target_repo, change.version);
  facts.build = requests.latest_build;
  facts.pending = requests.pending;
  facts.trigger_commit = requests.trigger_commit;
  const bool deleted = change.kind == handlers::TagChange::Kind::deleted;
  if (deleted && facts.pending) {
    // Never built: the tag made again is a new release to build.
    facts.withdrawn = data.queue().withdraw_release(change.target_repo, change.version, !facts.build, util::utc_now_iso8601());
  }
  const handlers::TagChangeNotice notice = handlers::describe_tag_change(change, facts);
  if (!notice.commit.empty()) {
    const std::string context = github::status_context(change.target_repo) + "/tag";
    data.outbox().enqueue(github::status_message(change.repository, notice.commit, notice.state, context, notice.description,
                                                 status_page_url + "/",
                                                 "status:" + change.repository + ":" + notice.commit + ":" + context + ":" +
                                                     (deleted ? "deleted" : "moved")));
  }
  log::info("tag.changed", {{"repository", change.repository}, {"version", change.version},
                            {"change", deleted ? "deleted" : "moved"},
                            {"withdrawn", facts.withdrawn}, {"commit", notice.commit}, {"outcome", notice.note}});
  return notice.note;
}

std::string joined_notes(const handlers::HandlerResult& result) {
  std::string notes;
  for (const std::string& note : result.notes) notes += (notes.empty() ? "" : "; ") + note;
  return notes;
}

}  // namespace

std::string expected_outcome(const handlers::HandlerResult& result) {
  std::string notes = joined_notes(result);
  return notes.empty() ? "processed" : notes;
}

std::string apply_handler_result(store::Repositories& data, const handlers::HandlerResult& result,
                                 const std::optional<std::string>& delivery, const std::string& status_page_url) {
  std::string outcome = joined_notes(result);
  for (const handlers::BuildRequest& request : result.build_requests) {
    const store::EnqueueOutcome queued = data.queue().enqueue(request, delivery);
    if (queued == store::EnqueueOutcome::coalesced) {
      outcome += "; " + request.version + " for " + request.target_repo + " was already pending: coalesced";
    } else if (queued == store::EnqueueOutcome::already_triggered) {
      outcome += "; " + request.version + " for " + request.target_repo + " was triggered before";
    }
    log::info("build.requested", {{"source", delivery.value_or("poll")}, {"target", request.target_repo},
                                  {"version", request.version}, {"trigger", request.trigger},
                                  {"queued", queued == store::EnqueueOutcome::queued}});
  }
  for (const handlers::MasterChanged& change : result.master_changes) {
    data.queue().mark_master_changed(change, delivery);
    if (log::enabled(log::Level::info)) {
      log::info("master.changed", {{"source", delivery.value_or("poll")}, {"repository", change.repository}, {"sha", change.sha}});
    }
  }
  for (const handlers::CommandInvocation& invocation : result.commands) {
    const bool recorded = data.commands().record(invocation);
    // Acknowledged at once: the maintainer sees the bot has the command before anything runs.
    if (recorded) data.outbox().enqueue(github::reaction_message(invocation.repository, invocation.comment_id, "eyes"));
    if (!recorded) outcome += "; /" + invocation.command.name + " on line " + std::to_string(invocation.command.line_number) + " was recorded before";
    log::info("command.received", {{"repository", invocation.repository}, {"pr", invocation.issue_number},
                                   {"author", invocation.author}, {"command", invocation.command.name},
                                   {"valid", invocation.command.ok()}, {"new", recorded}});
  }
  for (const handlers::TagChange& change : result.tag_changes) {
    outcome += (outcome.empty() ? "" : "; ") + apply_tag_change(data, change, status_page_url);
  }
  return outcome.empty() ? "processed" : outcome;
}

}  // namespace calico::handling
