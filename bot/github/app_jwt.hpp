// GitHub App authentication, step one: a JSON Web Token signed RS256 with the App's private key
// (OpenSSL), which GitHub trades for an installation token. GitHub wants iat a little in the
// past (clock drift) and exp at most ten minutes after it.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace calico::github {

class AuthError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// {"alg":"RS256","typ":"JWT"}.{"iat": now-60, "exp": now+540, "iss": app_id}.signature, each part
// base64url without padding. Throws AuthError when the key is not an RSA private key in PEM
// (the message never contains the key).
std::string make_app_jwt(const std::string& app_id, std::string_view private_key_pem, std::chrono::sys_seconds now);

// base64url without padding (RFC 7515 §2), and back (nullopt-free: throws AuthError).
std::string base64url_encode(std::string_view bytes);
std::string base64url_decode(std::string_view text);

}  // namespace calico::github
