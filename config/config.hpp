// The typed configuration of calico-release-bot. Everything here is plain data: the loader
// (config/loader.cpp) fills it from TOML and validates it, the rest of the program reads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
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
  // How long a new connection may take to send its first request's headers.
  std::chrono::seconds header_timeout{10};
  // Connections open at once; at the cap a newcomer closes the longest-idle connection, and only
  // when all have requests in flight do new ones wait in the listen queue. Lowered at start to
  // fit the open-file limit.
  int max_connections = 1024;
  // Connections from one client address at once (0: no cap). Behind a load balancer every
  // connection comes from its address: raise it to max_connections there.
  int max_connections_per_client = 64;
  // Request bodies held in memory at once over all connections, before their signatures are
  // checked; beyond it a request is answered 503 with Retry-After.
  std::size_t max_buffered_body_bytes = 256 * 1024 * 1024;
  // Where people reach the status page: links in commit statuses and comments. Empty: the
  // listen address and port ("http://127.0.0.1:8080").
  std::string public_url;

  std::string status_page_url() const;  // public_url, or the default, without a trailing slash
};

struct StoreConfig {
  // The engine: "sqlite" (embedded, one process) or "postgresql" (several replicas may share it).
  std::string backend = "sqlite";
  // sqlite: the database file.
  std::filesystem::path path = "calico-release-bot.sqlite";
  // postgresql: a libpq connection string, "postgresql://user@host:5432/db?sslmode=verify-full"
  // or "host=… dbname=…" keywords. Its password comes from secrets.store_password, never from here.
  std::string url;
  // How long a replica's claim on a running build or a message being sent lasts without its
  // heartbeat (renewed every third of it): how soon another replica takes over from a dead one.
  int lease_seconds = 30;
  // The password secrets.store_password holds, filled in by with_store_password() at start.
  Secret password;
  // How many queued writes one transaction may take: one fsync then covers them all.
  int max_batch = 512;
  // Processed deliveries and settled outbox messages older than this are removed (checked
  // hourly). 0: kept for ever. At least 7 otherwise: a delivery's GUID must outlive GitHub's
  // redelivery window for the dedupe to hold.
  int retention_days = 90;
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
  // The key RPMs are signed with, when it is not the Launchpad key (the RPM repository's own,
  // exported to <repo>/key). Unset: gpg_secret_key signs both.
  SecretSource rpm_gpg_secret_key;
  SecretSource rpm_gpg_passphrase;
  // The PostgreSQL store's password (store.backend = "postgresql"), never written in store.url.
  SecretSource store_password;
  // Launchpad's OAuth 1.0 access token (as launchpadlib's authorisation stores it): only writes
  // need it, which promotion (copyPackage) is.
  SecretSource launchpad_consumer_key;
  SecretSource launchpad_token;
  SecretSource launchpad_token_secret;

  // Every secret with its key ("secrets.webhook_secret", …), configured or not.
  std::vector<std::pair<const SecretSource*, const char*>> all() const;
  // The environment variables configured secrets are read from: never passed to a process.
  std::vector<std::string> variables() const;
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
  // rpmbuild --define "NAME VALUE" pairs the platform's own rpm macros would give (the build
  // image's /etc/rpm/macros.dist): "el7 1" so a spec's %if 0%{?el7} takes the CentOS 7 branch.
  std::vector<std::string> rpm_defines;
  // The docker executor's build image is docker/<name>.Dockerfile built FROM this image; empty:
  // the Dockerfile's own default (the real distribution's image).
  std::string docker_base;
  // rpmbuild checks the spec's BuildRequires against the image's rpm database. Unset: yes in a
  // container (the platform's own image has them), no on this host (--nodeps: Debian's rpm
  // database is empty; scripts/install-deps installs the Debian equivalents).
  std::optional<bool> rpm_check_build_deps;
  // An executor that builds on this host (local) builds this rpm platform's RPMs here although
  // the host is not that platform, because its rpm_defines adapt this host (README "What runs
  // where"). Off: such an executor refuses the platform (check-config and serve say so).
  bool build_on_host = false;
};

