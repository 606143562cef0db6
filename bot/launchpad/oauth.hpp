// Launchpad's writes are signed with OAuth 1.0, PLAINTEXT method (RFC 5849 §3.5.1, §3.4.4): an
// access token made once by Launchpad's authorisation flow (consumer key, token, token secret;
// Launchpad's consumers have no secret of their own, so the signature is "&" + the token secret).
// Pure: the nonce and the clock are given, so the header is tested exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/secret.hpp"

namespace calico::launchpad {

struct OAuthToken {
  config::Secret consumer_key;
  config::Secret token;
  config::Secret token_secret;
};

// The Authorization header's value: OAuth realm="https://api.launchpad.net/", oauth_consumer_key=…,
// oauth_token=…, oauth_signature_method="PLAINTEXT", oauth_signature=…, oauth_timestamp=…,
// oauth_nonce=…, oauth_version="1.0" — every value percent-encoded as RFC 5849 §3.6 says.
// It holds the token secret: never log it.
std::string oauth_plaintext_authorization(const OAuthToken& token, std::string_view nonce, std::int64_t timestamp);

}  // namespace calico::launchpad
