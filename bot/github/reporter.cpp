#include "bot/github/reporter.hpp"

#include "bot/github/build_report.hpp"
#include "bot/log/log.hpp"

namespace calico::github {

namespace {
constexpr auto kIdleWake = std::chrono::seconds(2);
}

Reporter::Reporter(store::Store& store, const config::Config& config)
    : store_(store), config_(config), worker_("github.report", kIdleWake, [this] { report_pending(); }) {}

Reporter::~Reporter() { stop(); }

std::size_t Reporter::report_pending() {
  const std::string status_page = config_.server.status_page_url();
  // Check runs are for GitHub Apps only (a token's POST is refused).
  const bool check_runs = config_.secrets.github_app_private_key.configured() && !config_.secrets.github_token.configured();
  const std::size_t queued = store_.call([&](store::Database& db) {
    std::size_t count = 0;
    for (const std::int64_t id : store::builds_to_report(db)) {
      BuildFacts facts;
      facts.build = *store::find_build(db, id);
      facts.steps = store::build_jobs(db, id);
      facts.origin = store::build_origin(db, id);
      facts.sources = store::sources_changed_since_last_success(db, id);
      facts.watches = store::lp_watches_of_build(db, id);
      facts.publication = launchpad::build_publication(facts.watches);
      facts.status_page = status_page;
      facts.check_runs = check_runs;
      for (const store::OutboxMessage& message : build_report(facts)) count += store::enqueue_outbox(db, message);
      store::mark_reported(db, id, facts.build.state, publication_key(facts.publication));
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
