#include "bot/launchpad/oauth.hpp"

#include "bot/http/message.hpp"

namespace calico::launchpad {

namespace {

// RFC 5849 §3.6: unreserved characters as they are, every other byte %XX (upper case).
std::string encode(std::string_view text) { return http::percent_encode(text); }

}  // namespace

std::string oauth_plaintext_authorization(const OAuthToken& token, std::string_view nonce, std::int64_t timestamp) {
  // §3.4.4: the signature is encode(consumer secret) "&" encode(token secret); the header then
  // encodes that value once more, like every other parameter.
  const std::string signature = "&" + encode(token.token_secret.reveal());
  std::string header = "OAuth realm=\"https://api.launchpad.net/\"";
  const auto add = [&](std::string_view name, std::string_view value) {
    header += ", ";
    header += name;
    header += "=\"" + encode(value) + "\"";
  };
  add("oauth_consumer_key", token.consumer_key.reveal());
  add("oauth_token", token.token.reveal());
  add("oauth_signature_method", "PLAINTEXT");
  add("oauth_signature", signature);
  add("oauth_timestamp", std::to_string(timestamp));
  add("oauth_nonce", nonce);
  add("oauth_version", "1.0");
  return header;
}

}  // namespace calico::launchpad
