#include "bot/webhook/signature.hpp"

#include <array>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace calico::webhook {

namespace {

constexpr std::size_t kDigestSize = 32;
using Digest = std::array<unsigned char, kDigestSize>;

bool hmac(std::string_view key, std::string_view body, Digest& out) {
  unsigned int length = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
           body.size(), out.data(), &length);
  return result != nullptr && length == kDigestSize;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_header(std::string_view header, Digest& out) {
  constexpr std::string_view prefix = "sha256=";
  if (!header.starts_with(prefix) || header.size() != prefix.size() + 2 * kDigestSize) return false;
  header.remove_prefix(prefix.size());
  for (std::size_t i = 0; i < kDigestSize; ++i) {
    const int high = hex_value(header[2 * i]);
    const int low = hex_value(header[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return true;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view body) {
  Digest digest{};
  if (!hmac(key, body, digest)) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * kDigestSize);
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0x0f];
  }
  return hex;
}

bool verify_signature(std::string_view header, std::string_view body, std::span<const config::Secret> secrets) {
  Digest claimed{};
  if (!parse_header(header, claimed)) return false;
  bool matched = false;
  for (const config::Secret& secret : secrets) {
    if (secret.empty()) continue;
    Digest expected{};
    if (!hmac(secret.reveal(), body, expected)) continue;
    matched |= CRYPTO_memcmp(expected.data(), claimed.data(), kDigestSize) == 0;
  }
  return matched;
}

}  // namespace calico::webhook
