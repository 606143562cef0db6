#include "bot/cli/publish.hpp"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <memory>
#include <mutex>
#include <ostream>
#include <regex>
#include <set>
#include <stdexcept>

#include "bot/cli/cli.hpp"
#include "bot/pipeline_environment.hpp"
#include "bot/preflight.hpp"
#include "bot/launchpad/watcher.hpp"
#include "bot/cli/lp_wait.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/time_format.hpp"
#include "builders/pipeline/procedure.hpp"
#include "builders/pipeline/runner.hpp"
#include "builders/plan.hpp"
#include "builders/publish/rpm_host.hpp"
#include "config/error.hpp"

namespace calico::cli {

namespace {

using builders::pipeline::JobReport;
using builders::pipeline::JobState;

// What a promotion without a Launchpad OAuth token copies (said by the dry run and the run alike).
constexpr const char* kRpmsOnly = " (RPMs only: no Launchpad OAuth token to copy source packages with)";

std::optional<std::string> setting(const PublishOptions& options, const std::string& name) {
  if (auto it = options.values.find(name); it != options.values.end()) return it->second;
  if (const char* value = std::getenv(name.c_str()); value && *value) return std::string(value);
  return std::nullopt;
}

std::string seconds(std::chrono::milliseconds elapsed) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << elapsed.count() / 1000.0 << "s";
  return out.str();
}

// Prints each job as it starts and ends, with its log.
class ProgressPrinter : public builders::pipeline::Observer {
 public:
  explicit ProgressPrinter(std::ostream& out) : out_(out), started_(std::chrono::steady_clock::now()) {}

  void job_started(const builders::Job& job, const std::filesystem::path& log) override {
    std::lock_guard lock(mutex_);
    out_ << stamp() << "started  " << job.id << "  (log " << log.string() << ")\n" << std::flush;
  }

  void job_finished(const builders::Job& job, const JobReport& report) override {
    std::lock_guard lock(mutex_);
    const char* word = report.state == JobState::succeeded ? "done     " : report.state == JobState::skipped ? "skipped  " : "FAILED   ";
    out_ << stamp() << word << job.id << "  " << seconds(report.elapsed) << "  " << report.detail << "\n" << std::flush;
  }

 private:
  std::string stamp() const {
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count();
    std::ostringstream out;
    out << "[" << std::setw(2) << std::setfill('0') << elapsed / 60 << ":" << std::setw(2) << elapsed % 60 << "] ";
    return out.str();
  }

  std::ostream& out_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point started_;
};

std::string run_directory_name(const std::string& version) {
  std::string stamp = util::utc_now_iso8601();
  for (char& c : stamp) {
    if (c == ':' || c == '.') c = '-';
  }
  return stamp + "-" + version;
}

}  // namespace

