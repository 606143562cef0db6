#include "bot/commands/service_context.hpp"

#include "bot/launchpad/client.hpp"
#include "bot/pipeline_environment.hpp"
#include "builders/pipeline/preview.hpp"

#include <map>
#include <regex>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bot/github/build_report.hpp"
#include "bot/github/messages.hpp"
#include "bot/launchpad/publication.hpp"
#include "bot/store/repositories.hpp"

namespace calico::commands {

namespace cmd = handlers::commands;

namespace {

std::optional<cmd::BuildBrief> brief(store::BuildRepository& builds, std::optional<std::int64_t> id) {
  if (!id) return std::nullopt;
  const std::optional<store::Build> build = builds.find(*id);
  if (!build) return std::nullopt;
  return cmd::BuildBrief{build->id, build->target_repo, build->version, build->state};
}

}  // namespace

ServiceContext::ServiceContext(store::Store& store, const config::Config& config, github::Client* github,
                               github::PermissionChecker& permissions, const RefLister& list_refs,
                               const store::RecordedCommand& command)
    : store_(store),
      data_(store::stored_repositories(store)),
      config_(config),
      github_(github),
      permissions_(permissions),
      list_refs_(list_refs),
      command_id_(command.id),
      origin_{command.invocation.repository, command.invocation.issue_number, command.invocation.author} {}

cmd::Permission ServiceContext::may_write(const std::string& repository) {
  const github::Permission permission = permissions_.may_write(repository, origin_.author);
  return {permission.allowed, permission.why};
}

cmd::ResolvedTarget ServiceContext::resolve_target(const std::string& target) {
  return commands::resolve_target(target, config_, list_refs_);
}

std::string ServiceContext::pull_request_head() {
  if (!github_) return {};
  const http::ClientResponse response =
      github_->call("GET", "/repos/" + origin_.repository + "/pulls/" + std::to_string(origin_.issue_number));
  if (response.status != 200) {
    throw std::runtime_error("GitHub answered HTTP " + std::to_string(response.status) + " for pull request " +
                             origin_.repository + "#" + std::to_string(origin_.issue_number));
  }
  const boost::json::value parsed = boost::json::parse(response.body);
  std::string sha(parsed.at("head").at("sha").as_string());
  static const std::regex sha_shape("[0-9a-f]{40}");
  if (!std::regex_match(sha, sha_shape)) throw std::runtime_error("pull request head \"" + sha.substr(0, 50) + "\" is not a sha");
  return sha;
}

std::optional<cmd::BuildBrief> ServiceContext::find_build(std::optional<std::int64_t> id) {
  store::BuildRepository& builds = data_->builds();
  return brief(builds, id ? id : builds.latest_of_pull_request(origin_.repository, origin_.issue_number));
}

std::optional<cmd::BuildBrief> ServiceContext::latest_build() { return brief(data_->builds(), data_->builds().latest()); }

std::string ServiceContext::describe_build(std::int64_t id) {
  const std::string status_page = status_page_url();
  return store_.atomically([&] {
    github::BuildFacts facts;
    facts.build = *data_->builds().find(id);
    facts.steps = data_->builds().jobs(id);
    facts.watches = data_->publications().of_build(id);
    facts.publication = launchpad::build_publication(facts.watches);
    facts.status_page = status_page;
    return github::describe_build(facts);
  });
}

handlers::BuildRequest ServiceContext::request_of_build(std::int64_t id) {
  return store_.atomically([&] { return data_->queue().request(data_->builds().find(id)->request_id); });
}

cmd::Queued ServiceContext::queue(const handlers::BuildRequest& request, std::int64_t command_id, const std::string& head,
                                  const std::string& pending) {
  std::int64_t request_id = 0;
  if (data_->queue().enqueue(request, std::nullopt, &request_id) != store::EnqueueOutcome::queued) {
    return cmd::Queued::already_queued;
  }
  data_->builds().attach_command(request_id, command_id, head);
  if (!head.empty() && !pending.empty()) {
    const std::string context = github::status_context(request.target_repo);
    data_->outbox().enqueue(github::status_message(origin_.repository, head, "pending", context, pending, status_page_url() + "/",
                                                   "status:" + origin_.repository + ":" + head + ":" + context + ":request-" +
                                                       std::to_string(request_id) + ":queued"));
  }
  return cmd::Queued::queued;
}

cmd::Queued ServiceContext::queue_build(const handlers::BuildRequest& request, const std::string& head,
                                        const std::string& pending_description) {
  return store_.atomically([&] {
    // Run again after a crash between queueing and answering: what it queued then stands.
    if (data_->builds().request_of_command(command_id_)) return cmd::Queued::queued;
    return queue(request, command_id_, head, pending_description);
  });
}

void ServiceContext::await_approval(const handlers::BuildRequest& request, const std::string& head,
                                    const std::string& pending_description) {
  data_->commands().await_approval(command_id_, origin_.repository, origin_.issue_number, request, head, pending_description);
}

std::optional<cmd::WaitingApproval> ServiceContext::waiting_approval() {
  return store_.atomically([&]() -> std::optional<cmd::WaitingApproval> {
    // Run again after a crash: the approval this command gave is still the one it answers.
    auto approval = data_->commands().approval_given_by(command_id_);
    if (!approval) approval = data_->commands().waiting_approval(origin_.repository, origin_.issue_number);
    if (!approval) return std::nullopt;
    return cmd::WaitingApproval{approval->id, approval->request, approval->request.requested_by};
  });
}

cmd::Queued ServiceContext::approve(std::int64_t approval_id) {
  return store_.atomically([&] {
    store::CommandRepository& commands = data_->commands();
    if (commands.approval_given_by(command_id_)) return cmd::Queued::queued;
    const std::optional<store::Approval> approval = commands.find_approval(approval_id);
    if (!approval) throw std::runtime_error("approval " + std::to_string(approval_id) + " is unknown");
    commands.approve(approval_id, origin_.author, command_id_);
    // Reported where it was asked for: the requester's command and head.
    return queue(approval->request, approval->command_id, approval->head_sha, approval->pending_description);
  });
}

bool ServiceContext::cancel_build(std::int64_t id) { return data_->builds().request_cancel(id); }

std::string ServiceContext::build_url(std::int64_t id) const { return github::build_url(status_page_url(), id); }

std::string ServiceContext::status_page_url() const { return config_.server.status_page_url(); }

std::vector<cmd::ArchiveCheck> ServiceContext::check_archive(const builders::Plan& plan) {
  http::Client launchpad_http(launchpad::client_settings(config_.launchpad));
  launchpad::Client launchpad(config_.launchpad.api_root, launchpad_http);
  const std::unique_ptr<builders::publish::SourceArchive> archive = make_source_archive(config_, plan.repo_name, launchpad);
  std::vector<cmd::ArchiveCheck> checks;
  std::string unreachable;  // once the archive cannot be asked, the rest is not asked either
  for (const builders::pipeline::PlannedSource& planned : builders::pipeline::preview_sources(plan, config_)) {
    cmd::ArchiveCheck check{planned.job, planned.source, planned.version, std::nullopt, planned.unknown};
    if (check.why.empty() && !unreachable.empty()) check.why = unreachable;
    if (check.why.empty()) {
      try {
        check.held = archive->has_source(planned.source, planned.version);
        if (!*check.held) {
          if (const std::optional<std::string> later = archive->later_build_of(planned.source, planned.version)) {
            check.held = true;
            check.held_as = *later;
          }
        }
      } catch (const std::exception& e) {
        check.why = unreachable = std::string("could not ask the archive: ") + e.what();
      }
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

}  // namespace calico::commands
