// pub_rpms: the RPM host's repository <root>/rpm/<REPO_NAME>/{src,noarch,x86_64}. RPMs are signed
// here with the private keyring (so the key never travels to the host), then copied in, old
// versions pruned (the newest only, by default, as repomanage --old did), the public key exported
// to <repo>/key, and createrepo_c run on <repo> (one repodata/ for every architecture).
// Publishing the same packages again changes nothing. The host is reached through an RpmHost
// (a local directory, ssh or gcloud); the steps are the same for all three.
#pragma once

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "builders/exec/process.hpp"
#include "builders/publish/rpm_host.hpp"
#include "builders/sign/keyring.hpp"

namespace calico::builders::publish {

class PublishError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// rpmsign --addsign with the keyring's key, passphrase from its file (no prompt).
void sign_rpms(const sign::Keyring& keyring, const std::vector<std::filesystem::path>& rpms,
               const std::filesystem::path& log_file, const exec::CancelToken& cancel);

struct RpmPublishResult {
  std::vector<std::string> added;    // file names copied in
  std::vector<std::string> present;  // already there under the same name-version-release
  std::vector<std::string> pruned;   // old versions removed
};

class RpmRepository {
 public:
  // `root` is a directory on the host. `keep`: versions of each package kept per directory.
  RpmRepository(const RpmHost& host, std::string root, std::string repo_name, int keep = 3);

  // `rpms` are signed files under some out/{src,noarch,x86_64}/ directory.
  // `copied_in`: files were copied in beside this call (a promotion), so the index is made again
  // even when `rpms` adds nothing.
  RpmPublishResult publish(const std::vector<std::filesystem::path>& rpms, const std::string& public_key,
                           const std::filesystem::path& log_file, const exec::CancelToken& cancel, bool copied_in = false);

  // Whether <repo>/src holds `srpm`, without creating anything (a repository that does not exist
  // holds nothing): what a promotion asks of the repository it copies from.
  bool has_source_rpm(const std::string& srpm, const std::filesystem::path& log_file, const exec::CancelToken& cancel) const;

  // A promotion on the host: the source RPM `srpm` and every binary RPM `from` holds that was
  // built from it (its SOURCERPM tag) copied from `from`'s repository into this one, as they are
  // (already signed). Returns the file names copied; throws PublishError when `from` lacks `srpm`.
  std::vector<std::string> copy_build_from(const RpmRepository& from, const std::string& srpm, const std::filesystem::path& log_file,
                                           const exec::CancelToken& cancel);

  // Whether <repo>/src holds the source RPM `srpm` (its file name), whole: the RPMs built from it
  // were copied in with it, so a build that would make it has nothing to add.
  bool holds_source_rpm(const std::string& srpm, const std::filesystem::path& log_file, const exec::CancelToken& cancel) const;

  std::string repo_dir() const { return root_ + "/rpm/" + repo_name_; }

 private:
  // Runs `command`; its failure is named as `what` (by default the program run).
  void run(const exec::ProcessSpec& command, const std::filesystem::path& log_file, const exec::CancelToken& cancel,
           const std::string& what = {}) const;
  std::string capture(const exec::ProcessSpec& command, const std::filesystem::path& log_file,
                      const exec::CancelToken& cancel) const;
  // Which of the RPMs `names` in the host's `dir` pass rpm's digest check (see the definition).
  std::set<std::string> whole_on_host(const std::string& dir, const std::vector<std::string>& names,
                                      const std::filesystem::path& log_file, const exec::CancelToken& cancel) const;
  // A staging directory made for one publish (with src/, noarch/ and x86_64/, the repository's own
  // made too): files are copied there and renamed in (see the definition).
  std::string open_stage(const std::filesystem::path& log_file, const exec::CancelToken& cancel) const;
  void close_stage(const std::string& stage, const std::filesystem::path& log_file, const exec::CancelToken& cancel) const;
  // Renames the files `names` from <stage>/<bucket>/ into <repo>/<bucket>/.
  void move_in(const std::string& stage, const std::string& bucket, const std::vector<std::string>& names,
               const std::filesystem::path& log_file, const exec::CancelToken& cancel) const;
  // createrepo_c on the whole repository, one publisher at a time (see the definition).
  void reindex(const std::filesystem::path& log_file, const exec::CancelToken& cancel) const;
  // The file names of the RPMs directly in `dir` on the host.
  std::vector<std::string> rpm_files(const std::string& dir, const std::filesystem::path& log_file,
                                     const exec::CancelToken& cancel) const;

  const RpmHost& host_;
  std::string root_;
  std::string repo_name_;
  int keep_;
};

}  // namespace calico::builders::publish
