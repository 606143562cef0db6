// Everything a plan run needs besides the plan: the executor, the signing keyring, the archive
// to ask before uploading, the RPM host, and the Launchpad client behind the archive. Made the
// same way for `publish` and for the service's dispatcher.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "bot/http/client.hpp"
#include "bot/launchpad/client.hpp"
#include "builders/exec/executor.hpp"
#include "builders/plan.hpp"
#include "builders/publish/deb_upload.hpp"
#include "builders/publish/promotion.hpp"
#include "builders/publish/rpm_host.hpp"
#include "builders/sign/keyring.hpp"
#include "config/config.hpp"

namespace calico {

// `usage`: the request is at fault (a bad HOST); otherwise the configuration or key is.
class EnvironmentError : public std::runtime_error {
 public:
  EnvironmentError(const std::string& message, bool usage) : std::runtime_error(message), usage(usage) {}
  bool usage;
};

// What make release-publish took from the environment: SECRET_KEY, HOST, GCLOUD_ARGS; and
// RPM_SECRET_KEY, a separate key file for the RPMs.
struct EnvironmentOverrides {
  std::optional<std::string> secret_key_file;
  std::optional<std::string> rpm_secret_key_file = {};
  std::optional<std::string> host;
  std::optional<std::string> gcloud_args;
  // PROMOTE_FROM: the target a release is promoted from, instead of [publish] promote_from ("":
  // none).
  std::optional<std::string> promote_from = {};
};

struct PipelineEnvironment {
  std::unique_ptr<http::Client> launchpad_http;
  std::unique_ptr<launchpad::Client> launchpad;
  std::unique_ptr<builders::sign::Keyring> keyring;  // null when the plan publishes nothing
  std::unique_ptr<builders::sign::Keyring> rpm_keyring;  // null: `keyring` signs the RPMs too
  std::unique_ptr<builders::publish::SourceArchive> archive;
  std::unique_ptr<builders::publish::RpmHost> rpm_host;
  std::unique_ptr<builders::exec::Executor> executor;
  // A release plan's promotion: the target it copies from ("" for other plans or when turned
  // off) and, with a Launchpad OAuth token, the copier of source packages (else null: the deb
  // jobs say so and build).
  std::string promote_from;
  std::unique_ptr<builders::publish::PromotionSource> promotion;
};

// Whether uploads are followed on Launchpad: when dput sends them there, or when a stand-in
// serving Launchpad's API is configured (the local demo). A local dput target with the real
// Launchpad's API would only ever be "rejected".
bool watches_uploads(const config::Config& config);

// What the archive of `repo_name` holds: the local stand-in's incoming directory (dput_method
// "local"), or the PPA on Launchpad through `launchpad`.
std::unique_ptr<builders::publish::SourceArchive> make_source_archive(const config::Config& config,
                                                                     const std::string& repo_name,
                                                                     launchpad::Client& launchpad);

// The target a release plan is promoted from: PROMOTE_FROM, else [publish] promote_from; "" for a
// plan that is not a release, a release published into that target itself, or promotion turned
// off. Throws EnvironmentError (usage) for a PROMOTE_FROM that is not a target name, is given for
// a snapshot, or names the plan's own target.
// A promotion copies source packages (Launchpad's copyPackage) only for a plan that publishes, with
// an OAuth token to ask with ([secrets] launchpad_token); otherwise only the RPMs are copied.
bool copies_source_packages(const config::Config& config, const builders::Plan& plan);

std::string promotion_source_of(const config::Config& config, const builders::Plan& plan, const EnvironmentOverrides& overrides);

// `owner` names the build the executor's jobs belong to (the service's build id and replica).
// Throws EnvironmentError.
PipelineEnvironment make_pipeline_environment(const config::Config& config, const builders::Plan& plan,
                                              const EnvironmentOverrides& overrides,
                                              const builders::exec::ExecutorContext& owner = {});

// The RPM host alone (publish checks it before planning). Throws EnvironmentError.
std::unique_ptr<builders::publish::RpmHost> make_rpm_host(const config::PublishConfig& publish,
                                                          const std::optional<std::string>& host_variable,
                                                          const std::optional<std::string>& gcloud_variable);

}  // namespace calico