// Where a component's source comes from.
enum class SourceKind {
  version,  // a git checkout that follows VERSION: master, the vX.Y.Z tag, a release-vX.Y branch
  refs,     // a git ref configured per platform (dnsmasq's fork tags)
  dsc,      // a Debian source package (.dsc path or http(s) URL) per platform (nettle)
};

// What happens to debian/changelog before the source package is built.
enum class ChangelogMode {
  generate,          // one new entry: the computed version, "-<series>", the scripts' wording
  keep,              // the source's own, unchanged
  retarget_first,    // the source's own, its first line's distribution replaced by the series
  retarget_all,      // the source's own, every occurrence of that distribution replaced
};

// A step run in the source tree before packaging (Felix's binary build): a process, argv, never a shell
// string; skipped unless `if_file` contains `if_text` when those are given.
struct PreBuildStep {
  std::vector<std::string> argv;
  std::string if_file;
  std::string if_text;
};

// One component of the procedure: everything the builders need to know to package it. Nothing
// in code paths names a component; adding one (Calico's later calicoctl) is a table in the
// configuration.
struct ComponentConfig {
  std::string name;                // "felix": the directory the source is checked out into
  std::string step;                // its word in STEPS: "felix", "net_cal"
  std::string title;               // changelog wording: "Felix v3.20.2 (from Git commit …)"
  bool enabled = true;             // off: not part of the default steps (etcd3gw is opt-in)
  // A failure stops no other component's uploads: the platform's pub_debs/pub_rpms publish
  // what was built (nettle is an optional input).
  bool optional = false;
  SourceKind source_kind = SourceKind::version;
  // A [[repositories]] name or a git URL or path. Empty: the repository of the component's
  // name if one is configured, else `upstream_url`.
  std::string source;
  std::string upstream_url;        // the public home, the default when nothing is configured
  // For SourceKind::version: the environment variables that override it are
  // <variable>_REPO and <variable>_CHECKOUT ("FELIX", "NETWORKING_CALICO").
  std::string variable;
  // vX.Y.Z-python2 checks this component out at the suffixed tag (else at vX.Y.Z).
  bool python2_tag = false;
  std::vector<std::string> platforms;
  // Per-platform source ref (refs) or .dsc location (dsc).
  std::vector<std::pair<std::string, std::string>> refs;
  unsigned epoch = 0;              // Debian epoch ("1:" for networking-calico)
  std::vector<PreBuildStep> pre_build;
  // Left out of source packages and RPM tarballs (dpkg-source -I / tar --exclude patterns),
  // besides version-control files.
  std::vector<std::string> exclude;
  ChangelogMode changelog = ChangelogMode::generate;
  // A file whose `version="0.0.0"` gets the computed version (networking-calico's setup.py).
  std::string version_file;
  // The RPM spec, relative to the tree (or to spec_source's checkout). Empty: the one *.spec.in
  // or *.spec in rpm/. A .spec.in gets its Version:, Release: and %changelog filled; a .spec is
  // used unchanged. Every file beside it goes to SOURCES.
  std::string spec;
  std::string spec_source;         // another repository holding the spec (etcd3gw's lives in packaging)
  std::string spec_ref = "master";
  // The RPM source tarball is <tarball_name>-<Version>.tar.gz. Empty: the component's name.
  std::string tarball_name;

  const std::string* ref_for(std::string_view platform) const;
  bool builds_on(std::string_view platform) const;
  const std::string& tarball() const { return tarball_name.empty() ? name : tarball_name; }
  // The [[repositories]] name (or URL) its source is looked up by: `source`, else its own name.
  const std::string& repository_name() const { return source.empty() ? name : source; }
};

// The kubernetes executor: each build job is one batch/v1 Job in `name_space`.
struct KubernetesToleration {
  std::string key;
  std::string op = "Equal";  // Equal | Exists
  std::string value;
  std::string effect;        // NoSchedule | PreferNoSchedule | NoExecute, or "" for all
};

