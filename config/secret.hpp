// Secrets never live in the TOML text: the configuration only says where to read them from (an
// environment variable or a file), and a Secret's value is never printed, logged or put in an error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace calico::config {

struct SecretSource {
  enum class Kind { none, env, file };
  Kind kind = Kind::none;
  std::string env;                 // for Kind::env
  std::filesystem::path file;      // for Kind::file (absolute after loading)
  std::string declared_at = {};    // "bot.toml:42": where the configuration names it, for errors

  bool configured() const { return kind != Kind::none; }
  // "environment variable CALICO_WEBHOOK_SECRET" or "file /run/secrets/webhook": safe to log.
  std::string describe() const;
  // How an error about this secret begins: "bot.toml:42: secrets.gpg_secret_key (from file …)",
  // where it is declared (else `config_file`).
  std::string named(std::string_view key, const std::filesystem::path& config_file) const;
};

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret();  // wipes the bytes

  bool empty() const { return value_.empty(); }
  // Deliberately verbose so every use of the raw value is easy to find.
  std::string_view reveal() const { return value_; }

 private:
  std::string value_;
};

// Reads the secret. Throws ConfigError naming the source (never the value) when the variable is
// unset, the file is unreadable, or the secret is empty. A trailing newline in a file is dropped.
Secret load_secret(const SecretSource& source, std::string_view key);

}  // namespace calico::config
