// The typed configuration of calico-release-bot. Everything here is plain data: the loader
// (config/loader.cpp) fills it from TOML and validates it, the rest of the program reads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
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
  // Where people reach the status page: links in commit statuses and comments. Empty: the
  // listen address and port ("http://127.0.0.1:8080").
  std::string public_url;

  std::string status_page_url() const;  // public_url, or the default, without a trailing slash
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
  SecretSource gpg_passphrase;  // only for a passphrase-protected signing key
};

// A repository the bot watches.
struct RepositoryConfig {
  std::string name;            // short name used in logs and the plan: "felix"
  std::string github;          // "owner/repo" as in webhook payloads' repository.full_name
  std::string url;             // git remote the pollers and builds use
  std::string master_branch = "master";
  bool release_tags = true;    // whether vX.Y.Z tags here request calico-X.Y release builds
  // Which of those tags count (ECMAScript regex, whole tag). Only tags of the vX.Y.Z or
  // vX.Y.Z-python2 shape can become builds; this narrows them (e.g. "v3\.[0-9]+\.[0-9]+").
  std::string release_tag_pattern = "v[0-9]+\\.[0-9]+\\.[0-9]+(-python2)?";
  // The safety net for missed webhooks: ls-remote this often (with ±10% jitter); 0: never.
  std::chrono::seconds poll_interval{300};
};

// One target platform of the packaging matrix: an Ubuntu series (deb) or an RPM platform.
enum class PackageKind { deb, rpm };

struct PlatformConfig {
  std::string name;          // "xenial", "centos7"
  PackageKind kind = PackageKind::deb;
  std::string rpm_dist;      // %{dist} for rpm platforms: ".el7"
};

// How one component of the procedure is built. The components themselves (networking-calico,
// felix, etcd3gw, dnsmasq, nettle) are the procedure's steps and fixed in builders/; which
// platforms each is built for, from which refs, and with which epoch is configuration.
struct ComponentConfig {
  std::vector<std::string> platforms;
  // Per-platform source ref (dnsmasq's fork tags, nettle's and etcd3gw's versions). Empty for
  // felix and networking-calico, whose checkout follows VERSION.
  std::vector<std::pair<std::string, std::string>> refs;
  // Where the source comes from: a [[repositories]] name or a git URL. Empty: the repository of
  // the component's name if one is configured, else `upstream_url`.
  std::string source;
  std::string upstream_url;  // built in, not configurable: the component's public home
  unsigned epoch = 0;

  const std::string* ref_for(std::string_view platform) const;
  bool builds_on(std::string_view platform) const;
};

struct PublishConfig {
  std::string ppa_owner = "project-calico";
  std::filesystem::path work_dir = "work";      // per-run build directories and job logs
  std::filesystem::path mirror_dir = "mirrors"; // bare git mirrors, fetched in place
  std::string maintainer = "Project Calico Maintainers <maintainers@projectcalico.org>";
  std::string executor = "local";               // local | docker
  std::string docker_image_prefix = "calico-build/";
  std::chrono::seconds job_timeout{3600};
  // dput target. {owner} and {repo} are replaced by ppa_owner and REPO_NAME.
  std::string dput_method = "ftp";              // ftp (Launchpad) | local
  std::string dput_fqdn = "ppa.launchpad.net";
  std::string dput_incoming = "~{owner}/ubuntu/{repo}";
  int upload_attempts = 3;
  // The RPM host: "local" (a directory, or a mounted share), "ssh" (ssh/scp to rpm_host) or
  // "gcloud" (gcloud compute ssh/scp rpm_host gcloud_args, as the original procedure did).
  std::string rpm_transport = "local";
  std::filesystem::path rpm_root = "rpm-host";  // RPMs go to <rpm_root>/rpm/<REPO_NAME>/...
  std::string rpm_host;                         // HOST: [user@]host for ssh and gcloud
  int rpm_ssh_port = 22;
  std::filesystem::path rpm_ssh_identity;       // ssh -i; empty: ssh's own default
  std::vector<std::string> rpm_ssh_options;     // extra ssh -o settings
  std::string gcloud_args;                      // GCLOUD_ARGS, split on whitespace
  int rpm_keep_versions = 3;
  // Independent jobs of one plan run at once up to this many.
  int parallel_jobs = 2;
  std::vector<PlatformConfig> platforms;  // the matrix's columns, in order
  // Keyed by component name: networking-calico, felix, etcd3gw, dnsmasq, nettle.
  std::vector<std::pair<std::string, ComponentConfig>> components;

