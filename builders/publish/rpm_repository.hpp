// pub_rpms: the RPM host's repository <root>/rpm/<REPO_NAME>/{src,noarch,x86_64}. RPMs are signed
// here with the private keyring (so the key never travels to the host), then copied in, old
// versions pruned, the public key exported to <repo>/key, and createrepo_c run per directory.
// Publishing the same RPMs again changes nothing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "builders/exec/executor.hpp"
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

// A repository on a local (or mounted) filesystem. The gcloud and ssh transports run the same
// steps on the host; they are built on this one (see the pipeline issue's notes).
class LocalRpmRepository {
 public:
  // `keep`: how many versions of each package to keep per directory.
  LocalRpmRepository(std::filesystem::path root, std::string repo_name, int keep = 3);

  // `rpms` are signed files under some out/{src,noarch,x86_64}/ directory.
  RpmPublishResult publish(const std::vector<std::filesystem::path>& rpms, const std::string& public_key,
                           const std::filesystem::path& log_file, const exec::CancelToken& cancel);

  std::filesystem::path repo_dir() const { return root_ / "rpm" / repo_name_; }

 private:
  std::filesystem::path root_;
  std::string repo_name_;
  int keep_;
};

}  // namespace calico::builders::publish
