#include "bot/github/app_jwt.hpp"

#include <memory>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace calico::github {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3F];
  return out;
}

std::string base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const auto value = kAlphabet.find(c);
    if (value == std::string_view::npos) throw AuthError("not base64url: a character outside the alphabet");
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string make_app_jwt(const std::string& app_id, std::string_view private_key_pem, std::chrono::sys_seconds now) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  if (!bio) throw AuthError("cannot read the GitHub App private key: out of memory");
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw AuthError("the GitHub App private key is not a PEM private key (secrets.github_app_private_key)");
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    throw AuthError("the GitHub App private key is not an RSA key; GitHub App keys are RSA (secrets.github_app_private_key)");
  }
  const long long issued = now.time_since_epoch().count() - 60;  // GitHub allows for clock drift this way
  const long long expires = issued + 600;                         // the ten minutes GitHub allows at most
  const std::string header = base64url_encode(R"({"alg":"RS256","typ":"JWT"})");
  const std::string claims = base64url_encode("{\"iat\":" + std::to_string(issued) + ",\"exp\":" + std::to_string(expires) +
                                              ",\"iss\":\"" + app_id + "\"}");
  const std::string signing_input = header + "." + claims;

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    throw AuthError("cannot sign the GitHub App JWT with OpenSSL");
  }
  std::vector<unsigned char> signature(length);
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    throw AuthError("cannot sign the GitHub App JWT with OpenSSL");
  }
  return signing_input + "." +
         base64url_encode(std::string_view(reinterpret_cast<const char*>(signature.data()), length));
}

}  // namespace calico::github
