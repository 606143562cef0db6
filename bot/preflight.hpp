// What `serve` needs beyond a well-formed file, checked before it starts and by `check-config`
// alike (what passes check-config, serves): the secrets load and their files are safe, the store
// opens (and is not newer than this bot), the signing keys are keys GnuPG can sign with, and the
// executor can be made (the kubernetes executor's API access is found, its Pods are not root).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace calico {

struct Preflight {
  // Each a sentence naming what it is about (a secret file others may read).
  std::vector<std::string> warnings;
  // The store as found: "calico.sqlite (schema version 21)", or a PostgreSQL URL (no password),
  // the server's version and the schema's.
  std::string store;
};

// Throws config::ConfigError naming the setting and what is wrong.
Preflight preflight(const config::Config& config);

// For an executor (named `executor`) that builds on this host: the rpm platforms among `publish`'s
// (the configuration's, or only those a plan builds) that this host is not and that do not say
// build_on_host, as one text naming `config`'s file, each platform and the ways out; empty when
// there are none. Asks this host's rpm only when some platform needs it.
std::string platforms_this_host_cannot_build(const config::Config& config, const config::PublishConfig& publish,
                                             std::string_view executor);

}  // namespace calico
