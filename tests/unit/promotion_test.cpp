// Promotion's pure parts: the OAuth PLAINTEXT header Launchpad's writes carry, and which of
// testing's publications a release may copy instead of building.
#include <gtest/gtest.h>

#include "bot/launchpad/oauth.hpp"
#include "builders/publish/promotion.hpp"

using namespace calico;

TEST(OAuthHeader, IsPlaintextWithTheTokenSecretAsSignatureAndEveryValueEncoded) {
  const launchpad::OAuthToken token{config::Secret("calico-release-bot"), config::Secret("tok3n"), config::Secret("s/cr+t")};
  EXPECT_EQ(launchpad::oauth_plaintext_authorization(token, "8a1f", 1700000000),
            "OAuth realm=\"https://api.launchpad.net/\", oauth_consumer_key=\"calico-release-bot\", oauth_token=\"tok3n\", "
            "oauth_signature_method=\"PLAINTEXT\", oauth_signature=\"%26s%252Fcr%252Bt\", oauth_timestamp=\"1700000000\", "
            "oauth_nonce=\"8a1f\", oauth_version=\"1.0\"");
}

TEST(OAuthHeader, ANewNonceOrTimeMakesANewHeader) {
  const launchpad::OAuthToken token{config::Secret("c"), config::Secret("t"), config::Secret("s")};
  EXPECT_NE(launchpad::oauth_plaintext_authorization(token, "1", 5), launchpad::oauth_plaintext_authorization(token, "2", 5));
  EXPECT_NE(launchpad::oauth_plaintext_authorization(token, "1", 5), launchpad::oauth_plaintext_authorization(token, "1", 6));
}

TEST(PromotionEligibility, OnlyAPublishedSourceWithPublishedBinariesIsCopied) {
  using builders::publish::HeldSource;
  using builders::publish::promotion_eligibility;
  const auto none = promotion_eligibility("testing", "felix", "3.4.1-xenial", std::nullopt);
  EXPECT_FALSE(none.eligible);
  EXPECT_EQ(none.reason, "testing holds no felix 3.4.1-xenial");

  const auto pending = promotion_eligibility("testing", "felix", "3.4.1-xenial", HeldSource{"Pending", false});
  EXPECT_FALSE(pending.eligible);
  EXPECT_EQ(pending.reason, "testing's felix 3.4.1-xenial is Pending, not published");

  const auto superseded = promotion_eligibility("testing", "felix", "3.4.1-xenial", HeldSource{"Superseded", true});
  EXPECT_FALSE(superseded.eligible);
  EXPECT_EQ(superseded.reason, "testing's felix 3.4.1-xenial is Superseded, not published");

  const auto unbuilt = promotion_eligibility("testing", "felix", "3.4.1-xenial", HeldSource{"Published", false});
  EXPECT_FALSE(unbuilt.eligible);
  EXPECT_EQ(unbuilt.reason, "testing's felix 3.4.1-xenial has binaries not built or not yet published");

  const auto ready = promotion_eligibility("rc", "felix", "3.4.1-xenial", HeldSource{"Published", true});
  EXPECT_TRUE(ready.eligible);
  EXPECT_EQ(ready.reason, "copied from rc: felix 3.4.1-xenial with its published binaries");
}
