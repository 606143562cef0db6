#include "bot/cli/cli.hpp"
#include "bot/preflight.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

#include "bot/log/log.hpp"
#include "bot/cli/lp_wait.hpp"
#include "bot/cli/publish.hpp"
#include "bot/cli/status.hpp"
#include "bot/service.hpp"
#include "bot/store/database.hpp"
#include "config/loader.hpp"
#include "config/serving.hpp"

#ifndef CALICO_VERSION
#define CALICO_VERSION "0.0.0"
#endif

namespace calico::cli {

namespace {

constexpr std::string_view kUsageText = R"(calico-release-bot — builds, signs and publishes Project Calico's packages.

Usage:
  calico-release-bot serve --config FILE         run the service (webhooks, health, metrics)
  calico-release-bot check-config --config FILE  validate a configuration file and exit
  calico-release-bot publish [--config FILE] [publish options]
                                                 build, sign and publish one VERSION now
  calico-release-bot status --config FILE [--build ID]
                                                 the queue, running builds with their jobs, recent builds
  calico-release-bot cancel --config FILE --build ID
                                                 ask the running service to cancel a running build
  calico-release-bot lp-wait --ppa OWNER/NAME --source NAME --version V [--series S]... [--timeout SECONDS] [--config FILE]
                                                 wait until Launchpad has published an upload's binaries
  calico-release-bot --help | --version

Options:
  --config FILE       the TOML configuration (see config/bot.example.toml)
  --log-level LEVEL   override log.level: debug, info, warn or error

Publish options (each also read from the environment variable in capitals, as for
`make release-publish`; a flag wins over the variable):
  --version V                      VERSION: master, vX.Y.Z, vX.Y.Z-python2 or release-vX.Y
  --repo-name NAME                 REPO_NAME: override the target repository
  --<variable>-repo URL            <VARIABLE>_REPO of a component that follows VERSION
                                   (--felix-repo: FELIX_REPO, --networking-calico-repo: …)
  --<variable>-checkout REF        <VARIABLE>_CHECKOUT: branch, tag or commit id
  --steps a,b                      STEPS: bld_images net_cal felix etcd3gw dnsmasq nettle pub_debs pub_rpms
                                   (the component steps are configuration: publish.components)
  --package-<variable> true        PACKAGE_<VARIABLE>: build a component that is off by default
                                   (--package-etcd3gw true: the opt-in etcd3gw RPM)
  --platforms x,y                  PLATFORMS: a subset of the configured platforms
  --secret-key FILE                SECRET_KEY: the signing key (else secrets.gpg_secret_key)
  --rpm-secret-key FILE            RPM_SECRET_KEY: sign the RPMs with this key instead (else
                                   secrets.rpm_gpg_secret_key, else the signing key)
  --promote-from TARGET            PROMOTE_FROM: for a release (vX.Y.Z), copy what TARGET's PPA and RPM
                                   repository hold and have published under the same version instead of
                                   building it (default: [publish] promote_from, "testing"; "" never)
  --dry-run                        print the plan and exit
  --wait                           after uploading, wait until Launchpad has published every upload
                                   (as lp-wait does; exit 5 if one fails or is rejected)
  --wait-timeout SECONDS           with --wait, give up after this long (default 43200)

lp-wait options (the configuration, when given, supplies [launchpad]; else the real Launchpad):
  --ppa OWNER/NAME                 e.g. project-calico/calico-3.4
  --source NAME                    source package name
  --version V                      its version; with --series, V-S is watched for each series S
  --series S                       repeatable
  --timeout SECONDS                give up after this long (default 43200, twelve hours)

Exit codes:
  0  success
  1  runtime failure (cannot listen, cannot open or write the store, ...)
  2  bad command line
  3  the configuration is missing or invalid (the message names file, line and key)
  4  publish: a job failed (each failed job is named with its log)
  5  lp-wait, publish --wait: an upload failed to build, was rejected, or was not published in time
)";

struct Options {
  std::string command;
  std::optional<std::string> config;
  std::optional<std::string> log_level;
  PublishOptions publish;
  LpWaitOptions lp_wait;
  std::optional<std::int64_t> build;  // status --build ID
};

// --flag → the environment variable it stands for.
const std::map<std::string_view, std::string> kPublishFlags = {
    {"--version", "VERSION"},
    {"--repo-name", "REPO_NAME"},
    {"--steps", "STEPS"},
    {"--platforms", "PLATFORMS"},
    {"--secret-key", "SECRET_KEY"},
    {"--rpm-secret-key", "RPM_SECRET_KEY"},
    {"--promote-from", "PROMOTE_FROM"},
};

// A component's flag: --<variable>-repo, --<variable>-checkout or --package-<variable> → the
// variable it stands for (FELIX_REPO, NETWORKING_CALICO_CHECKOUT, PACKAGE_ETCD3GW), or nothing.
// Components are configuration, so which variables exist is only known once it is read:
// run_publish refuses one that names no component.
std::optional<std::string> component_flag(std::string_view arg) {
  if (!arg.starts_with("--")) return std::nullopt;
  std::string_view name = arg.substr(2);
  std::string prefix, suffix;
  if (name.starts_with("package-")) {
    prefix = "PACKAGE_";
    name.remove_prefix(8);
  } else if (name.ends_with("-repo")) {
    suffix = "_REPO";
    name.remove_suffix(5);
  } else if (name.ends_with("-checkout")) {
    suffix = "_CHECKOUT";
    name.remove_suffix(9);
  } else {
    return std::nullopt;
  }
  const bool word = !name.empty() && name.front() != '-' && name.back() != '-' && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!word) return std::nullopt;
  std::string variable;
  for (char c : name) variable += c == '-' ? '_' : c >= 'a' ? static_cast<char>(c - 'a' + 'A') : c;
  return prefix + variable + suffix;
}

