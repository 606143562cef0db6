#include "bot/preflight.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "bot/store/database.hpp"
#include "bot/store/migrations.hpp"
#include "bot/store/engine.hpp"
#include "builders/exec/executors.hpp"
#include "builders/exec/host_platform.hpp"
#include "builders/sign/keyring.hpp"
#include "config/error.hpp"
#include "config/secret.hpp"
#include "config/serving.hpp"

namespace calico {

namespace {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// A secret file others may write can be swapped for one the writer chose: refused. One others
// may read gives the secret away: a warning (a mounted Kubernetes Secret is often 0644).
void check_secret_files(const config::Config& config, std::vector<std::string>& warnings) {
  for (const auto& [source, key] : config.secrets.all()) {
    if (source->kind != config::SecretSource::Kind::file) continue;
    struct stat info {};
    if (::stat(source->file.c_str(), &info) != 0) continue;  // load_secret names that error
    if (info.st_mode & (S_IWGRP | S_IWOTH)) {
      throw config::ConfigError(source->named(key, config.source) + ": the file is mode " +
                                octal_mode(info.st_mode) +
                                ", writable by others than its owner, who could replace the secret; chmod 600 it");
    }
    if (info.st_mode & (S_IRGRP | S_IROTH)) {
      warnings.push_back(source->named(key, config.source) + ": the file is mode " +
                         octal_mode(info.st_mode) + ", readable by others than its owner; chmod 600 it");
    }
  }
}

// The schema version a store holds against this bot's: newer is refused.
std::string schema_summary(const std::string& key, int version) {
  if (version > store::latest_schema_version()) {
    throw config::ConfigError(key + ": has schema version " + std::to_string(version) + ", newer than this bot's " +
                              std::to_string(store::latest_schema_version()) + "; run a calico-release-bot that knows schema version " +
                              std::to_string(version));
  }
  if (version == 0) return "empty: serve creates schema version " + std::to_string(store::latest_schema_version());
  return "schema version " + std::to_string(version) +
         (version < store::latest_schema_version() ? ", serve migrates it to " + std::to_string(store::latest_schema_version()) : "");
}

// As serve opens it, without creating or migrating anything: an existing store opens and is not
// newer than this bot; a new one can be created.
std::string check_store(const config::Config& config) {
  std::unique_ptr<store::Engine> engine;
  try {
    engine = store::make_engine(config::with_store_password(config));
  } catch (const store::DatabaseError& e) {
    throw config::ConfigError(config.source.string() + ": " + e.what());
  }
  const std::string key = config.source.string() + ": " + engine->setting();
  try {
    const store::Inspection found = engine->inspect();
    return found.where + " (" + (found.server.empty() ? "" : found.server + ", ") + schema_summary(key, found.schema_version) + ")";
  } catch (const store::DatabaseError& e) {
    throw config::ConfigError(key + ": " + e.what());
  }
}

void check_key(const config::Config& config, const config::SecretSource& source, const char* key,
               const config::SecretSource& passphrase_source, const char* passphrase_key) {
  if (!source.configured()) return;
  std::optional<config::Secret> passphrase;
  if (passphrase_source.configured()) passphrase = config::load_secret(passphrase_source, passphrase_key);
  try {
    builders::sign::Keyring keyring(config::load_secret(source, key), source.describe(), std::move(passphrase));
  } catch (const builders::sign::SignError& e) {
    throw config::ConfigError(source.named(key, config.source) + ": is not a usable signing key: " + e.what());
  }
}

// The executor as a build would make it: the kubernetes executor's API access (kubeconfig or
// service account) and its non-root uid, read now rather than at the first build. An executor
// that builds on this host must be able to build every rpm platform here, or be told it can —
// unless this instance never builds (dispatch disabled: an intake-only replica, or a benchmark),
// where the replica that does build checks it at its own start.
void check_executor(const config::Config& config) {
  std::unique_ptr<builders::exec::Executor> executor;
  try {
    executor = builders::exec::make_executor(config.publish);
  } catch (const std::exception& e) {
    throw config::ConfigError(config.source.string() + ": publish.executor = \"" + config.publish.executor + "\": " + e.what());
  }
  if (!executor->builds_on_host() || !config.dispatch.enabled) return;
  const std::string problems = platforms_this_host_cannot_build(config, config.publish, executor->name());
  if (!problems.empty()) throw config::ConfigError(problems);
}

}  // namespace

std::string platforms_this_host_cannot_build(const config::Config& config, const config::PublishConfig& publish,
                                             std::string_view executor) {
  const bool any_to_ask = std::any_of(publish.platforms.begin(), publish.platforms.end(), [](const config::PlatformConfig& platform) {
    return platform.kind == config::PackageKind::rpm && !platform.build_on_host;
  });
  if (!any_to_ask) return {};
  std::string host_error;
  const std::string host_dist = builders::exec::host_rpm_dist(host_error);
  const std::vector<std::string> problems = builders::exec::platforms_host_cannot_build(publish, executor, host_dist, host_error);
  if (problems.empty()) return {};
  std::string text = config.source.string() + ": publish.platforms: ";
  for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
  return text;
}

Preflight preflight(const config::Config& config) {
  Preflight found;
  std::vector<std::string>& warnings = found.warnings;
  check_secret_files(config, warnings);
  config::check_serving(config);
  found.store = check_store(config);
  check_key(config, config.secrets.gpg_secret_key, "secrets.gpg_secret_key", config.secrets.gpg_passphrase,
            "secrets.gpg_passphrase");
  check_key(config, config.secrets.rpm_gpg_secret_key, "secrets.rpm_gpg_secret_key", config.secrets.rpm_gpg_passphrase,
            "secrets.rpm_gpg_passphrase");
  check_executor(config);
  return found;
}

}  // namespace calico