int run_publish(const config::Config& config, const PublishOptions& options, std::ostream& out, std::ostream& err) {
  builders::PublishRequest request;
  // As make release-publish: VERSION defaults to master (the nightly packages).
  request.version = setting(options, "VERSION").value_or("master");
  request.repo_name = setting(options, "REPO_NAME");
  // Each component's variables: <VARIABLE>_REPO and <VARIABLE>_CHECKOUT for those that follow
  // VERSION (FELIX_REPO, NETWORKING_CALICO_CHECKOUT, …), PACKAGE_<VARIABLE>=true for those built
  // only on request (PACKAGE_ETCD3GW).
  std::vector<std::string> variables;  // every component variable there is: what a component flag may name
  for (const config::ComponentConfig& component : config.publish.components) {
    if (component.source_kind == config::SourceKind::version) {
      variables.insert(variables.end(), {component.variable + "_REPO", component.variable + "_CHECKOUT"});
      if (auto repo = setting(options, component.variable + "_REPO")) request.repos[component.name] = *repo;
      if (auto checkout = setting(options, component.variable + "_CHECKOUT")) request.checkouts[component.name] = *checkout;
    }
    variables.push_back("PACKAGE_" + component.variable);
    if (auto package = setting(options, "PACKAGE_" + component.variable)) {
      if (*package == "true") {
        request.enable.push_back(component.name);
      } else if (*package != "false") {
        err << "calico-release-bot publish: PACKAGE_" << component.variable << " must be true or false, got \""
            << package->substr(0, 40) << "\"\n";
        return kUsage;
      }
    }
  }
  for (const auto& [variable, flag] : options.component_flags) {
    if (std::find(variables.begin(), variables.end(), variable) != variables.end()) continue;
    std::string known;
    for (const std::string& name : variables) known += (known.empty() ? "" : ", ") + name;
    const std::string where = config.source.empty() ? "the built-in defaults" : config.source.string();
    err << "calico-release-bot publish: " << flag << ": no component in " << where << " (publish.components) has " << variable
        << (variable.starts_with("PACKAGE_") ? "" : " (only components that follow VERSION have _REPO and _CHECKOUT)")
        << "; known: " << (known.empty() ? "none" : known) << "\n";
    return kUsage;
  }
  if (auto steps = setting(options, "STEPS")) request.steps = builders::split_list(*steps);
  if (auto platforms = setting(options, "PLATFORMS")) request.platforms = builders::split_list(*platforms);
  EnvironmentOverrides overrides{setting(options, "SECRET_KEY"), setting(options, "RPM_SECRET_KEY"), setting(options, "HOST"),
                                 setting(options, "GCLOUD_ARGS")};
  // Given as a flag, even empty ("--promote-from ''": build everything from source).
  if (auto it = options.values.find("PROMOTE_FROM"); it != options.values.end()) {
    overrides.promote_from = it->second;
  } else {
    overrides.promote_from = setting(options, "PROMOTE_FROM");
  }
  try {
    make_rpm_host(config.publish, overrides.host, overrides.gcloud_args);  // refuse a bad HOST before planning
  } catch (const EnvironmentError& e) {
    err << "calico-release-bot publish: " << e.what() << "\n";
    return kUsage;
  }

  builders::Plan plan;
  try {
    plan = builders::make_plan(request, config);
  } catch (const builders::PlanError& e) {
    err << "calico-release-bot publish: " << e.what() << "\n";
    return kUsage;
  }
  if (options.dry_run) {
    std::string promote_from;
    try {
      promote_from = promotion_source_of(config, plan, overrides);
    } catch (const EnvironmentError& e) {
      err << "calico-release-bot publish: " << e.what() << "\n";
      return kUsage;
    }
    out << plan.describe();
    if (!promote_from.empty()) {
      out << "Would promote from " << promote_from << ": each package " << promote_from
          << " has published under the same version is copied, the others built"
          << (copies_source_packages(config, plan) ? "" : kRpmsOnly) << "\n";
    }
    return kOk;
  }

  PipelineEnvironment environment;
  try {
    environment = make_pipeline_environment(config, plan, overrides);
  } catch (const EnvironmentError& e) {
    err << "calico-release-bot publish: " << e.what() << "\n";
    return e.usage ? kUsage : kBadConfig;
  }
  // What check-config and serve refuse at start (bot/preflight.cpp), asked of the rpm platforms
  // this plan builds: publish has no start of its own to refuse at, and would otherwise build those
  // RPMs with this host's compiler, headers and python.
  if (environment.executor->builds_on_host()) {
    config::PublishConfig built = config.publish;
    std::erase_if(built.platforms, [&](const config::PlatformConfig& platform) {
      return std::none_of(plan.jobs.begin(), plan.jobs.end(),
                          [&](const builders::Job& job) { return job.source && job.platform == platform.name; });
    });
    if (const std::string problems = platforms_this_host_cannot_build(config, built, environment.executor->name()); !problems.empty()) {
      err << "calico-release-bot publish: " << problems << "\n";
      return kBadConfig;
    }
  }
  const std::filesystem::path run_dir = config.publish.work_dir / run_directory_name(plan.version);

  out << "Publishing VERSION=" << plan.version << " to " << plan.repo_name << ": " << plan.jobs.size() << " jobs, "
      << config.publish.parallel_jobs << " at a time, in " << run_dir.string() << "\n";
  builders::pipeline::Procedure procedure(config, plan, run_dir, *environment.executor, environment.keyring.get(),
                                          environment.archive.get(), *environment.rpm_host, config.publish.rpm_root.string());
  procedure.sign_rpms_with(environment.rpm_keyring.get());
  procedure.promote_from(environment.promote_from, environment.promotion.get());
  if (!environment.promote_from.empty()) {
    out << "Promoting from " << environment.promote_from << ": what it has published under the same version is copied, not built"
        << (environment.promotion ? "" : kRpmsOnly) << "\n";
  }
  // Uploads that Launchpad (or a stand-in serving its API) builds are watched until published:
  // the service's watcher follows them; `calico-release-bot lp-wait` can too.
  std::unique_ptr<store::Store> state;
  std::unique_ptr<launchpad::Watcher> watcher;
  std::mutex watched_mutex;
  std::set<std::int64_t> watched;  // this run's uploads (pub_debs jobs run in parallel)
  if (watches_uploads(config)) {
    try {
      state = std::make_unique<store::Store>(config::with_store_password(config));
      watcher = std::make_unique<launchpad::Watcher>(
          *state, *environment.launchpad,
          launchpad::watcher_settings(config.launchpad));
      // Sent now or found already in the archive: either way this run waits for it.
      const auto watch = [&](const builders::pipeline::Procedure::Upload& upload) {
        const std::int64_t id =
            watcher->watch(config.publish.ppa_owner, plan.repo_name, upload.source, upload.version, upload.series, true);
        std::lock_guard lock(watched_mutex);
        watched.insert(id);
      };
      procedure.on_uploaded(watch);
      procedure.on_in_archive(watch);
    } catch (const std::exception& e) {
      err << "calico-release-bot publish: cannot open the store: " << e.what() << "\n";
      return kFailure;
    }
  }
  if (const std::vector<std::string> missing = procedure.unresolved_sources(); !missing.empty()) {
    err << "calico-release-bot publish: VERSION=" << plan.version << " cannot be built: " << missing.size() << " source"
        << (missing.size() == 1 ? "" : "s") << " not found (nothing was built):\n";
    for (const std::string& line : missing) err << "  " << line << "\n";
    return kPublishFailed;
  }
  ProgressPrinter printer(out);
  builders::exec::CancelToken cancel;
  const builders::pipeline::RunResult result =
      builders::pipeline::run_plan(plan, config.publish.parallel_jobs, procedure, printer, run_dir / "logs", cancel);

  int succeeded = 0;
  for (const JobReport& report : result.jobs) succeeded += report.state == JobState::succeeded;
  if (result.ok()) {
    if (watched.empty()) {
      out << "Published " << plan.version << " to " << plan.repo_name << ": all " << succeeded << " jobs succeeded.\n";
      return kOk;
    }
    // A source upload is only half of publishing: Launchpad builds and publishes the binaries.
    out << "Uploaded " << plan.version << " to " << plan.repo_name << ": all " << succeeded << " jobs succeeded; "
        << watched.size() << " upload" << (watched.size() == 1 ? "" : "s") << " waiting for Launchpad to publish ("
        << (options.wait ? "waiting here" : "the service's watcher follows them; or run with --wait") << ").\n";
    if (!options.wait) return kOk;
    return wait_for_launchpad(
        *watcher,
        [&] {
          std::vector<store::LpWatch> mine;
          for (store::LpWatch& watch : store::stored_repositories(*state)->publications().all()) {
            if (watched.contains(watch.id)) mine.push_back(std::move(watch));
          }
          return mine;
        },
        options.wait_timeout, "publish", out, err);
  }
  err << "calico-release-bot publish: " << result.failures().size() << " of " << result.jobs.size() << " jobs failed:\n";
  for (const JobReport* report : result.failures()) {
    err << "  " << report->id << ": " << report->detail << "\n    log: " << report->log.string() << "\n";
  }
  return kPublishFailed;
}

}  // namespace calico::cli
