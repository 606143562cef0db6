#include "builders/sign/keyring.hpp"

#include <gpgme.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "builders/exec/process.hpp"
#include "builders/exec/process_identity.hpp"
#include "builders/files.hpp"
#include "builders/text.hpp"

namespace calico::builders::sign {

namespace {

constexpr const char* kOwnerFile = "owner";
constexpr const char* kHomePrefix = "calico-gnupg-";

void stop_agent_and_remove(const std::filesystem::path& home) {
  exec::CancelToken never;
  exec::run_process({{"gpgconf", "--homedir", home.string(), "--kill", "all"}, {}, {}, std::chrono::seconds(30)},
                    home / "gpgconf.log", never);
  std::error_code ignored;
  std::filesystem::remove_all(home, ignored);
}

void init_gpgme() {
  static std::once_flag once;
  std::call_once(once, [] {
    gpgme_check_version(nullptr);
    setlocale(LC_ALL, "");
  });
}

void check(gpgme_error_t error, const std::string& what) {
  if (error) throw SignError(what + ": " + gpgme_strerror(error));
}

std::string take(gpgme_data_t data) {
  std::size_t size = 0;
  char* bytes = gpgme_data_release_and_get_mem(data, &size);
  std::string out(bytes ? bytes : "", size);
  gpgme_free(bytes);
  return out;
}

gpgme_error_t give_passphrase(void* hook, const char*, const char*, int previous_was_bad, int fd) {
  const auto* passphrase = static_cast<const std::optional<config::Secret>*>(hook);
  if (previous_was_bad || !passphrase->has_value()) return gpgme_error(GPG_ERR_CANCELED);
  const std::string_view value = (*passphrase)->reveal();
  if (gpgme_io_writen(fd, value.data(), value.size()) != 0 || gpgme_io_writen(fd, "\n", 1) != 0) {
    return gpgme_error_from_errno(errno);
  }
  return 0;
}

}  // namespace

struct Keyring::Context {
  gpgme_ctx_t ctx = nullptr;
  ~Context() { gpgme_release(ctx); }
};

namespace {
config::Secret read_key_file(const std::filesystem::path& file) {
  std::optional<std::string> bytes = read_whole_file(file);
  if (!bytes) throw SignError(file_error("read", file) + " (the signing key)");
  return config::Secret(std::move(*bytes));
}
}  // namespace

Keyring::Keyring(const std::filesystem::path& secret_key_file, std::optional<config::Secret> passphrase)
    : Keyring(read_key_file(secret_key_file), secret_key_file.string(), std::move(passphrase)) {}

Keyring::Keyring(const config::Secret& secret_key, const std::string& origin, std::optional<config::Secret> passphrase)
    : passphrase_(std::move(passphrase)) {
  init_gpgme();
  std::string pattern_text = "/tmp/" + std::string(kHomePrefix) + "XXXXXX";
  char* pattern = pattern_text.data();
  if (!::mkdtemp(pattern)) throw SignError(std::string("cannot create a GnuPG home: ") + std::strerror(errno));
  home_ = pattern;  // mkdtemp makes it 0700
  // Whose it is, before the key goes in: a start after a crash removes the homes of bots that
  // are gone (remove_orphaned_homes), never those of one still running.
  replace_file(home_ / kOwnerFile, exec::self_identity().to_text() + "\n");
  context_ = new Context;
  try {
    import(secret_key, origin);
  } catch (...) {
    delete context_;
    context_ = nullptr;
    std::error_code ignored;
    std::filesystem::remove_all(home_, ignored);
    throw;
  }
}

void Keyring::import(const config::Secret& secret_key, const std::string& origin) {
  const std::string_view key = secret_key.reveal();
  check(gpgme_new(&context_->ctx), "cannot start gpgme");
  check(gpgme_ctx_set_engine_info(context_->ctx, GPGME_PROTOCOL_OpenPGP, nullptr, home_.c_str()),
        "cannot use GnuPG home " + home_.string());
  gpgme_set_armor(context_->ctx, 1);
  check(gpgme_set_pinentry_mode(context_->ctx, GPGME_PINENTRY_MODE_LOOPBACK), "cannot set loopback pinentry");
  gpgme_set_passphrase_cb(context_->ctx, give_passphrase, &passphrase_);

  gpgme_data_t data = nullptr;
  check(gpgme_data_new_from_mem(&data, key.data(), key.size(), 1), "cannot read the signing key");
  const gpgme_error_t imported = gpgme_op_import(context_->ctx, data);
  gpgme_data_release(data);
  check(imported, "cannot import the signing key from " + origin);
  const gpgme_import_result_t result = gpgme_op_import_result(context_->ctx);
  if (!result || result->secret_imported == 0) {
    throw SignError(origin + " holds no secret key (export it with gpg --export-secret-keys)");
  }

  gpgme_key_t signer = nullptr;
  check(gpgme_op_keylist_start(context_->ctx, nullptr, /*secret_only=*/1), "cannot list keys");
  for (gpgme_key_t key_item = nullptr; gpgme_op_keylist_next(context_->ctx, &key_item) == 0;) {
    if (!signer && key_item->can_sign && !key_item->revoked && !key_item->expired) {
      signer = key_item;
    } else {
      gpgme_key_unref(key_item);
    }
  }
  gpgme_op_keylist_end(context_->ctx);
  if (!signer) throw SignError(origin + " holds no usable signing key");
  fingerprint_ = signer->fpr ? signer->fpr : "";
  user_id_ = signer->uids && signer->uids->uid ? signer->uids->uid : fingerprint_;
  gpgme_signers_clear(context_->ctx);
  const gpgme_error_t added = gpgme_signers_add(context_->ctx, signer);
  gpgme_key_unref(signer);
  check(added, "cannot use key " + fingerprint_);

  if (passphrase_) {
    // For rpmsign, which runs gpg itself: a file only we can read, inside the private home.
    passphrase_file_ = home_ / "passphrase";
    write_text<SignError>(passphrase_file_, passphrase_->reveal(), FileAccess::owner_only);
  }
}

Keyring::~Keyring() {
  delete context_;
  // Stop the agent gpgme started for this home, then remove the home with the key in it.
  stop_agent_and_remove(home_);
}

std::size_t Keyring::remove_orphaned_homes(const std::filesystem::path& parent) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    if (!entry.path().filename().string().starts_with(kHomePrefix) || !entry.is_directory(ec) || entry.is_symlink(ec)) continue;
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) != 0 || info.st_uid != ::geteuid()) continue;  // not ours to judge
    const std::optional<std::string> owner_text = read_whole_file(entry.path() / kOwnerFile);
    const std::optional<exec::ProcessIdentity> owner = owner_text ? exec::ProcessIdentity::parse(*owner_text) : std::nullopt;
    if (owner && owner->alive()) continue;
    // No owner yet: a home being made this very moment, unless it is older than a minute.
    if (!owner && std::time(nullptr) - info.st_mtime < 60) continue;
    stop_agent_and_remove(entry.path());
    ++removed;
  }
  return removed;
}

