// What `serve` needs beyond a well-formed file, checked before it starts and by `check-config`
// alike (what passes check-config, serves): the secrets load and their files are safe, the store
// opens (and is not newer than this bot), the signing keys are keys GnuPG can sign with, and the
// executor can be made (the kubernetes executor's API access is found, its Pods are not root).
#pragma once

#include <string>
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

}  // namespace calico
