#include "tests/support/gpg_fixture.hpp"

#include <stdexcept>
#include <vector>

#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"

namespace calico::testkit {

namespace {
std::string gpg(const std::filesystem::path& home, std::vector<std::string> args, const std::filesystem::path& scratch) {
  std::vector<std::string> argv{"/usr/bin/gpg", "--batch", "--no-tty", "--homedir", home.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult result = run_process(argv, scratch);
  if (result.exit_code != 0) throw std::runtime_error("gpg " + args.at(0) + " failed: " + result.output);
  return result.output;
}
}  // namespace

GpgFixture make_gpg_key(const std::filesystem::path& dir, const std::string& passphrase) {
  GpgFixture key;
  // Short homes: gpg-agent's socket path must stay under 108 bytes.
  char pattern[] = "/tmp/calico-test-gpg-XXXXXX";
  const std::filesystem::path home = ::mkdtemp(pattern);
  std::filesystem::create_directories(dir);
  gpg(home, {"--passphrase", passphrase, "--pinentry-mode", "loopback", "--quick-generate-key",
             "Calico Test Signing <signing@example.org>", "ed25519", "sign", "never"},
      dir);
  const std::string listing = gpg(home, {"--with-colons", "--list-secret-keys"}, dir);
  const auto fpr = listing.find("\nfpr:");
  key.fingerprint = listing.substr(fpr + 1).substr(0, listing.substr(fpr + 1).find('\n'));
  key.fingerprint = key.fingerprint.substr(0, key.fingerprint.size() - 1);
  key.fingerprint = key.fingerprint.substr(key.fingerprint.find_last_of(':') + 1);
  key.secret_key = dir / "signing-key.asc";
  key.public_key = dir / "signing-key.pub.asc";
  gpg(home, {"--passphrase", passphrase, "--pinentry-mode", "loopback", "--armor", "--output", key.secret_key.string(),
             "--export-secret-keys", key.fingerprint},
      dir);
  gpg(home, {"--armor", "--output", key.public_key.string(), "--export", key.fingerprint}, dir);
  gpg(home, {"--output", (dir / "signing-key.gpg").string(), "--export", key.fingerprint}, dir);
  key.public_keyring = dir / "signing-key.gpg";
  run_process({"/usr/bin/gpgconf", "--homedir", home.string(), "--kill", "all"}, dir);
  std::filesystem::remove_all(home);

  char verify_pattern[] = "/tmp/calico-test-verify-XXXXXX";
  key.verify_home = ::mkdtemp(verify_pattern);
  gpg(key.verify_home, {"--import", key.public_key.string()}, dir);
  key.trusted_home = dir / "trusted-home";
  std::filesystem::create_directories(key.trusted_home / ".gnupg");
  std::filesystem::permissions(key.trusted_home / ".gnupg", std::filesystem::perms::owner_all);
  std::filesystem::copy_file(key.public_keyring, key.trusted_home / ".gnupg" / "trustedkeys.gpg");
  return key;
}

void remove_gpg_home(const std::filesystem::path& home) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::error_code error;
    std::filesystem::remove_all(home, error);
    if (!error || !std::filesystem::exists(home)) return;
  }
}

}  // namespace calico::testkit
