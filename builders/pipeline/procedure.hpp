// The packaging procedure's steps as the pipeline's JobWork: what bld_images, net_cal, felix,
// etcd3gw, dnsmasq, nettle, pub_debs and pub_rpms do for one platform. Builds hand their artifacts
// to the publishing jobs through this object; sources are fetched once per run.
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
#include "builders/publish/rpm_host.hpp"
#include "builders/rpm/package.hpp"
#include "builders/sign/keyring.hpp"
#include "config/config.hpp"

namespace calico::builders::pipeline {

class Procedure : public JobWork {
 public:
  // `run_dir`: this run's directory (jobs build under run_dir/jobs). `keyring` may be null when
  // the plan publishes nothing; `archive` when it cannot be asked (pub_debs then refuses).
  // RPMs are published under `rpm_root` on `rpm_host`.
  Procedure(const config::Config& config, const Plan& plan, std::filesystem::path run_dir, exec::Executor& executor,
            const sign::Keyring* keyring, publish::SourceArchive* archive, const publish::RpmHost& rpm_host,
            std::string rpm_root);

  std::string run(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel) override;

  // Takes over what a job finished in an earlier attempt of this run (its artifacts on disk), so
  // that a resumed run does not build it again. Throws when they are missing.
  void adopt(const Job& job);

  // Called for each source package pub_debs uploaded (not for skipped ones): the Launchpad
  // watcher follows those. Arguments: source, version, series.
  void on_uploaded(std::function<void(const std::string&, const std::string&, const std::string&)> callback) {
    on_uploaded_ = std::move(callback);
  }

  // Called when a component job has resolved the commit it builds: its repository URL and the
  // full sha (the reporters set commit statuses on those).
  void on_source_resolved(std::function<void(const Job&, const std::string& url, const std::string& sha)> callback) {
    on_source_resolved_ = std::move(callback);
  }

 private:
  git::Mirror& mirror(const std::string& url);
  std::filesystem::path job_dir(const Job& job) const;
  std::string build_images(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);
  std::string build_component(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);
  std::string publish_debs(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);
  std::string publish_rpms(const Job& job, const std::filesystem::path& log, const exec::CancelToken& cancel);
  PackageVersion version_for(const Job& job, const git::CommitFacts& facts, const std::filesystem::path& tree) const;

  const config::Config& config_;
  const Plan& plan_;
  std::filesystem::path run_dir_;
  exec::Executor& executor_;
  const sign::Keyring* keyring_;
  publish::SourceArchive* archive_;
  const publish::RpmHost& rpm_host_;
  std::string rpm_root_;

  std::function<void(const std::string&, const std::string&, const std::string&)> on_uploaded_;
  std::function<void(const Job&, const std::string&, const std::string&)> on_source_resolved_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<git::Mirror>> mirrors_;      // by URL, fetched once
  std::map<std::string, std::unique_ptr<std::mutex>> mirror_locks_;
  std::map<std::string, std::vector<deb::SourceArtifacts>> debs_;    // by series
  std::map<std::string, std::vector<std::filesystem::path>> rpms_;   // by platform
};

// The upstream version at the top of a debian/changelog: "2.79test1calico1" for
// "dnsmasq (2.79test1calico1-3~trusty) trusty; …". Throws std::runtime_error.
std::string changelog_upstream_version(std::string_view changelog);

}  // namespace calico::builders::pipeline
