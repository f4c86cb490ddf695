// Stripe's scheme as refundd signs it: vectors computed independently (Python's hmac), one v1
// per secret during a rotation, and verification with its 300 s tolerance.
#include "webhooks/signature.h"

#include <gtest/gtest.h>

namespace refundd::webhooks {
namespace {

constexpr std::string_view kBody = R"({"id":"evt_1","object":"event","type":"refund.updated"})";

TEST(TimestampedSignature, MatchesAnIndependentHmac) {
  EXPECT_EQ(TimestampedSignature(1700000000, kBody, {"whsec_test_secret"}),
            "t=1700000000,v1=6ee9c217dc5dc0d344d53fdfa22a67f6ffd5b1bfea7849799cdb2ed7336d7535");
}

TEST(TimestampedSignature, SignsOncePerSecretWhileOneIsRotated) {
  EXPECT_EQ(TimestampedSignature(1700000000, kBody, {"whsec_test_secret", "whsec_old_secret"}),
            "t=1700000000,v1=6ee9c217dc5dc0d344d53fdfa22a67f6ffd5b1bfea7849799cdb2ed7336d7535"
            ",v1=15a6640f1ed9055acc5eef95cd37e2cf592f92008ca13431efaddaa541417126");
  EXPECT_EQ(TimestampedSignature(1700000000, kBody, {}), "t=1700000000");
}

TEST(TimestampedSignature, VerifiesAnyV1WithinTheTolerance) {
  const std::string header = TimestampedSignature(1700000000, kBody, {"whsec_new", "whsec_old"});
  EXPECT_TRUE(VerifyTimestampedSignature(header, kBody, "whsec_new", 1700000000, 300));
  EXPECT_TRUE(VerifyTimestampedSignature(header, kBody, "whsec_old", 1700000300, 300));
  EXPECT_FALSE(VerifyTimestampedSignature(header, kBody, "whsec_other", 1700000000, 300));
  EXPECT_FALSE(VerifyTimestampedSignature(header, kBody, "whsec_new", 1700000301, 300));
  EXPECT_FALSE(
      VerifyTimestampedSignature(header, std::string(kBody) + " ", "whsec_new", 1700000000, 300));
  EXPECT_FALSE(VerifyTimestampedSignature("v1=abc", kBody, "whsec_new", 1700000000, 300));
}

}  // namespace
}  // namespace refundd::webhooks
