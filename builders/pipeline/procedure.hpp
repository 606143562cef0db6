// The packaging procedure's steps as the pipeline's JobWork: bld_images, one build per component
// and platform, pub_debs and pub_rpms. What a component build does comes from its configuration
// (config::ComponentConfig): where its source is, what runs before packaging, how its version and
// changelog are made, what is left out, which spec builds its RPMs. Builds hand their artifacts
// to the publishing jobs through this object; sources are fetched and prepared once per run.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "builders/deb/source_package.hpp"
#include "builders/exec/executor.hpp"
#include "builders/git/mirror.hpp"
#include "builders/pipeline/runner.hpp"
#include "builders/publish/deb_upload.hpp"
#include "builders/publish/promotion.hpp"
#include "builders/publish/rpm_host.hpp"
#include "builders/rpm/package.hpp"
#include "builders/sign/keyring.hpp"
#include "builders/versions.hpp"
#include "config/config.hpp"

namespace calico::builders::pipeline {

// A component's source made ready for packaging, shared by its jobs of one run.
struct PreparedSource {
  std::filesystem::path tree;            // copied per job; its directory name is kept
  std::string sha;                       // the commit (git sources)
  std::optional<PackageVersion> version; // computed (components that follow VERSION)
  std::string change;                    // the changelog line for a computed version
  std::chrono::sys_seconds date;         // the commit's time: changelog date, tarball mtimes
  std::vector<std::filesystem::path> beside;  // files dpkg-source wants next to the tree (orig tarballs)
  std::filesystem::path dsc;             // a dsc source's .dsc, downloaded (extracted into `tree` by prepare)
  std::string dsc_source, dsc_version;   // and what it says it is
};

class Procedure : public JobWork {
 public:
  // `run_dir`: this run's directory (jobs build under run_dir/jobs). `keyring` may be null when
  // the plan publishes nothing; `archive` when it cannot be asked (pub_debs then refuses).
  // RPMs are published under `rpm_root` on `rpm_host`.
  Procedure(const config::Config& config, const Plan& plan, std::filesystem::path run_dir, exec::Executor& executor,
            const sign::Keyring* keyring, publish::SourceArchive* archive, const publish::RpmHost& rpm_host,
            std::string rpm_root);

  std::string run(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) override;

  // Every git ref the plan's jobs build from, looked up (each repository fetched once) before any
  // job starts: one line per ref that cannot be found ("felix: \"v9.9.9\" is not a branch, tag
  // or commit of …"), none when all are there. A missing tag then fails the publish at once,
  // naming each, instead of after the jobs that did not need it built. Optional jobs are left to
  // fail alone.
  std::vector<std::string> unresolved_sources();

  // Takes over what a job finished in an earlier attempt of this run (its artifacts on disk, or
  // the record that what it would build was already published), so that a resumed run does not
  // build it again. Throws when they are missing.
  void adopt(const Job& job);

  // RPMs are signed with this key instead of the Launchpad one (the RPM repository's own).
  void sign_rpms_with(const sign::Keyring* keyring) { rpm_keyring_ = keyring; }

  // A release run promotes from the target `from` (its RPM repository, and through `debs` its
  // PPA; null when Launchpad cannot be written to, which each deb job then says): a component job
  // whose package `from` holds and has published under the same version builds nothing, and
  // pub_debs / pub_rpms copy it instead of uploading. Not called, or `from` empty: no promotion.
  void promote_from(std::string from, publish::PromotionSource* debs) {
    promote_from_ = std::move(from);
    promotion_ = debs;
  }

  // A source package pub_debs sent to the archive (or found there), and the job that built it.
  struct Upload {
    std::string job;  // "felix/xenial"
    std::string source;
    std::string version;
    std::string series;
  };
  using UploadHandler = std::function<void(const Upload&)>;

  // Called for each source package pub_debs uploaded (not for skipped ones): the Launchpad
  // watcher follows those.
  void on_uploaded(UploadHandler callback) { on_uploaded_ = std::move(callback); }

  // Called for each source package pub_debs found already in the archive (a retried publish): the
  // build's report covers those too.
  void on_in_archive(UploadHandler callback) { on_in_archive_ = std::move(callback); }

  // Called when a component job has resolved the commit it builds: its repository URL and the
  // full sha (the reporters set commit statuses on those).
  void on_source_resolved(std::function<void(const Job&, const std::string& url, const std::string& sha)> callback) {
    on_source_resolved_ = std::move(callback);
  }

