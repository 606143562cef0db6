#include "bot/cli/status.hpp"

#include <ostream>

#include "bot/launchpad/publication.hpp"
#include "bot/cli/cli.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"

namespace calico::cli {

namespace {

void print_steps(std::ostream& out, const std::vector<store::BuildJob>& steps, bool all) {
  for (const store::BuildJob& step : steps) {
    if (!all && step.state == builders::pipeline::JobState::succeeded) continue;
    out << "    " << step.job << "  " << builders::pipeline::to_string(step.state) << (step.detail.empty() ? "" : "  " + step.detail) << "\n";
    if (all || step.state != builders::pipeline::JobState::running) out << "      log: " << step.log_path << "\n";
  }
}

std::string progress(const std::vector<store::BuildJob>& steps) {
  int done = 0;
  for (const auto& step : steps) done += step.state == builders::pipeline::JobState::succeeded;
  return std::to_string(done) + " of " + std::to_string(steps.size()) + " jobs done";
}

}  // namespace

int run_cancel(const config::Config& config, std::int64_t build, std::ostream& out, std::ostream& err) {
  try {
    store::Store state(config::with_store_password(config));
    if (!store::stored_repositories(state)->builds().request_cancel(build)) {
      err << "calico-release-bot cancel: build " << build << " is not running\n";
      return kUsage;
    }
    out << "Cancellation of build " << build << " requested; the service stops its jobs within seconds.\n";
    return kOk;
  } catch (const std::exception& e) {
    err << "calico-release-bot cancel: " << e.what() << "\n";
    return kFailure;
  }
}

int run_status(const config::Config& config, std::optional<std::int64_t> build_id, std::ostream& out, std::ostream& err) {
  try {
    store::Store state(config::with_store_password(config));
    const std::unique_ptr<store::Repositories> data = store::stored_repositories(state);
    if (build_id) {
      const auto build = data->builds().find(*build_id);
      if (!build) {
        err << "calico-release-bot status: there is no build " << *build_id << "\n";
        return kUsage;
      }
      const auto steps = data->builds().jobs(*build_id);
      out << "build " << build->id << "  " << build->target_repo << " " << build->version << "  " << handlers::to_string(build->state) << "  ("
          << build->kind << ", started " << build->started_at << (build->finished_at ? ", finished " + *build->finished_at : "")
          << ", " << progress(steps) << ")\n";
      if (!build->detail.empty()) out << "  " << build->detail << "\n";
      const auto watches = data->publications().of_build(*build_id);
      const auto publication = launchpad::build_publication(watches);
      if (publication.total > 0) {
        out << "  Launchpad: " << launchpad::to_string(publication.state) << ", " << publication.progress() << " ("
            << publication.detail << ")\n";
        for (const store::LpWatch& watch : watches) {
          out << "    " << watch.source << " " << watch.version << "  " << launchpad::to_string(watch.state) << "  " << watch.detail << "\n";
        }
      }
      print_steps(out, steps, true);
      return kOk;
    }
    const auto pending = data->queue().in_state(store::RequestState::pending);
    out << "Queue: " << pending.size() << " pending\n";
    for (const auto& row : pending) {
      out << "  request " << row.id << "  " << handlers::to_string(row.request.kind) << "  " << row.request.target_repo << " "
          << row.request.version << "  (" << row.request.trigger << ", " << row.created_at << ")\n";
    }
    const auto running = data->builds().in_state(handlers::BuildState::running);
    out << "Running: " << running.size() << "\n";
    for (const auto& build : running) {
      const auto steps = data->builds().jobs(build.id);
      out << "  build " << build.id << "  " << build.target_repo << " " << build.version << "  started " << build.started_at
          << "  " << progress(steps) << "\n";
      print_steps(out, steps, false);
    }
    const auto recent = data->builds().recent(10);
    out << "Recent builds:\n";
    for (const auto& build : recent) {
      if (build.state == handlers::BuildState::running) continue;
      out << "  build " << build.id << "  " << build.target_repo << " " << build.version << "  " << handlers::to_string(build.state) << "  "
          << build.started_at << (build.detail.empty() ? "" : "  " + build.detail) << "\n";
    }
    const auto backlog = data->outbox().backlog();
    const auto given_up = data->outbox().abandoned(5);
    out << "GitHub outbox: " << backlog << " waiting to be sent\n";
    for (const auto& row : given_up) {
      out << "  given up: " << row.message.dedupe_key << "  (" << row.last_error.value_or("") << ")\n";
    }
    out << "Replicas:\n";
    for (const auto& replica : data->replicas().all()) {
      std::string held;
      for (std::int64_t id : replica.builds) held += (held.empty() ? "" : ", ") + std::to_string(id);
      out << "  " << replica.id << "  " << replica.host << " pid " << replica.pid << "  " << replica.version << "  started "
          << replica.started_at << "  "
          << (replica.stopped_at ? "stopped " + *replica.stopped_at : "last heartbeat " + replica.heartbeat_at)
          << (held.empty() ? "" : "  running build " + held) << "\n";
    }
    const auto recovery = data->recovery().summary();
    out << "Missed deliveries: " << recovery.redeliveries << " asked of GitHub again (" << recovery.redelivered << " received), "
        << recovery.comments << " comments found by re-reading" << (recovery.last_recovered_at ? "; last at " + *recovery.last_recovered_at : "")
        << "\n";
    for (const auto& source : recovery.sources) {
      out << "  " << source.source << "  " << store::to_string(source.method) << "  last pass " << source.last_pass_at
          << (source.last_error ? "  error: " + *source.last_error : "") << "\n";
    }
    return kOk;
  } catch (const std::exception& e) {
    err << "calico-release-bot status: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace calico::cli
