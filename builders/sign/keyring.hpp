// A private, temporary GnuPG home (0700, under /tmp so gpg-agent's socket path stays short) into
// which the signing key (SECRET_KEY) is imported, and signing through gpgme. No passphrase prompt
// ever: a passphrase, if the key has one, is given from memory through loopback pinentry. The home
// and its agent are removed when the Keyring goes away.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/secret.hpp"

namespace calico::builders::sign {

class SignError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Keyring {
 public:
  // Imports the armoured or binary secret key in `secret_key_file`. Throws SignError.
  Keyring(const std::filesystem::path& secret_key_file, std::optional<config::Secret> passphrase);
  // The same, from the key's bytes; `origin` names where they came from in errors.
  Keyring(const config::Secret& secret_key, const std::string& origin, std::optional<config::Secret> passphrase);
  ~Keyring();
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // Clearsigns `text` with the imported key.
  std::string clearsign(std::string_view text) const;
  // Clearsigns a file in place.
  void clearsign_file(const std::filesystem::path& file) const;
  // The armoured public key, as the RPM repository publishes it in <repo>/key.
  std::string export_public_key() const;

  const std::filesystem::path& home() const { return home_; }
  // After a crash: the GnuPG homes (with the private key in them) and their agents left under
  // `parent` by bots that are no longer running. Returns how many were removed.
  static std::size_t remove_orphaned_homes(const std::filesystem::path& parent = "/tmp");
  const std::string& fingerprint() const { return fingerprint_; }
  const std::string& user_id() const { return user_id_; }
  // Where a passphrase for other tools (rpmsign) is, or empty when the key has none.
  const std::filesystem::path& passphrase_file() const { return passphrase_file_; }

 private:
  struct Context;
  std::filesystem::path home_;
  std::filesystem::path passphrase_file_;
  std::optional<config::Secret> passphrase_;
  std::string fingerprint_;
  std::string user_id_;
  Context* context_ = nullptr;
  mutable std::mutex sign_mutex_;  // one gpgme context, shared by parallel jobs

  void import(const config::Secret& secret_key, const std::string& origin);
};

}  // namespace calico::builders::sign
