#include "bot/pipeline_environment.hpp"

#include "builders/exec/executors.hpp"

#include <algorithm>
#include <regex>

#include "bot/launchpad/archive.hpp"
#include "bot/launchpad/promotion.hpp"
#include "config/error.hpp"

namespace calico {

// The RPM host from [publish], with HOST and GCLOUD_ARGS (as make release-publish took them)
// overriding rpm_host and gcloud_args of a configured ssh or gcloud transport.
std::unique_ptr<builders::publish::RpmHost> make_rpm_host(const config::PublishConfig& publish,
                                                          const std::optional<std::string>& host_variable,
                                                          const std::optional<std::string>& gcloud_variable) {
  const std::string& transport = publish.rpm_transport;
  if (transport == "local") {
    if (host_variable || gcloud_variable) {
      throw EnvironmentError(std::string(host_variable ? "HOST" : "GCLOUD_ARGS") +
                                  " is set, but [publish] rpm_transport is \"local\"; set rpm_transport = \"gcloud\" "
                                  "(or \"ssh\") and rpm_root to publish to a host",
                             true);
    }
    return std::make_unique<builders::publish::LocalHost>();
  }
  const std::string host = host_variable.value_or(publish.rpm_host);
  static const std::regex host_shape("[A-Za-z0-9_][A-Za-z0-9._-]*(@[A-Za-z0-9._-]+)?");
  if (host.empty()) throw EnvironmentError("the " + transport + " RPM transport needs HOST (or [publish] rpm_host)", true);
  if (!std::regex_match(host, host_shape)) throw EnvironmentError("HOST \"" + host.substr(0, 80) + "\" is not [user@]host", true);
  if (!publish.rpm_root.is_absolute()) {
    throw EnvironmentError("the " + transport + " RPM transport needs [publish] rpm_root, an absolute path on " + host, true);
  }
  if (transport == "ssh") {
    return std::make_unique<builders::publish::SshHost>(
        builders::publish::SshSettings{host, publish.rpm_ssh_port, publish.rpm_ssh_identity, publish.rpm_ssh_options});
  }
  return std::make_unique<builders::publish::GcloudHost>(host,
                                                         builders::publish::split_words(gcloud_variable.value_or(publish.gcloud_args)));
}

std::unique_ptr<builders::publish::SourceArchive> make_source_archive(const config::Config& config,
                                                                     const std::string& repo_name,
                                                                     launchpad::Client& launchpad) {
  if (config.publish.dput_method == "local") {
    return std::make_unique<builders::publish::LocalIncomingArchive>(builders::publish::dput_incoming(config.publish, repo_name));
  }
  return std::make_unique<launchpad::PpaArchive>(launchpad, config.publish.ppa_owner, repo_name);
}

bool watches_uploads(const config::Config& config) {
  return config.publish.dput_method == "ftp" || config.launchpad.api_root != config::LaunchpadConfig{}.api_root;
}

namespace {

// A signing key from a file named on the command line or in the environment (SECRET_KEY), else
// from its configured secret; null when neither is given.
std::unique_ptr<builders::sign::Keyring> load_keyring(const std::optional<std::string>& key_file,
                                                      const config::SecretSource& key, const char* key_name,
                                                      const config::SecretSource& passphrase_source,
                                                      const char* passphrase_name) {
  std::optional<config::Secret> passphrase;
  if (passphrase_source.configured()) passphrase = config::load_secret(passphrase_source, passphrase_name);
  if (key_file) return std::make_unique<builders::sign::Keyring>(std::filesystem::path(*key_file), passphrase);
  if (key.configured()) {
    return std::make_unique<builders::sign::Keyring>(config::load_secret(key, key_name), key.describe(), passphrase);
  }
  return nullptr;
}

bool plan_publishes(const builders::Plan& plan) {
  return std::any_of(plan.jobs.begin(), plan.jobs.end(), [](const builders::Job& job) {
    return job.role == builders::JobRole::publish_debs || job.role == builders::JobRole::publish_rpms;
  });
}

}  // namespace

bool copies_source_packages(const config::Config& config, const builders::Plan& plan) {
  return plan_publishes(plan) && config.secrets.launchpad_token.configured();
}

std::string promotion_source_of(const config::Config& config, const builders::Plan& plan, const EnvironmentOverrides& overrides) {
  // Only a release is promoted, from [publish] promote_from or PROMOTE_FROM.
  const std::string promote_from = overrides.promote_from.value_or(config.publish.promote_from);
  if (overrides.promote_from && !overrides.promote_from->empty()) {
    static const std::regex target_shape("[a-z0-9][a-z0-9.+-]{0,63}");
    if (!std::regex_match(promote_from, target_shape)) {
      throw EnvironmentError("PROMOTE_FROM \"" + promote_from.substr(0, 64) + "\" is not a target name (a PPA or RPM repository)", true);
    }
    if (!plan.release) throw EnvironmentError("PROMOTE_FROM is given, but only a release (VERSION=vX.Y.Z) is promoted, not " + plan.version, true);
  }
  if (overrides.promote_from && *overrides.promote_from == plan.repo_name) {
    throw EnvironmentError("PROMOTE_FROM: cannot promote " + plan.repo_name + " from itself", true);
  }
  // The configured source does not apply to a release published into it (REPO_NAME=testing).
  return plan.release && promote_from != plan.repo_name ? promote_from : std::string();
}

PipelineEnvironment make_pipeline_environment(const config::Config& config, const builders::Plan& plan,
                                              const EnvironmentOverrides& overrides,
                                              const builders::exec::ExecutorContext& owner) {
  PipelineEnvironment environment;
  // The variables secrets are read from stay with the bot: no job or tool it runs sees them.
  builders::exec::withhold_variables(config.secrets.variables());
  environment.rpm_host = make_rpm_host(config.publish, overrides.host, overrides.gcloud_args);

  // The signing key: SECRET_KEY (a file, as for make release-publish) or secrets.gpg_secret_key.
  if (plan_publishes(plan)) {
    try {
      environment.keyring = load_keyring(overrides.secret_key_file, config.secrets.gpg_secret_key, "secrets.gpg_secret_key",
                                         config.secrets.gpg_passphrase, "secrets.gpg_passphrase");
      if (!environment.keyring) {
        throw EnvironmentError(
            "the plan publishes, but there is no signing key: set SECRET_KEY to the key file, or configure "
            "secrets.gpg_secret_key (or leave pub_debs and pub_rpms out of STEPS)",
            false);
      }
      environment.rpm_keyring = load_keyring(overrides.rpm_secret_key_file, config.secrets.rpm_gpg_secret_key,
                                             "secrets.rpm_gpg_secret_key", config.secrets.rpm_gpg_passphrase,
                                             "secrets.rpm_gpg_passphrase");
    } catch (const config::ConfigError& e) {
      throw EnvironmentError(e.what(), false);
    } catch (const builders::sign::SignError& e) {
      throw EnvironmentError(e.what(), false);
    }
  }

  // What the archive already holds: the local stand-in's incoming directory, or Launchpad itself.
  environment.launchpad_http = std::make_unique<http::Client>(launchpad::client_settings(config.launchpad));
  environment.launchpad = std::make_unique<launchpad::Client>(config.launchpad.api_root, *environment.launchpad_http);
  environment.archive = make_source_archive(config, plan.repo_name, *environment.launchpad);

  const std::string promote_from = promotion_source_of(config, plan, overrides);
  if (!promote_from.empty()) {
    environment.promote_from = promote_from;
    const config::SecretsConfig& secrets = config.secrets;
    if (copies_source_packages(config, plan)) {
      try {
        environment.launchpad->sign_writes_with({config::load_secret(secrets.launchpad_consumer_key, "secrets.launchpad_consumer_key"),
                                                 config::load_secret(secrets.launchpad_token, "secrets.launchpad_token"),
                                                 config::load_secret(secrets.launchpad_token_secret, "secrets.launchpad_token_secret")});
      } catch (const config::ConfigError& e) {
        throw EnvironmentError(e.what(), false);
      }
      environment.promotion = std::make_unique<launchpad::PpaPromotionSource>(*environment.launchpad, config.publish.ppa_owner,
                                                                              promote_from, plan.repo_name);
    }
  }
  try {
    environment.executor = builders::exec::make_executor(config.publish, owner);
  } catch (const std::runtime_error& e) {
    throw EnvironmentError("publish.executor = \"" + config.publish.executor + "\": " + e.what(), false);
  }
  return environment;
}

}  // namespace calico