  const PlatformConfig* find_platform(std::string_view name) const;
  const ComponentConfig* find_component(std::string_view name) const;
};

// DESIGN.md's default matrix: trusty, xenial, bionic (deb) and centos7 (rpm).
PublishConfig default_publish_config();

// Launchpad's web service (anonymous reads).
struct LaunchpadConfig {
  std::string api_root = "https://api.launchpad.net/1.0";  // tests and the demo point it at a stand-in
  std::chrono::seconds timeout{30};
  std::chrono::milliseconds min_interval{500};  // between two requests: be polite
  // The watcher: first poll after an upload, growing (doubling) to the maximum.
  std::chrono::seconds poll_first{60};
  std::chrono::seconds poll_max{600};
  // An upload Launchpad has not shown after this long was rejected.
  std::chrono::seconds reject_after{7200};
};

// Talking to GitHub: commit statuses, comments and reactions, and who may run commands.
// Authentication: secrets.github_token, or secrets.github_app_private_key with app_id and
// installation_id. Neither: nothing is sent (the outbox keeps what would have been).
struct GitHubConfig {
  std::string api_root = "https://api.github.com";  // GitHub Enterprise: https://HOST/api/v3
  std::chrono::seconds timeout{30};
  std::string app_id;           // GitHub App ID (the JWT's issuer)
  std::string installation_id;  // the App's installation on the repositories
  // Users who may run /publish, /cancel and /retry whatever their permission on the repository.
  std::vector<std::string> allowed_users;
  // How long a user's permission answer is trusted.
  std::chrono::seconds permission_cache{300};
  // GitHub's secondary limits: at least this long between two content-creating writes.
  std::chrono::milliseconds write_interval{1000};
  // A write GitHub did not accept is tried again after this long, doubling up to retry_max.
  std::chrono::seconds retry_first{10};
  std::chrono::seconds retry_max{900};
};

// Running queued build requests in the service.
struct DispatchConfig {
  bool enabled = true;
  int max_concurrent_builds = 1;   // across all targets; one per target repository always
  // A release waits until every component built from its tag carries it, up to this long,
  // checking again every tag_check interval; then it fails naming the missing ones.
  std::chrono::seconds tag_wait{3600};
  std::chrono::seconds tag_check{60};
  // Instead of (or as well as) nightly: build master once it has been quiet this long after a
  // change. 0: off.
  std::chrono::seconds master_quiet{0};
  // The nightly master build: at this UTC time, if master changed since the last good build.
  bool nightly = true;
  int nightly_hour = 2;
  int nightly_minute = 0;
};

struct Config {
  std::filesystem::path source;  // the file it was loaded from
  ServerConfig server;
  StoreConfig store;
  LogConfig log;
  SecretsConfig secrets;
  std::vector<RepositoryConfig> repositories;
  PublishConfig publish = default_publish_config();
  LaunchpadConfig launchpad;
  DispatchConfig dispatch;
  GitHubConfig github;

  // The watched repository whose GitHub name is `full_name` (case-insensitive), or nullptr.
  const RepositoryConfig* find_repository(std::string_view full_name) const;
  // The repository with that short name ("felix"), or nullptr.
  const RepositoryConfig* find_repository_by_name(std::string_view name) const;
};

std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);

}  // namespace calico::config
