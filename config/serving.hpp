// What `serve` needs beyond a well-formed file: the webhook secret, every configured secret
// readable, a GitHub App key that is a PEM private key, and a public URL for the links GitHub
// shows when GitHub credentials are configured. `check-config` and `serve` both run this
// one check, so a configuration check-config passes is one serve starts with.
#pragma once

#include "config/config.hpp"

namespace calico::config {

// Throws ConfigError naming the file, the line and the key (never a secret's value).
void check_serving(const Config& config);

}  // namespace calico::config