struct KubernetesConfig {
  std::string kubeconfig;        // empty: $KUBECONFIG, in-cluster, else ~/.kube/config (as kubectl)
  std::string name_space;        // empty: the kubeconfig context's or the service account's, else "default"
  std::string workspace_claim = "calico-release-bot-workspace";  // ReadWriteMany
  // Where the bot has the claim's root mounted (build Pods mount it at the same path, so every
  // path under it means the same to both); empty: work_dir is the claim's root.
  std::filesystem::path workspace_mount_path;
  bool push_images = false;      // the image step builds and pushes <docker_image_prefix><platform>; false: they are given
  std::optional<std::int64_t> run_as_user;   // unset: the bot's own uid (never root)
  std::optional<std::int64_t> run_as_group;
  std::chrono::seconds ttl_after_finished{3600};
  std::chrono::seconds start_timeout{600};   // a Pod not running by then (a bad image) fails the job
  std::string cpu_request = "1";
  std::string memory_request = "2Gi";
  std::string cpu_limit;
  std::string memory_limit = "8Gi";
  std::map<std::string, std::string> node_selector;
  std::vector<KubernetesToleration> tolerations;
};

struct PublishConfig {
  std::string ppa_owner = "project-calico";
  std::filesystem::path work_dir = "work";      // per-run build directories and job logs
  std::filesystem::path mirror_dir = "mirrors"; // bare git mirrors, fetched in place
  std::string maintainer = "Project Calico Maintainers <maintainers@projectcalico.org>";
  std::string executor = "local";               // local | docker | kubernetes
  std::string docker_image_prefix = "calico-build/";
  std::chrono::seconds job_timeout{3600};
  KubernetesConfig kubernetes;
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
  int rpm_keep_versions = 1;  // the scripts keep only the newest (repomanage --old)
  // A release (vX.Y.Z) is promoted from this target: what it already holds and has published under
  // the very version the release would have is copied (Launchpad's copyPackage, binaries
  // included; RPMs between repository directories) instead of built again. Empty: never.
  std::string promote_from = "testing";
  // Independent jobs of one plan run at once up to this many.
  int parallel_jobs = 2;
  std::vector<PlatformConfig> platforms;  // the matrix's columns, in order
  // In procedure order (DESIGN.md: networking-calico, felix, etcd3gw, dnsmasq, nettle).
  std::vector<ComponentConfig> components;

  const PlatformConfig* find_platform(std::string_view name) const;
  const ComponentConfig* find_component(std::string_view name) const;
  const ComponentConfig* find_step(std::string_view step) const;
};

// The packaging scripts' matrix: trusty, xenial, bionic, focal (deb) and centos7 (rpm), and the
// components as the scripts build them from their public repositories.
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
  // The bot's own account, whose comments are never obeyed. Empty: asked of GitHub (GET /user)
  // for a token; an App's comments come from a Bot account, which is never obeyed anyway.
  std::string bot_login;
  // How long a user's permission answer is trusted.
  std::chrono::seconds permission_cache{300};
  // Replies (one per comment) the bot writes to one author within an hour; beyond it their
  // commands still run but get no reply, so that nobody can make the bot talk without end.
  int replies_per_author_per_hour = 30;
  // GitHub's secondary limits: at least this long between two content-creating writes.
  std::chrono::milliseconds write_interval{1000};
  // A write GitHub did not accept is tried again after this long, doubling up to retry_max.
  std::chrono::seconds retry_first{10};
  std::chrono::seconds retry_max{900};
  // People who must say yes before a release (/publish calico-X.Y or vX.Y.Z, /retry of one) is
  // queued: 1, whoever asks; 2, another person with write access comments /approve.
  int release_approvals = 1;
  // Missed-delivery recovery (at start, then this often; 0: off): deliveries GitHub could not
  // make while the bot was down are asked for again, or their comments re-read.
  std::chrono::seconds recovery_interval{300};
  // Each publication of a build to a target is a GitHub deployment of its commit to the
  // environment ppa:<ppa_owner>/<target> (and rpm:<target>), whose statuses follow it.
  bool deployments = true;
  // Where the RPM repositories are served, <url>/<target> being one (their deployments'
  // environment_url). Empty: RPM deployments name no URL.
  std::string rpm_repository_url;
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

// The store's settings with secrets.store_password read, when one is set. Throws ConfigError
// naming the secret when it cannot be read.
StoreConfig with_store_password(const Config& config);


std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);

}  // namespace calico::config
