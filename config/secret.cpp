#include "config/secret.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <openssl/crypto.h>

#include "config/error.hpp"

namespace calico::config {

std::string SecretSource::describe() const {
  switch (kind) {
    case Kind::env: return "environment variable " + env;
    case Kind::file: return "file " + file.string();
    case Kind::none: break;
  }
  return "nothing";
}

std::string SecretSource::named(std::string_view key, const std::filesystem::path& config_file) const {
  return (declared_at.empty() ? config_file.string() : declared_at) + ": " + std::string(key) + " (from " + describe() + ")";
}

Secret::~Secret() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
}

Secret load_secret(const SecretSource& source, std::string_view key) {
  const std::string where = (source.declared_at.empty() ? "" : source.declared_at + ": ") + std::string(key) + " (from " +
                            source.describe() + ")";
  std::string value;
  switch (source.kind) {
    case SecretSource::Kind::none:
      throw ConfigError(std::string(key) + ": is not configured");
    case SecretSource::Kind::env: {
      const char* raw = std::getenv(source.env.c_str());
      if (!raw) throw ConfigError(where + ": the variable is not set");
      value = raw;
      break;
    }
    case SecretSource::Kind::file: {
      std::ifstream in(source.file, std::ios::binary);
      if (!in) throw ConfigError(where + ": cannot open the file");
      std::ostringstream text;
      text << in.rdbuf();
      value = text.str();
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
      break;
    }
  }
  if (value.empty()) throw ConfigError(where + ": the secret is empty");
  return Secret(std::move(value));
}

}  // namespace calico::config
