// GitHub's webhook signature: X-Hub-Signature-256 = "sha256=" + hex(HMAC-SHA256(secret, raw body)).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "config/secret.hpp"

namespace calico::webhook {

// Lower-case hex HMAC-SHA256 of `body` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view body);

// True when `header` is a well-formed signature of `body` under any of `secrets` (the current one
// and, during a rotation, the previous one). The comparison runs in constant time over the digest
// bytes, and every secret is tried, so timing says nothing about which one matched.
bool verify_signature(std::string_view header, std::string_view body, std::span<const config::Secret> secrets);

}  // namespace calico::webhook
