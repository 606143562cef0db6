// pub_debs: upload signed source packages with dput, skipping what the archive already has
// (Launchpad refuses any version it has seen, even deleted ones, so a retried publish must be a
// no-op for what already landed) and retrying transient failures.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builders/deb/source_package.hpp"
#include "builders/exec/process.hpp"
#include "builders/publish/rpm_repository.hpp"  // PublishError
#include "builders/sign/keyring.hpp"
#include "config/config.hpp"

namespace calico::builders::publish {

// What an archive already holds. Launchpad's API answers this in the watcher issue; the local
// stand-in answers from its incoming directory.
class SourceArchive {
 public:
  virtual ~SourceArchive() = default;
  virtual bool has_source(const std::string& source, const std::string& version) = 0;
  // For a snapshot the archive does not hold: the version of a later build of the same snapshot
  // it holds instead (later_build_of_same_snapshot), if any. Only recent uploads are looked at.
  virtual std::optional<std::string> later_build_of(const std::string& source, const std::string& version) = 0;
};

// A dput "local" target: whatever .changes has been delivered into the incoming directory.
class LocalIncomingArchive : public SourceArchive {
 public:
  explicit LocalIncomingArchive(std::filesystem::path incoming) : incoming_(std::move(incoming)) {}
  bool has_source(const std::string& source, const std::string& version) override;
  std::optional<std::string> later_build_of(const std::string& source, const std::string& version) override;

 private:
  std::filesystem::path incoming_;
};

// The dput incoming path for this REPO_NAME ({owner} and {repo} substituted).
std::string dput_incoming(const config::PublishConfig& publish, const std::string& repo_name);

// The dput.cf stanza "[calico-release-bot]" for the configured target and this REPO_NAME.
std::string dput_config(const config::PublishConfig& publish, const std::string& repo_name);

struct UploadResult {
  std::vector<std::string> uploaded;  // .changes names
  std::vector<std::string> skipped;   // already in the archive
  // Of the skipped: those the archive holds as a later build of the same snapshot (.changes name
  // → the version it holds), which is what Launchpad publishes and must be followed.
  std::map<std::string, std::string> held_as;
};

// Signs (if not yet signed) and uploads each source package. Throws PublishError naming the
// package, the attempts and the log when an upload keeps failing.
UploadResult upload_sources(const std::vector<deb::SourceArtifacts>& packages, const sign::Keyring& keyring,
                            const config::PublishConfig& publish, const std::string& repo_name, SourceArchive& archive,
                            const std::filesystem::path& job_dir, const std::filesystem::path& log_file,
                            const exec::CancelToken& cancel);

}  // namespace calico::builders::publish
