#include "builders/pipeline/procedure.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "builders/publish/rpm_repository.hpp"
#include "builders/text.hpp"

namespace calico::builders::pipeline {

namespace {

std::string read(const std::filesystem::path& file) {
  std::optional<std::string> text = read_whole_file(file);
  if (!text) throw std::runtime_error("cannot read " + file.string());
  return std::move(*text);
}

}  // namespace

std::string changelog_upstream_version(std::string_view changelog) {
  const auto open = changelog.find('(');
  const auto close = changelog.find(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    throw std::runtime_error("debian/changelog does not start with \"name (version) …\"");
  }
  std::string version(changelog.substr(open + 1, close - open - 1));
  if (const auto colon = version.find(':'); colon != std::string::npos) version = version.substr(colon + 1);
  if (const auto dash = version.rfind('-'); dash != std::string::npos) version = version.substr(0, dash);
  if (version.empty()) throw std::runtime_error("debian/changelog has an empty version");
  return version;
}

Procedure::Procedure(const config::Config& config, const Plan& plan, std::filesystem::path run_dir,
                     exec::Executor& executor, const sign::Keyring* keyring, publish::SourceArchive* archive,
                     const publish::RpmHost& rpm_host, std::string rpm_root)
    : config_(config),
      plan_(plan),
      run_dir_(std::move(run_dir)),
      executor_(executor),
      keyring_(keyring),
      archive_(archive),
      rpm_host_(rpm_host),
      rpm_root_(std::move(rpm_root)) {}

std::string Procedure::run(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  switch (job.step) {
    case Step::bld_images: return build_images(job, log, cancel);
    case Step::pub_debs: return publish_debs(job, log, cancel);
    case Step::pub_rpms: return publish_rpms(job, log, cancel);
    default: return build_component(job, log, cancel);
  }
}

std::filesystem::path Procedure::job_dir(const Job& job) const {
  std::string directory = job.id;
  std::replace(directory.begin(), directory.end(), '/', '-');
  return run_dir_ / "jobs" / directory;
}

void Procedure::adopt(const Job& job) {
  if (!job.source) return;  // bld_images and publishing leave nothing later jobs need
  const std::filesystem::path dir = job_dir(job);
  std::lock_guard guard(mutex_);
  if (job.kind == config::PackageKind::deb) {
    debs_[job.platform].push_back(deb::read_source_artifacts(dir));
    return;
  }
  std::vector<std::filesystem::path> found;
  if (std::filesystem::is_directory(dir / "out")) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "out")) {
      if (entry.is_regular_file() && entry.path().string().ends_with(".rpm")) found.push_back(entry.path());
    }
  }
  if (found.empty()) throw std::runtime_error("no RPMs from " + job.id + " in " + dir.string());
  auto& list = rpms_[job.platform];
  list.insert(list.end(), found.begin(), found.end());
}

git::Mirror& Procedure::mirror(const std::string& url) {
  std::mutex* lock = nullptr;
  {
    std::lock_guard guard(mutex_);
    auto& slot = mirror_locks_[url];
    if (!slot) slot = std::make_unique<std::mutex>();
    lock = slot.get();
  }
  // One fetch per remote per run, however many jobs need it; other remotes fetch in parallel.
  std::lock_guard fetching(*lock);
  {
    std::lock_guard guard(mutex_);
    if (auto it = mirrors_.find(url); it != mirrors_.end()) return *it->second;
  }
  auto fresh = std::make_unique<git::Mirror>(config_.publish.mirror_dir, url);
  fresh->fetch();
  std::lock_guard guard(mutex_);
  return *(mirrors_[url] = std::move(fresh));
}

std::string Procedure::build_images(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  if (executor_.name() == "local") {
    std::ofstream(log, std::ios::app) << "# the local executor builds with this host's tools: no image to build\n";
    return "no image needed (local executor)";
  }
  const std::filesystem::path dockerfile = std::filesystem::path(CALICO_DOCKER_DIR) / (job.platform + ".Dockerfile");
  if (!std::filesystem::exists(dockerfile)) throw std::runtime_error("no Dockerfile for " + job.platform + " at " + dockerfile.string());
  const exec::CommandResult result = exec::run_command(
      {{"docker", "build", "--tag", config_.publish.docker_image_prefix + job.platform, "--file", dockerfile.string(),
        dockerfile.parent_path().string()},
       {}, {}, config_.publish.job_timeout},
      log, cancel);
  if (!result.ok()) throw std::runtime_error("docker build failed (" + result.describe() + ")");
  return "image " + config_.publish.docker_image_prefix + job.platform + " built";
}

