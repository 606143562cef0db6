#include <gtest/gtest.h>

#include <vector>

#include "bot/webhook/signature.hpp"

using calico::config::Secret;
using calico::webhook::hmac_sha256_hex;
using calico::webhook::verify_signature;

namespace {
// GitHub's documented test vector for X-Hub-Signature-256.
constexpr const char* kVectorSecret = "It's a Secret to Everybody";
constexpr const char* kVectorBody = "Hello, World!";
constexpr const char* kVectorDigest = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
}  // namespace

TEST(Signature, MatchesGitHubsPublishedTestVector) {
  EXPECT_EQ(hmac_sha256_hex(kVectorSecret, kVectorBody), kVectorDigest);
  const std::vector<Secret> secrets{Secret(kVectorSecret)};
  EXPECT_TRUE(verify_signature(std::string("sha256=") + kVectorDigest, kVectorBody, secrets));
}

TEST(Signature, AcceptsUpperCaseHex) {
  std::string upper = kVectorDigest;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<Secret> secrets{Secret(kVectorSecret)};
  EXPECT_TRUE(verify_signature("sha256=" + upper, kVectorBody, secrets));
}

TEST(Signature, RejectsAChangedBodyOrSecret) {
  const std::vector<Secret> secrets{Secret(kVectorSecret)};
  const std::string header = std::string("sha256=") + kVectorDigest;
  EXPECT_FALSE(verify_signature(header, "Hello, World?", secrets));
  EXPECT_FALSE(verify_signature(header, "Hello, World! ", secrets));
  const std::vector<Secret> other{Secret("It's a secret to everybody")};
  EXPECT_FALSE(verify_signature(header, kVectorBody, other));
}

TEST(Signature, RejectsMalformedHeaders) {
  const std::vector<Secret> secrets{Secret(kVectorSecret)};
  const std::string digest = kVectorDigest;
  for (const std::string& header : std::vector<std::string>{std::string(), "sha256=", "sha1=" + digest, "sha256=" + digest.substr(1), "sha256=" + digest + "0",
        "SHA256=" + digest, " sha256=" + digest, "sha256=" + digest.substr(0, 63) + "g", digest}) {
    EXPECT_FALSE(verify_signature(header, kVectorBody, secrets)) << header;
  }
}

TEST(Signature, AcceptsTheCurrentOrThePreviousSecretDuringRotation) {
  const std::vector<Secret> secrets{Secret("new-secret"), Secret("old-secret")};
  const std::string body = R"({"zen":"rotate"})";
  EXPECT_TRUE(verify_signature("sha256=" + hmac_sha256_hex("new-secret", body), body, secrets));
  EXPECT_TRUE(verify_signature("sha256=" + hmac_sha256_hex("old-secret", body), body, secrets));
  EXPECT_FALSE(verify_signature("sha256=" + hmac_sha256_hex("older-secret", body), body, secrets));
}

TEST(Signature, NoSecretsOrAnEmptySecretMatchesNothing) {
  const std::string body = "x";
  EXPECT_FALSE(verify_signature("sha256=" + hmac_sha256_hex("", body), body, std::vector<Secret>{}));
  EXPECT_FALSE(verify_signature("sha256=" + hmac_sha256_hex("", body), body, std::vector<Secret>{Secret()}));
}

TEST(Signature, CoversBinaryAndUnicodeBodiesByteForByte) {
  const std::string body = std::string("caf\xc3\xa9 \xf0\x9f\x9a\x80 \0 end", 17);
  const std::vector<Secret> secrets{Secret("s")};
  const std::string header = "sha256=" + hmac_sha256_hex("s", body);
  EXPECT_TRUE(verify_signature(header, body, secrets));
  EXPECT_FALSE(verify_signature(header, body.substr(0, 16), secrets));
}
