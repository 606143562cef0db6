#include "bot/preflight.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "bot/store/database.hpp"
#include "bot/store/migrations.hpp"
#include "bot/store/sqlite/connection.hpp"
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

// As serve opens it: an existing store is opened and its schema read; a new one must be creatable.
void check_store(const config::Config& config) {
  const std::filesystem::path& path = config.store.path;
  const std::string key = config.source.string() + ": store.path (" + path.string() + ")";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    if (std::filesystem::is_directory(path, ec)) throw config::ConfigError(key + ": is a directory, not a SQLite file");
    if (::access(path.c_str(), R_OK | W_OK) != 0) throw config::ConfigError(key + ": cannot be read and written by this user");
    int version = 0;
    try {
      store::sqlite::Connection db(path);
      version = store::schema_version(db);
    } catch (const std::exception& e) {
      throw config::ConfigError(key + ": cannot be opened: " + e.what());
    }
    if (version > store::latest_schema_version()) {
      throw config::ConfigError(key + ": has schema version " + std::to_string(version) + ", newer than this bot's " +
                                std::to_string(store::latest_schema_version()) + "; run the newer bot");
    }
    return;
  }
  // Not there yet: serve creates it, and the directories above it.
  std::filesystem::path existing = path.has_parent_path() ? path.parent_path() : std::filesystem::current_path();
  while (!existing.empty() && !std::filesystem::exists(existing, ec)) existing = existing.parent_path();
  if (existing.empty()) existing = ".";
  if (!std::filesystem::is_directory(existing, ec)) {
    throw config::ConfigError(key + ": cannot be created: " + existing.string() + " is not a directory");
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    throw config::ConfigError(key + ": cannot be created: " + existing.string() + " is not writable by this user");
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

}  // namespace

std::vector<std::string> preflight(const config::Config& config) {
  std::vector<std::string> warnings;
  check_secret_files(config, warnings);
  config::check_serving(config);
  check_store(config);
  check_key(config, config.secrets.gpg_secret_key, "secrets.gpg_secret_key", config.secrets.gpg_passphrase,
            "secrets.gpg_passphrase");
  check_key(config, config.secrets.rpm_gpg_secret_key, "secrets.rpm_gpg_secret_key", config.secrets.rpm_gpg_passphrase,
            "secrets.rpm_gpg_passphrase");
  return warnings;
}

}  // namespace calico
