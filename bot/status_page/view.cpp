#include "bot/status_page/view.hpp"

#include <chrono>

#include "bot/launchpad/publication.hpp"
#include "bot/util/time_format.hpp"

namespace calico::status_page {

namespace {

BuildView view_of(store::Database& db, const store::BuildRow& build) {
  BuildView view;
  view.build = build;
  view.origin = store::build_origin(db, build.id);
  const auto started = util::parse_iso8601(build.started_at);
  const auto ended = build.finished_at ? util::parse_iso8601(*build.finished_at)
                                       : std::optional(util::system_now());
  if (started && ended) view.duration_seconds = (*ended - *started).count();
  const auto watches = store::lp_watches_of_build(db, build.id);
  view.publication = launchpad::build_publication(watches);
  return view;
}

}  // namespace

Overview overview(store::Database& db, int limit) {
  Overview out;
  for (const store::BuildRow& build : store::recent_builds(db, limit)) out.builds.push_back(view_of(db, build));
  out.queued = store::build_requests(db, store::RequestState::pending);
  out.recovery = store::recovery_summary(db);
  out.replicas = store::replicas(db);
  return out;
}

std::optional<BuildPage> build_page(store::Database& db, std::int64_t id) {
  const auto build = store::find_build(db, id);
  if (!build) return std::nullopt;
  BuildPage page;
  page.view = view_of(db, *build);
  page.steps = store::build_jobs(db, id);
  page.watches = store::lp_watches_of_build(db, id);
  return page;
}

bool still_changing(const BuildView& view) {
  if (view.build.state == handlers::BuildState::running) return true;
  return view.build.state == handlers::BuildState::succeeded && !view.publication.settled();
}

}  // namespace calico::status_page
