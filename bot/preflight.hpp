// What `serve` needs beyond a well-formed file, checked before it starts and by `check-config`
// alike (what passes check-config, serves): the secrets load and their files are safe, the store
// opens (and is not newer than this bot), and the signing keys are keys GnuPG can sign with.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace calico {

// Throws config::ConfigError naming the setting and what is wrong. Returns warnings (a secret file
// others may read), each a sentence naming the file.
std::vector<std::string> preflight(const config::Config& config);

}  // namespace calico
