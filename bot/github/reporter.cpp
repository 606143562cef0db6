#include "bot/github/reporter.hpp"

#include "bot/github/build_report.hpp"
#include "bot/log/log.hpp"

namespace calico::github {

namespace {
constexpr auto kReporterIdleWake = std::chrono::seconds(2);
}

Reporter::Reporter(store::Store& store, const config::Config& config)
    : store_(store), data_(store::stored_repositories(store)), config_(config), worker_("github.report", kReporterIdleWake, [this] {
        if (store_.leads("report")) report_pending();  // one replica reports: the others would only find the messages queued
      }) {}

Reporter::~Reporter() { stop(); }

std::size_t Reporter::report_pending() {
  const std::string status_page = config_.server.status_page_url();
  // Check runs are for GitHub Apps only (a token's POST is refused).
  const bool check_runs = config_.secrets.github_app_private_key.configured() && !config_.secrets.github_token.configured();
  // What a build shows, its messages and the mark that it was reported: one unit of work.
  const std::size_t queued = store_.atomically([&] {
    store::BuildRepository& builds = data_->builds();
    std::size_t count = 0;
    for (const std::int64_t id : builds.to_report()) {
      BuildFacts facts;
      facts.build = *builds.find(id);
      facts.steps = builds.jobs(id);
      facts.origin = builds.origin(id);
      facts.sources = builds.sources_changed_since_last_success(id);
      facts.watches = data_->publications().of_build(id);
      facts.publication = launchpad::build_publication(facts.watches);
      facts.status_page = status_page;
      facts.check_runs = check_runs;
      facts.deployments = config_.github.deployments;
      facts.ppa_owner = config_.publish.ppa_owner;
      facts.rpm_repository_url = config_.github.rpm_repository_url;
      for (const store::OutboxMessage& message : build_report(facts)) count += data_->outbox().enqueue(message);
      builds.mark_reported(id, facts.build.state, publication_key(facts.publication));
    }
    return count;
  });
  if (queued > 0) {
    log::debug("github.reported", {{"messages", queued}});
    if (on_queued_) on_queued_();
  }
  return queued;
}

}  // namespace calico::github
