#include "bot/github/build_report.hpp"

#include <algorithm>
#include <map>

#include "bot/github/messages.hpp"
#include "builders/steps.hpp"

namespace calico::github {

namespace {

std::string description(const BuildFacts& facts) {
  const store::BuildRow& build = facts.build;
  const std::size_t done = static_cast<std::size_t>(std::count_if(
      facts.steps.begin(), facts.steps.end(), [](const store::StepRow& s) { return s.state == "succeeded"; }));
  const std::string head = "Build #" + std::to_string(build.id) + " of " + build.version + " → " + build.target_repo;
  if (build.state == "running") return head + ": running";
  if (build.state == "succeeded") return head + ": published (" + std::to_string(done) + " jobs)";
  if (build.state == "cancelled") return head + ": cancelled";
  return head + ": failed" + (build.detail.empty() ? "" : " — " + build.detail);
}

}  // namespace

std::string status_state(const std::string& build_state) {
  if (build_state == "running") return "pending";
  if (build_state == "succeeded") return "success";
  if (build_state == "failed") return "failure";
  return "error";
}

std::string status_context(const std::string& target_repo) { return "calico-release-bot/" + target_repo; }

std::string build_url(const std::string& status_page, std::int64_t build_id) {
  return status_page + "/builds/" + std::to_string(build_id);
}

std::string log_url(const std::string& status_page, std::int64_t build_id, const std::string& job) {
  return build_url(status_page, build_id) + "/logs/" + job;
}

std::string summary_table(const BuildFacts& facts) {
  std::map<std::string, const store::StepRow*> by_job;
  for (const store::StepRow& step : facts.steps) by_job[step.job] = &step;
  const std::vector<std::string> platforms = store::platforms_of(facts.steps);
  auto failed_cell = [&](const std::string& what, const std::string& job) {
    return "❌ " + what + " ([log](" + log_url(facts.status_page, facts.build.id, job) + "))";
  };
  std::string table = "| component |";
  for (const std::string& platform : platforms) table += " " + platform + " |";
  table += "\n|---|";
  for (std::size_t i = 0; i < platforms.size(); ++i) table += "---|";
  table += "\n";
  // Component steps in the order the build ran them.
  for (const std::string& step : store::steps_of(facts.steps)) {
    if (step == builders::kImagesStep || step == builders::kPublishDebsStep || step == builders::kPublishRpmsStep) continue;
    bool any = false;
    std::string row = "| " + step + " |";
    for (const std::string& platform : platforms) {
      const std::string job = step + "/" + platform;
      const auto built = by_job.find(job);
      std::string cell = "—";
      if (built != by_job.end()) {
        any = true;
        const store::StepRow* publish = nullptr;
        for (const char* pub : {"pub_debs/", "pub_rpms/"}) {
          if (auto found = by_job.find(pub + platform); found != by_job.end()) publish = found->second;
        }
        const std::string& state = built->second->state;
        if (state == "failed") {
          cell = failed_cell("failed", job);
        } else if (state != "succeeded") {
          cell = "⏭ skipped";
        } else if (!publish) {
          cell = "✅ built";
        } else if (publish->state == "succeeded") {
          cell = "✅ published";
        } else if (publish->state == "failed") {
          cell = failed_cell("publishing failed", publish->job);
        } else {
          cell = "⏭ not published";
        }
      }
      row += " " + cell + " |";
    }
    if (any) table += row + "\n";
  }
  return table;
}

std::vector<store::OutboxMessage> build_report(const BuildFacts& facts) {
  const store::BuildRow& build = facts.build;
  std::vector<store::OutboxMessage> messages;
  // A claimed build whose first job has not started may still go back to the queue (a release
  // waiting for its tags): nothing is said about it until a job runs.
  if (build.state == "running" && facts.steps.empty()) return messages;
  const std::string state = status_state(build.state);
  const std::string context = status_context(build.target_repo);
  const std::string url = build_url(facts.status_page, build.id);
  const std::string text = description(facts);
  auto status = [&](const std::string& repository, const std::string& sha) {
    messages.push_back(status_message(repository, sha, state, context, text, url,
                                      "status:" + repository + ":" + sha + ":" + context + ":build-" +
                                          std::to_string(build.id) + ":" + state));
  };
  for (const auto& [repository, sha] : facts.sources) status(repository, sha);
  const store::BuildOrigin& origin = facts.origin;
  const bool from_pull_request = origin.command_id && !origin.repository.empty() && origin.issue_number > 0;
  if (from_pull_request && !origin.head_sha.empty()) status(origin.repository, origin.head_sha);
  if (!from_pull_request) return messages;

  const std::string who = origin.requested_by.empty() ? "" : "@" + origin.requested_by + " ";
  const std::string title = "build #" + std::to_string(build.id) + " of **" + build.version + "** for `" + build.target_repo + "`";
  messages.push_back(comment_message(origin.repository, origin.issue_number,
                                     who + title + " has started: " + url,
                                     "comment:build-" + std::to_string(build.id) + ":started"));
  if (build.state != "running") {
    const std::string verdict = build.state == "succeeded" ? "✅ published"
                                : build.state == "cancelled" ? "⏹ was cancelled"
                                                             : "❌ failed";
    std::string body = who + title + " " + verdict + ". " + url + "\n\n" + summary_table(facts);
    if (build.state == "failed" && !build.detail.empty()) body += "\n" + truncate_characters(build.detail, 1000) + "\n";
    messages.push_back(comment_message(origin.repository, origin.issue_number, body,
                                       "comment:build-" + std::to_string(build.id) + ":finished"));
  }
  return messages;
}

}  // namespace calico::github
