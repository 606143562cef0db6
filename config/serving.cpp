#include "config/serving.hpp"

#include <utility>

#include "config/error.hpp"
#include "config/secret.hpp"

namespace calico::config {

void check_serving(const Config& config) {
  if (!config.secrets.webhook_secret.configured()) {
    throw ConfigError(config.source.string() +
                      ": secrets.webhook_secret: is required to serve (every delivery is signed with it); add "
                      "[secrets] webhook_secret = { file = \"path\" } or { env = \"VARIABLE\" }");
  }
  for (const auto& [source, key] : config.secrets.all()) {
    if (source->configured()) load_secret(*source, key);
  }
  const bool talks_to_github = config.secrets.github_token.configured() || config.secrets.github_app_private_key.configured();
  if (talks_to_github && config.server.public_url.empty()) {
    throw ConfigError(config.source.string() +
                      ": server.public_url: is required with GitHub credentials (commit statuses and comments link "
                      "to the status page; the default, http://" +
                      config.server.listen_address + ":" + std::to_string(config.server.port) + ", reaches nobody on GitHub)");
  }
  if (config.secrets.github_app_private_key.configured()) {
    const Secret key = load_secret(config.secrets.github_app_private_key, "secrets.github_app_private_key");
    const std::string_view pem = key.reveal();
    if (pem.find("-----BEGIN ") == std::string_view::npos || pem.find("PRIVATE KEY-----") == std::string_view::npos) {
      const SecretSource& source = config.secrets.github_app_private_key;
      throw ConfigError(source.named("secrets.github_app_private_key", config.source) +
                        ": is not a PEM private key (it begins \"-----BEGIN RSA PRIVATE KEY-----\" or \"-----BEGIN "
                        "PRIVATE KEY-----\"; GitHub's App settings page downloads one)");
    }
  }
}

}  // namespace calico::config
