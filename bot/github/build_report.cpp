#include "bot/github/build_report.hpp"

#include <algorithm>
#include <map>

#include "bot/github/messages.hpp"
#include "builders/publish/promotion.hpp"
#include "builders/steps.hpp"

namespace calico::github {

namespace {

std::size_t jobs_done(const BuildFacts& facts) {
  return static_cast<std::size_t>(std::count_if(facts.steps.begin(), facts.steps.end(),
                                                [](const store::BuildJob& s) { return s.state == builders::pipeline::JobState::succeeded; }));
}

// A watch's state as a table cell.
std::string launchpad_cell(const store::LpWatch& watch) {
  using launchpad::WatchState;
  switch (watch.state) {
    case WatchState::published: return "✅ published";
    case WatchState::superseded: return "⏭ superseded";
    case WatchState::failed: {
      const std::string log = launchpad::failed_build_log(watch);
      return "❌ Launchpad build failed" + (log.empty() ? std::string() : " ([log](" + log + "))");
    }
    case WatchState::rejected: return "❌ not accepted by Launchpad";
    case WatchState::waiting: return "⏳ uploaded, not accepted yet";
    case WatchState::building: break;
  }
  return "⏳ uploaded, building";
}

}  // namespace

Verdict verdict(const BuildFacts& facts) {
  const store::Build& build = facts.build;
  const launchpad::BuildPublication& publication = facts.publication;
  const std::string head = "Build #" + std::to_string(build.id) + " of " + build.version + " → " + build.target_repo;
  const std::string page = build_url(facts.status_page, build.id);
  if (build.state == handlers::BuildState::running) {
    return {"pending", head + ": running (" + std::to_string(jobs_done(facts)) + " jobs done)", page};
  }
  if (build.state == handlers::BuildState::failed) return {"failure", head + ": failed" + (build.detail.empty() ? "" : " — " + build.detail), page};
  if (build.state != handlers::BuildState::succeeded) return {"error", head + ": " + std::string(handlers::to_string(build.state)), page};
  using launchpad::PublicationState;
  switch (publication.state) {
    case PublicationState::nothing_to_watch:
      return {"success", head + ": published (" + std::to_string(jobs_done(facts)) + " jobs)", page};
    case PublicationState::waiting:
      return {"pending", head + ": uploaded; Launchpad " + publication.progress(), page};
    case PublicationState::published:
    case PublicationState::superseded:
      return {"success", head + ": published; Launchpad " + publication.progress(), page};
    case PublicationState::failed:
      return {"failure", head + ": uploaded; Launchpad: " + publication.detail,
              publication.log_url.empty() ? page : publication.log_url};
    case PublicationState::rejected:
      return {"error", head + ": uploaded; Launchpad: " + publication.detail, page};
  }
  return {"error", head, page};
}

std::string publication_key(const launchpad::BuildPublication& publication) {
  if (publication.total == 0) return "";
  return std::string(launchpad::to_string(publication.state)) + "-" + std::to_string(publication.published) + "of" +
         std::to_string(publication.total);
}

std::string status_context(const std::string& target_repo) { return "calico-release-bot/" + target_repo; }

std::string build_url(const std::string& status_page, std::int64_t build_id) {
  return status_page + "/builds/" + std::to_string(build_id);
}

std::string log_url(const std::string& status_page, std::int64_t build_id, const std::string& job) {
  return build_url(status_page, build_id) + "/logs/" + job;
}

std::string summary_table(const BuildFacts& facts) {
  std::map<std::string, const store::BuildJob*> by_job;
  for (const store::BuildJob& step : facts.steps) by_job[step.job] = &step;
  const std::vector<std::string> platforms = store::platforms_of(facts.steps);
  auto failed_cell = [&](const std::string& what, const std::string& job) {
    return "❌ " + what + " ([log](" + log_url(facts.status_page, facts.build.id, job) + "))";
  };
  std::map<std::string, const store::LpWatch*> watch_of_job;
  for (const store::LpWatch& watch : facts.watches) {
    if (!watch.job.empty()) watch_of_job[watch.job] = &watch;
  }
  std::string table = "| component |";
  for (const std::string& platform : platforms) table += " " + platform + " |";
  table += " Launchpad |\n|---|";
  for (std::size_t i = 0; i < platforms.size(); ++i) table += "---|";
  table += "---|\n";
  // Component steps in the order the build ran them.
  for (const std::string& step : store::steps_of(facts.steps)) {
    if (step == builders::kImagesStep || step == builders::kPublishDebsStep || step == builders::kPublishRpmsStep) continue;
    bool any = false;
    int watched = 0;
    int published = 0;
    std::string row = "| " + step + " |";
    for (const std::string& platform : platforms) {
      const std::string job = step + "/" + platform;
      const auto built = by_job.find(job);
      std::string cell = "—";
      if (built != by_job.end()) {
        any = true;
        const store::BuildJob* publish = nullptr;
        for (const char* pub : {"pub_debs/", "pub_rpms/"}) {
          if (auto found = by_job.find(pub + platform); found != by_job.end()) publish = found->second;
        }
        const builders::pipeline::JobState state = built->second->state;
        if (state == builders::pipeline::JobState::failed) {
          cell = failed_cell("failed", job);
        } else if (state != builders::pipeline::JobState::succeeded) {
          cell = "⏭ skipped";
        } else if (!publish) {
          cell = "✅ built";
        } else if (publish->state == builders::pipeline::JobState::succeeded) {
          // A deb upload is published once Launchpad says so; an RPM once pub_rpms succeeded.
          const auto watch = watch_of_job.find(job);
          cell = watch == watch_of_job.end() ? "✅ published" : launchpad_cell(*watch->second);
          if (watch != watch_of_job.end()) {
            ++watched;
            published += watch->second->state == launchpad::WatchState::published;
          }
        } else if (publish->state == builders::pipeline::JobState::failed) {
          cell = failed_cell("publishing failed", publish->job);
        } else {
          cell = "⏭ not published";
        }
      }
      row += " " + cell + " |";
    }
    row += watched ? " " + std::to_string(published) + "/" + std::to_string(watched) + " published |" : " — |";
    if (any) table += row + "\n";
  }
  return table;
}

std::string promotion_notes(const BuildFacts& facts) {
  std::string copied;
  std::string built;
  for (const store::BuildJob& job : facts.steps) {
    const auto outcome = builders::publish::promotion_outcome(job.detail);
    if (!outcome) continue;
    if (outcome->copied) {
      copied += (copied.empty() ? "" : ", ") + ("`" + job.job + "`");
    } else {
      built += "- `" + job.job + "`: " + truncate_characters(outcome->why_not, 300) + "\n";
    }
  }
  std::string notes;
  if (!copied.empty()) notes += "\n**Promoted** (copied with their tested binaries, not built): " + copied + "\n";
  if (!built.empty()) notes += "\n**Not promoted**, built from source:\n" + built;
  return notes;
}

std::vector<store::OutboxMessage> build_report(const BuildFacts& facts) {
  const store::Build& build = facts.build;
  std::vector<store::OutboxMessage> messages;
  // A claimed build whose first job has not started may still go back to the queue (a release
  // waiting for its tags): nothing is said about it until a job runs.
  if (build.state == handlers::BuildState::running && facts.steps.empty()) return messages;
  const Verdict said = verdict(facts);
  const std::string context = status_context(build.target_repo);
  const std::string url = build_url(facts.status_page, build.id);
  const std::string launchpad = publication_key(facts.publication);
  const std::string key_suffix =
      ":build-" + std::to_string(build.id) + ":" + said.state + (launchpad.empty() ? "" : ":" + launchpad);
  // A check run says the same as the status, with room for the matrix.
  CheckRun check;
  if (facts.check_runs) {
    check.name = context;
    check.status = said.state == "pending" ? "in_progress" : "completed";
    check.conclusion = said.state == "success"                          ? "success"
                       : build.state == handlers::BuildState::cancelled ? "cancelled"
                                                                        : "failure";
    check.title = said.description;
    check.summary = said.description + "\n\n" + summary_table(facts) + promotion_notes(facts);
    check.details_url = url;
  }
  auto status = [&](const std::string& repository, const std::string& sha) {
    messages.push_back(status_message(repository, sha, said.state, context, said.description, said.target_url,
                                      "status:" + repository + ":" + sha + ":" + context + key_suffix));
    if (facts.check_runs) messages.push_back(check_run_message(repository, sha, build.id, check));
  };
  for (const auto& [repository, sha] : facts.sources) status(repository, sha);
  for (store::OutboxMessage& message : deployment_report(facts)) messages.push_back(std::move(message));
  const store::BuildOrigin& origin = facts.origin;
  // A build that ended before any job resolved a commit (a release whose tags never all came)
  // has no sources to report on: it says so on the commit that asked for it.
  if (facts.sources.empty() && build.state != handlers::BuildState::running && !origin.trigger_commit.empty() &&
      !origin.request_repository.empty()) {
    status(origin.request_repository, origin.trigger_commit);
  }
  const bool from_pull_request = origin.command_id && !origin.repository.empty() && origin.issue_number > 0;
  if (from_pull_request && !origin.head_sha.empty()) status(origin.repository, origin.head_sha);
  if (!from_pull_request) return messages;

  // One summary comment, edited in place as the build goes: the live matrix and its verdict.
  const std::string who = origin.requested_by.empty() ? "" : "@" + origin.requested_by + " ";
  const std::string title = "build #" + std::to_string(build.id) + " of **" + build.version + "** for `" + build.target_repo + "`";
  const launchpad::BuildPublication& publication = facts.publication;
  const bool succeeded = build.state == handlers::BuildState::succeeded;
  const bool settled = build.state != handlers::BuildState::running && (!succeeded || publication.settled());
  std::size_t finished = 0;
  for (const store::BuildJob& step : facts.steps) {
    finished += step.state != builders::pipeline::JobState::pending && step.state != builders::pipeline::JobState::running;
  }
  const std::string verdict_text =
      build.state == handlers::BuildState::running
          ? "⏳ is running (" + std::to_string(finished) + " of " + std::to_string(facts.steps.size()) + " jobs finished so far)"
      : build.state == handlers::BuildState::cancelled ? "⏹ was cancelled"
      : !succeeded                                      ? "❌ failed"
      : publication.state == launchpad::PublicationState::waiting
          ? "✅ uploaded; waiting for Launchpad to publish (" + publication.progress() + ")"
      : publication.total == 0 ? "✅ published"
      : publication.ok()       ? "🚀 is published on Launchpad (" + publication.progress() + ")"
                               : "❌ did not publish on Launchpad: " + publication.detail;
  std::string body = who + title + " " + verdict_text + ". " + url + "\n\n" + summary_table(facts) + promotion_notes(facts);
  if (build.state == handlers::BuildState::failed && !build.detail.empty()) body += "\n" + truncate_characters(build.detail, 1000) + "\n";
  messages.push_back(summary_message(origin.repository, origin.issue_number, build.id, body));
  // The last word on the command itself: 🚀 once everything is published, 😕 otherwise.
  if (settled && origin.comment_id > 0) {
    messages.push_back(reaction_message(origin.repository, origin.comment_id, succeeded && publication.ok() ? "rocket" : "confused"));
  }
  return messages;
}

std::vector<store::OutboxMessage> deployment_report(const BuildFacts& facts) {
  std::vector<store::OutboxMessage> messages;
  if (!facts.deployments) return messages;
  const store::Build& build = facts.build;
  const store::BuildOrigin& origin = facts.origin;
  std::string repository, sha;
  if (!origin.request_repository.empty() && !origin.trigger_commit.empty()) {
    repository = origin.request_repository;
    sha = origin.trigger_commit;
  } else if (!origin.repository.empty() && !origin.head_sha.empty()) {
    repository = origin.repository;
    sha = origin.head_sha;
  } else if (!facts.sources.empty()) {
    repository = facts.sources.front().first;
    sha = facts.sources.front().second;
  }
  if (repository.empty() || sha.empty()) return messages;
  const std::string page = build_url(facts.status_page, build.id);
  for (const bool debs : {true, false}) {
    const std::string prefix = debs ? "pub_debs/" : "pub_rpms/";
    std::vector<const store::BuildJob*> jobs;
    for (const store::BuildJob& step : facts.steps) {
      if (step.job.starts_with(prefix)) jobs.push_back(&step);
    }
    if (jobs.empty()) continue;  // this build publishes no such packages
    DeploymentState state;
    state.environment = debs ? "ppa:" + facts.ppa_owner + "/" + build.target_repo : "rpm:" + build.target_repo;
    const std::string live = debs ? "https://launchpad.net/~" + facts.ppa_owner + "/+archive/ubuntu/" + build.target_repo
                                  : facts.rpm_repository_url.empty() ? "" : facts.rpm_repository_url + "/" + build.target_repo;
    state.log_url = page;
    const store::BuildJob* failed = nullptr;
    bool all_done = true;
    for (const store::BuildJob* job : jobs) {
      if (job->state == builders::pipeline::JobState::failed && !failed) failed = job;
      all_done = all_done && job->state == builders::pipeline::JobState::succeeded;
    }
    const launchpad::BuildPublication& publication = facts.publication;
    if (failed) {
      state.state = "failure";
      state.description = failed->job + " failed";
      state.log_url = log_url(facts.status_page, build.id, failed->job);
    } else if (build.state == handlers::BuildState::cancelled) {
      state.state = "error";
      state.description = "the build was cancelled";
    } else if (build.state == handlers::BuildState::running) {
      state.state = "in_progress";
      state.description = debs ? "building and uploading" : "building and copying to the RPM repository";
    } else if (!all_done) {
      state.state = "failure";
      state.description = "not published: the build failed";
    } else if (debs && publication.state == launchpad::PublicationState::waiting) {
      state.state = "in_progress";
      state.description = "uploaded; Launchpad " + publication.progress();
    } else if (debs && !publication.ok()) {
      state.state = "failure";
      state.description = "Launchpad: " + publication.detail;
      if (!publication.log_url.empty()) state.log_url = publication.log_url;
    } else {
      state.state = "success";
      state.description = debs && publication.total > 0 ? "published on Launchpad (" + publication.progress() + ")" : "published";
      state.environment_url = live;
    }
    messages.push_back(deployment_message(repository, sha, build.id, state));
  }
  return messages;
}

std::string describe_build(const BuildFacts& facts) {
  std::map<std::string, int> counts;
  for (const store::BuildJob& step : facts.steps) ++counts[std::string(builders::pipeline::to_string(step.state))];
  std::string jobs;
  for (const auto& [state, count] : counts) jobs += (jobs.empty() ? "" : ", ") + std::to_string(count) + " " + state;
  const store::Build& build = facts.build;
  std::string text = "build #" + std::to_string(build.id) + " of **" + build.version + "** for `" + build.target_repo +
                     "` is **" + std::string(handlers::to_string(build.state)) + "** (started " + build.started_at +
                     (build.finished_at ? ", finished " + *build.finished_at : "") + "). Jobs: " +
                     (jobs.empty() ? "none yet" : jobs) + ". Launchpad: " +
                     (facts.publication.total == 0 ? std::string("nothing uploaded to watch")
                                                   : std::string(launchpad::to_string(facts.publication.state)) + ", " +
                                                         facts.publication.progress()) +
                     ". " + build_url(facts.status_page, build.id);
  if (!facts.steps.empty()) text += "\n\n" + summary_table(facts);
  return text;
}

}  // namespace calico::github
