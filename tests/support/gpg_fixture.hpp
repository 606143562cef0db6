// A throwaway OpenPGP signing key made with the gpg command line, exported the way a release
// engineer exports SECRET_KEY, plus a public keyring for verifying what was signed with it.
#pragma once

#include <filesystem>
#include <string>

namespace calico::testkit {

struct GpgFixture {
  std::filesystem::path secret_key;     // armoured secret key export (SECRET_KEY)
  std::filesystem::path public_key;     // armoured public key
  std::filesystem::path public_keyring; // binary keyring with the public key (gpgv, dscverify)
  std::filesystem::path verify_home;    // a GnuPG home that knows only the public key
  std::filesystem::path trusted_home;   // a $HOME whose ~/.gnupg/trustedkeys.gpg holds it (dpkg-source)
  std::string fingerprint;
};

// `passphrase` empty: an unprotected key.
GpgFixture make_gpg_key(const std::filesystem::path& dir, const std::string& passphrase = "");

// Removes a GnuPG home a test used. gpg-agent removes its own sockets as it exits, racing the
// removal: what has already gone is not an error.
void remove_gpg_home(const std::filesystem::path& home);

}  // namespace calico::testkit