// Parses argv; returns nullopt (after printing why) on a usage error.
std::optional<Options> parse(std::span<char*> args, std::ostream& err) {
  Options options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    auto value = [&](std::string_view name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        err << "calico-release-bot: " << name << " needs a value\n";
        return std::nullopt;
      }
      return std::string(args[++i]);
    };
    if (options.command == "publish" && kPublishFlags.count(arg)) {
      std::optional<std::string> v = value(arg);
      if (!v) return std::nullopt;
      options.publish.values[kPublishFlags.at(arg)] = *v;
      continue;
    }
    if (options.command == "publish") {
      if (std::optional<std::string> variable = component_flag(arg)) {
        std::optional<std::string> v = value(arg);
        if (!v) return std::nullopt;
        options.publish.values[*variable] = *v;
        options.publish.component_flags[*variable] = std::string(arg);
        continue;
      }
    }
    if (options.command == "lp-wait" && (arg == "--ppa" || arg == "--source" || arg == "--version" || arg == "--series" ||
                                         arg == "--timeout")) {
      std::optional<std::string> v = value(arg);
      if (!v) return std::nullopt;
      if (arg == "--ppa") options.lp_wait.ppa = *v;
      else if (arg == "--source") options.lp_wait.source = *v;
      else if (arg == "--version") options.lp_wait.version = *v;
      else if (arg == "--series") options.lp_wait.series.push_back(*v);
      else {
        try {
          options.lp_wait.timeout = std::chrono::seconds(std::stoll(*v));
        } catch (const std::exception&) {
          err << "calico-release-bot: --timeout must be a number of seconds, got \"" << *v << "\"\n";
          return std::nullopt;
        }
      }
      continue;
    }
    if ((options.command == "status" || options.command == "cancel") && arg == "--build") {
      std::optional<std::string> v = value(arg);
      if (!v) return std::nullopt;
      try {
        options.build = std::stoll(*v);
      } catch (const std::exception&) {
        err << "calico-release-bot: --build must be a build number, got \"" << *v << "\"\n";
        return std::nullopt;
      }
      continue;
    }
    if (options.command == "publish" && arg == "--dry-run") {
      options.publish.dry_run = true;
      continue;
    }
    if (options.command == "publish" && arg == "--wait") {
      options.publish.wait = true;
      continue;
    }
    if (options.command == "publish" && arg == "--wait-timeout") {
      const auto v = value(arg);
      if (!v) return std::nullopt;
      try {
        std::size_t used = 0;
        const long long seconds = std::stoll(*v, &used);
        if (used != v->size() || seconds <= 0) throw std::invalid_argument(*v);
        options.publish.wait_timeout = std::chrono::seconds(seconds);
      } catch (const std::exception&) {
        err << "calico-release-bot: --wait-timeout must be a positive number of seconds, got \"" << *v << "\"\n";
        return std::nullopt;
      }
      continue;
    }
    if (arg == "--help" || arg == "-h" || arg == "--version") {
      options.command = std::string(arg == "-h" ? "--help" : arg);
      return options;
    }
    if (arg == "--config") {
      if (!(options.config = value(arg))) return std::nullopt;
    } else if (arg.starts_with("--config=")) {
      options.config = std::string(arg.substr(9));
    } else if (arg == "--log-level") {
      if (!(options.log_level = value(arg))) return std::nullopt;
    } else if (!arg.starts_with("-") && options.command.empty()) {
      options.command = std::string(arg);
    } else {
      err << "calico-release-bot: unexpected argument \"" << arg << "\"\n";
      return std::nullopt;
    }
  }
  if (options.command.empty()) {
    err << "calico-release-bot: no command given\n";
    return std::nullopt;
  }
  return options;
}