PackageVersion Procedure::version_for(const Job& job, const git::CommitFacts& facts, const std::filesystem::path& tree) const {
  const std::string component(*step_component(job.step));
  const config::ComponentConfig* settings = config_.publish.find_component(component);
  const unsigned epoch = settings ? settings->epoch : 0;
  if (job.step == Step::felix || job.step == Step::net_cal) {
    // A release builds its tag; anything else is a snapshot of what was checked out.
    if (plan_.release && facts.tag_at && facts.tag_at->tag() == plan_.release_tag->tag()) {
      return release_version(*plan_.release_tag, epoch);
    }
    if (plan_.release) {
      throw std::runtime_error(job.source->checkout + " of " + job.source->repo + " does not carry tag " +
                               plan_.release_tag->tag());
    }
    return snapshot_version(facts.base_tag, facts.commit_count, facts.committed_at, facts.sha, epoch);
  }
  // Components built from a configured ref keep their own upstream version (their packaging
  // says it), with our per-series revision.
  PackageVersion version;
  version.epoch = epoch;
  version.upstream = changelog_upstream_version(read(tree / "debian" / "changelog"));
  version.rpm_version = version.upstream;
  version.rpm_release = "1";
  return version;
}

std::string Procedure::build_component(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  git::Mirror& source = mirror(job.source->repo);
  const std::string sha = source.resolve(job.source->checkout);
  if (on_source_resolved_) on_source_resolved_(job, job.source->repo, sha);
  const git::CommitFacts facts = source.facts(sha);
  const std::filesystem::path job_dir = this->job_dir(job);
  std::filesystem::remove_all(job_dir);
  source.export_tree(sha, job_dir / "tree");
  const PackageVersion version = version_for(job, facts, job_dir / "tree");
  const std::string change = (plan_.release && (job.step == Step::felix || job.step == Step::net_cal)
                                  ? "Release " + plan_.version
                                  : job.step == Step::felix || job.step == Step::net_cal ? std::string("Development snapshot")
                                                                                         : "Build of " + job.source->checkout) +
                             " from Git commit " + sha.substr(0, 12) + ".";
  std::ofstream(log, std::ios::app) << "# " << job.source->repo << " @ " << job.source->checkout << " = " << sha << "\n";
  if (job.kind == config::PackageKind::deb) {
    deb::SourceArtifacts built = deb::build_source_package(
        {job_dir / "tree", job_dir, job.platform, version, change, config_.publish.maintainer, facts.committed_at,
         config_.publish.job_timeout},
        executor_, log, cancel);
    const std::string summary = built.source + " " + built.version + " source package";
    std::lock_guard guard(mutex_);
    debs_[job.platform].push_back(std::move(built));
    return summary;
  }
  const config::PlatformConfig* platform = config_.publish.find_platform(job.platform);
  rpm::RpmArtifacts built = rpm::build_rpm({job_dir / "tree", job_dir, job.platform, platform ? platform->rpm_dist : "",
                                            version, change, config_.publish.maintainer, facts.committed_at,
                                            config_.publish.job_timeout},
                                           executor_, log, cancel);
  const std::string summary = built.name + " " + version.rpm_evr(platform ? platform->rpm_dist : "") + ", " +
                              std::to_string(built.rpms.size()) + " RPMs";
  std::lock_guard guard(mutex_);
  auto& list = rpms_[job.platform];
  list.insert(list.end(), built.rpms.begin(), built.rpms.end());
  return summary;
}

std::string Procedure::publish_debs(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  if (!keyring_) throw std::runtime_error("no signing key: set SECRET_KEY or secrets.gpg_secret_key");
  if (!archive_) throw std::runtime_error("no way to ask the archive what it already holds");
  std::vector<deb::SourceArtifacts> packages;
  {
    std::lock_guard guard(mutex_);
    packages = debs_[job.platform];
  }
  if (packages.empty()) return "nothing built for " + job.platform + " in this run";
  const publish::UploadResult result = publish::upload_sources(packages, *keyring_, config_.publish, plan_.repo_name,
                                                               *archive_, run_dir_ / "jobs" / ("pub_debs-" + job.platform),
                                                               log, cancel);
  if (on_uploaded_) {
    for (const deb::SourceArtifacts& package : packages) {
      if (std::find(result.uploaded.begin(), result.uploaded.end(), package.changes.filename().string()) != result.uploaded.end()) {
        on_uploaded_(package.source, package.version, job.platform);
      }
    }
  }
  return std::to_string(result.uploaded.size()) + " uploaded, " + std::to_string(result.skipped.size()) +
         " already in the archive";
}

std::string Procedure::publish_rpms(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) {
  if (!keyring_) throw std::runtime_error("no signing key: set SECRET_KEY or secrets.gpg_secret_key");
  std::vector<std::filesystem::path> rpms;
  {
    std::lock_guard guard(mutex_);
    rpms = rpms_[job.platform];
  }
  if (rpms.empty()) return "nothing built for " + job.platform + " in this run";
  publish::sign_rpms(*keyring_, rpms, log, cancel);
  publish::RpmRepository repository(rpm_host_, rpm_root_, plan_.repo_name, config_.publish.rpm_keep_versions);
  const publish::RpmPublishResult result = repository.publish(rpms, keyring_->export_public_key(), log, cancel);
  return std::to_string(result.added.size()) + " added, " + std::to_string(result.present.size()) + " already there, " +
         std::to_string(result.pruned.size()) + " pruned in " + repository.repo_dir() + " on " + rpm_host_.describe();
}

}  // namespace calico::builders::pipeline