 private:
  std::mutex& lock_for(const std::string& key);  // one per mirror URL and per source, made on first use
  git::Mirror& mirror(const std::string& url);
  std::filesystem::path job_dir(const Job& job) const;
  const config::ComponentConfig& component_of(const Job& job) const;
  // A source fetched (git tree exported, version computed; or a .dsc and its files downloaded),
  // once per run, with no session: enough to tell what a job would build.
  const PreparedSource& fetch_source(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);
  PreparedSource fetch_git(const Job& job, const config::ComponentConfig& component, const std::filesystem::path& dir,
                           const std::filesystem::path& log);
  PreparedSource fetch_dsc(const Job& job, const std::filesystem::path& dir, const std::filesystem::path& log,
                           const exec::CancelToken& cancel);
  // The fetched source made ready in the job's session (a .dsc extracted, pre-build commands run,
  // the version file set), once per run.
  const PreparedSource& prepare(const Job& job, exec::Session& session, const std::filesystem::path& log, const exec::CancelToken& cancel);
  // What a component job would publish, when its publishing job is in the plan and the archive or
  // the RPM repository already holds it: then the job builds nothing. Empty when it must build
  // (including when the question cannot be answered: the log says why).
  // When promoting, a job `from` holds the package of is recorded to be copied by the publishing
  // job (and the answer says so); one it cannot be copied for gets the reason in `not_promoted`.
  std::optional<std::string> already_published(const Job& job, const PreparedSource& source, const std::filesystem::path& log,
                                               const exec::CancelToken& cancel, std::string& not_promoted);
  bool promotes() const { return plan_.release && !promote_from_.empty(); }
  bool plan_publishes(const Job& job) const;
  // The job's RPM spec, filled in, with the files beside it in `spec_dir`; returns its text.
  std::string rpm_spec(const Job& job, const PreparedSource& source, const std::filesystem::path& tree,
                       const std::filesystem::path& spec_dir, const std::filesystem::path& log);
  std::string build_images(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);
  std::string build_component(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);
  std::string build_deb(const Job& job, exec::Session& session, const PreparedSource& source, const std::filesystem::path& log,
                        const exec::CancelToken& cancel);
  std::string build_rpm(const Job& job, exec::Session& session, const PreparedSource& source, const std::filesystem::path& log,
                        const exec::CancelToken& cancel);
  std::string publish_debs(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);
  std::string publish_rpms(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);

  const config::Config& config_;
  const Plan& plan_;
  std::filesystem::path run_dir_;
  exec::Executor& executor_;
  const sign::Keyring* keyring_;
  const sign::Keyring* rpm_keyring_ = nullptr;
  publish::SourceArchive* archive_;
  const publish::RpmHost& rpm_host_;
  std::string rpm_root_;

  UploadHandler on_uploaded_;
  UploadHandler on_in_archive_;
  std::function<void(const Job&, const std::string&, const std::string&)> on_source_resolved_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<git::Mirror>> mirrors_;      // by URL, fetched once
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;         // per mirror URL and per source
  std::map<std::string, std::unique_ptr<PreparedSource>> fetched_;   // by component and source
  std::map<std::string, std::unique_ptr<PreparedSource>> prepared_;  // by component and source
  std::map<std::string, std::vector<deb::SourceArtifacts>> debs_;    // by series
  std::map<std::string, std::string> deb_jobs_;                       // .changes name → the job that built it
  std::map<std::string, std::vector<std::filesystem::path>> rpms_;   // by platform
  std::map<std::string, std::vector<Upload>> debs_published_;        // by series: not built, already in the archive
  std::map<std::string, std::vector<std::string>> rpms_published_;   // by platform: SRPM names already in the repository
  std::string promote_from_;
  publish::PromotionSource* promotion_ = nullptr;
  std::map<std::string, std::vector<Upload>> debs_to_copy_;          // by series: promoted, copied by pub_debs
  std::map<std::string, std::vector<std::string>> rpms_to_copy_;     // by platform: SRPMs copied (with their RPMs) by pub_rpms
};

// The location of a repository given by [[repositories]] name or as a URL or path.
std::string repository_location(const config::Config& config, const std::string& name_or_url);

// Whether a source location (a .dsc's) is downloaded (http or https) rather than a local path.
bool is_url(const std::string& location);

}  // namespace calico::builders::pipeline
