#include "bot/status_page/view.hpp"

#include <chrono>

#include "bot/launchpad/publication.hpp"
#include "bot/util/time_format.hpp"

namespace calico::status_page {

namespace {

BuildView view_of(store::Repositories& data, const store::Build& build) {
  BuildView view;
  view.build = build;
  view.origin = data.builds().origin(build.id);
  const auto started = util::parse_iso8601(build.started_at);
  const auto ended = build.finished_at ? util::parse_iso8601(*build.finished_at)
                                       : std::optional(util::system_now());
  if (started && ended) view.duration_seconds = (*ended - *started).count();
  const auto watches = data.publications().of_build(build.id);
  view.publication = launchpad::build_publication(watches);
  std::optional<std::chrono::sys_seconds> last = ended;
  if (view.publication.total > 0) {
    if (!view.publication.settled()) {
      last = util::system_now();
    } else {
      for (const store::LpWatch& watch : watches) {
        const auto finished = watch.finished_at ? util::parse_iso8601(*watch.finished_at) : std::nullopt;
        if (finished && (!last || *finished > *last)) last = finished;
      }
    }
  }
  if (started && last) view.to_published_seconds = (*last - *started).count();
  return view;
}

}  // namespace

Overview overview(store::Repositories& data, int limit) {
  Overview out;
  for (const store::Build& build : data.builds().recent(limit)) out.builds.push_back(view_of(data, build));
  out.queued = data.queue().in_state(store::RequestState::pending);
  out.recovery = data.recovery().summary();
  out.replicas = data.replicas().all();
  return out;
}

std::optional<BuildPage> build_page(store::Repositories& data, std::int64_t id) {
  const auto build = data.builds().find(id);
  if (!build) return std::nullopt;
  BuildPage page;
  page.view = view_of(data, *build);
  page.steps = data.builds().jobs(id);
  page.watches = data.publications().of_build(id);
  page.now = util::utc_now_iso8601();
  return page;
}

bool still_changing(const BuildView& view) {
  if (view.build.state == handlers::BuildState::running) return true;
  return view.build.state == handlers::BuildState::succeeded && !view.publication.settled();
}

}  // namespace calico::status_page