std::optional<config::LogLevel> parse_level(std::string_view text) {
  if (text == "debug") return config::LogLevel::debug;
  if (text == "info") return config::LogLevel::info;
  if (text == "warn") return config::LogLevel::warn;
  if (text == "error") return config::LogLevel::error;
  return std::nullopt;
}

}  // namespace

int run(std::span<char*> args, std::ostream& out, std::ostream& err) {
  std::optional<Options> options = parse(args, err);
  if (!options) {
    err << "Run calico-release-bot --help for usage.\n";
    return kUsage;
  }
  if (options->command == "--help") {
    out << kUsageText;
    return kOk;
  }
  if (options->command == "--version") {
    out << "calico-release-bot " << CALICO_VERSION << '\n';
    return kOk;
  }
  if (options->command != "serve" && options->command != "check-config" && options->command != "publish" &&
      options->command != "lp-wait" && options->command != "status" && options->command != "cancel") {
    err << "calico-release-bot: unknown command \"" << options->command << "\"\nRun calico-release-bot --help for usage.\n";
    return kUsage;
  }
  // publish runs on built-in defaults without one, as make release-publish ran on its variables.
  if (!options->config && options->command != "lp-wait" && options->command != "publish") {
    err << "calico-release-bot " << options->command << ": --config FILE is required\n";
    return kUsage;
  }
  std::optional<config::LogLevel> level_override;
  if (options->log_level && !(level_override = parse_level(*options->log_level))) {
    err << "calico-release-bot: --log-level must be debug, info, warn or error, got \"" << *options->log_level << "\"\n";
    return kUsage;
  }

  config::Config config;
  try {
    if (options->config) config = config::load_config(*options->config);
  } catch (const config::ConfigError& e) {
    err << "calico-release-bot: invalid configuration: " << e.what() << '\n';
    return kBadConfig;
  }
  log::configure(level_override.value_or(config.log.level), config.log.format);

  if (options->command == "publish") {
    return run_publish(config, options->publish, out, err);
  }
  if (options->command == "status") return run_status(config, options->build, out, err);
  if (options->command == "cancel") {
    if (!options->build) {
      err << "calico-release-bot cancel: --build ID is required\n";
      return kUsage;
    }
    return run_cancel(config, *options->build, out, err);
  }
  if (options->command == "lp-wait") {
    if (options->lp_wait.ppa.empty() || options->lp_wait.source.empty() || options->lp_wait.version.empty()) {
      err << "calico-release-bot lp-wait: --ppa, --source and --version are required\n";
      return kUsage;
    }
    return run_lp_wait(config, options->lp_wait, out, err);
  }

  if (options->command == "check-config") {
    // The check serve makes before it starts: what passes here, serves.
    Preflight checked;
    try {
      checked = preflight(config);
      for (const std::string& warning : checked.warnings) err << "calico-release-bot: warning: " << warning << '\n';
    } catch (const config::ConfigError& e) {
      err << "calico-release-bot: invalid configuration: " << e.what() << '\n';
      return kBadConfig;
    }
    out << config.source.string() << ": ok (" << config.repositories.size() << " repositories, listening on "
        << config.server.listen_address << ':' << config.server.port << ", store " << checked.store << ")\n";
    return kOk;
  }

  try {
    for (const std::string& warning : preflight(config).warnings) log::warn("config.warning", {{"detail", warning}});
    Service service(std::move(config));
    service.run_until_signal();
  } catch (const config::ConfigError& e) {
    err << "calico-release-bot: invalid configuration: " << e.what() << '\n';
    return kBadConfig;
  } catch (const std::exception& e) {
    log::error("service.failed", {{"error", e.what()}});
    err << "calico-release-bot: " << e.what() << '\n';
    return kFailure;
  }
  return kOk;
}

}  // namespace calico::cli
