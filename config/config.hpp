// The typed configuration of calico-release-bot. Everything here is plain data: the loader
// (config/loader.cpp) fills it from TOML and validates it, the rest of the program reads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "config/secret.hpp"

namespace calico::config {

struct ServerConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 2;
  std::string webhook_path = "/webhook";
  std::size_t max_body_bytes = 25 * 1024 * 1024;  // GitHub caps payloads at 25 MB
  std::chrono::seconds shutdown_grace{10};
  std::chrono::seconds idle_timeout{30};
};

struct StoreConfig {
  std::filesystem::path path = "calico-release-bot.sqlite";
  // How many queued writes one transaction may take: one fsync then covers them all.
  int max_batch = 512;
};

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { logfmt, json };

struct LogConfig {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::logfmt;
};

struct SecretsConfig {
  SecretSource webhook_secret;
  // The secret being rotated out: deliveries signed with it are still accepted.
  SecretSource webhook_previous_secret;
  SecretSource github_token;
  SecretSource github_app_private_key;
  SecretSource gpg_secret_key;
};

// A repository the bot watches.
struct RepositoryConfig {
  std::string name;            // short name used in logs and the plan: "felix"
  std::string github;          // "owner/repo" as in webhook payloads' repository.full_name
  std::string url;             // git remote the pollers and builds use
  std::string master_branch = "master";
  bool release_tags = true;    // whether vX.Y.Z tags here request calico-X.Y release builds
};

struct Config {
  std::filesystem::path source;  // the file it was loaded from
  ServerConfig server;
  StoreConfig store;
  LogConfig log;
  SecretsConfig secrets;
  std::vector<RepositoryConfig> repositories;

  // The watched repository whose GitHub name is `full_name` (case-insensitive), or nullptr.
  const RepositoryConfig* find_repository(std::string_view full_name) const;
};

std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);

}  // namespace calico::config