std::string Keyring::clearsign(std::string_view text) const {
  std::lock_guard lock(sign_mutex_);
  gpgme_data_t plain = nullptr;
  gpgme_data_t signature = nullptr;
  check(gpgme_data_new_from_mem(&plain, text.data(), text.size(), 0), "cannot prepare the text to sign");
  check(gpgme_data_new(&signature), "cannot prepare the signature");
  const gpgme_error_t signed_ok = gpgme_op_sign(context_->ctx, plain, signature, GPGME_SIG_MODE_CLEAR);
  gpgme_data_release(plain);
  if (signed_ok) {
    gpgme_data_release(signature);
    check(signed_ok, "cannot sign with key " + fingerprint_);
  }
  return take(signature);
}

void Keyring::clearsign_file(const std::filesystem::path& file) const {
  write_text<SignError>(file, clearsign(read_text<SignError>(file)));
}

std::string Keyring::export_public_key() const {
  std::lock_guard lock(sign_mutex_);
  gpgme_data_t out = nullptr;
  check(gpgme_data_new(&out), "cannot prepare the key export");
  const gpgme_error_t exported = gpgme_op_export(context_->ctx, fingerprint_.c_str(), 0, out);
  if (exported) {
    gpgme_data_release(out);
    check(exported, "cannot export key " + fingerprint_);
  }
  return take(out);
}

}  // namespace calico::builders::sign
