// Proves the UTGL translator: card binding input and answers, verify/purchase parsing and the
// key that ties them, the refund fields of the seed (amount >= 0.01 and a multiple of 0.01,
// currency must match), the transaction status after refunds, the answer shapes, and the
// refusal table.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/rules.h"
#include "dialects/utgl/routes.h"
#include "dialects/utgl/translate.h"

namespace refundd::dialects::utgl {
namespace {

namespace json = boost::json;

json::value Json(std::string_view text) { return json::parse(text); }

constexpr std::string_view kCard = "b80d8923-2eec-4e94-9880-b67c68204c56";
constexpr std::string_view kTxn = "123e4567-e89b-12d3-a456-426614174000";

TEST(UtglBinding, MasksTheCardAndNamesItsType) {
  const std::pair<std::string, std::string> cards[] = {
      {"4111111111111111", "VISA"},       {"5555555555554444", "MASTERCARD"},
      {"2223003122003222", "MASTERCARD"}, {"378282246310005", "AMEX"},
      {"6200000000000005", "UNIONPAY"},   {"3530111333300000", "JCB"},
  };
  for (const auto& [pan, type] : cards) {
    auto card = ParseInitiateBinding(json::object{{"fullPan", pan}});
    ASSERT_TRUE(card.ok()) << pan;
    EXPECT_EQ(card.value().card_type, type) << pan;
    EXPECT_EQ(card.value().masked_pan.size(), pan.size());
    EXPECT_EQ(card.value().masked_pan.substr(0, 6), pan.substr(0, 6));
    EXPECT_EQ(card.value().masked_pan.substr(pan.size() - 4), pan.substr(pan.size() - 4));
  }
  for (std::string_view bad :
       {R"({"fullPan":"4111111111111112"})", R"({"fullPan":"4111"})",
        R"({"fullPan":"4111-1111-1111-1111"})", R"({"fullPan":4111111111111111})", R"({})"}) {
    auto card = ParseInitiateBinding(Json(bad));
    ASSERT_FALSE(card.ok()) << bad;
    EXPECT_EQ(card.error().code, "VALIDATION_ERROR") << bad;
  }
  Card c{"VISA", "411111******1111", 1742377614363};
  EXPECT_EQ(DecodeCard(EncodeCard(c))->masked_pan, c.masked_pan);
  EXPECT_EQ(DecodeCard(EncodeCard(c))->expires_ms, c.expires_ms);
  EXPECT_FALSE(DecodeCard("VISA|x").has_value());
  auto confirm = json::parse(ConfirmBindingJson(std::string(kCard), c)).as_object();
  EXPECT_EQ(confirm["bindingStatus"], "success");
  EXPECT_EQ(confirm["expirationDate"], "03/2025");
  EXPECT_EQ(confirm["cardType"], "VISA");
}

TEST(UtglTransactions, VerifyAndPurchaseMustMatch) {
  const std::string verify = R"({"cardId":")" + std::string(kCard) +
                             R"(","amount":100,"currency":"USD","description":"order 1"})";
  auto v = ParseVerify(Json(verify));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v.value().amount_minor, 10000);
  auto p = ParsePurchase(
      Json(R"({"cardId":")" + std::string(kCard) +
           R"(","amount":"100.00","currency":"usd","description":"order 1","otpToken":"123456"})"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(VerifyKey(v.value()), VerifyKey(p.value()));
  auto other = ParsePurchase(
      Json(R"({"cardId":")" + std::string(kCard) +
           R"(","amount":100.01,"currency":"USD","description":"order 1","otpToken":"1"})"));
  EXPECT_NE(VerifyKey(v.value()), VerifyKey(other.value()));
  EXPECT_FALSE(ParsePurchase(Json(verify)).ok());  // no otpToken
}

TEST(UtglRefunds, AmountsAreAtLeastOneCentAndMultiplesOfIt) {
  core::Payment p;
  p.currency = *core::FindCurrency("USD");
  p.amount_minor = 10000;
  ASSERT_TRUE(core::ConfirmPayment(p, true, 0).ok());
  auto body = [](std::string amount, std::string currency = "USD") {
    return Json(R"({"transactionId":")" + std::string(kTxn) + R"(","amount":)" + amount +
                R"(,"currency":")" + currency +
                R"(","reason":"Customer requested","description":"Partial refund for item X"})");
  };
  struct Case {
    std::string amount, currency, code;
    int64_t minor;
  };
  const Case cases[] = {
      {"100", "USD", "", 10000},
      {"0.01", "USD", "", 1},
      {"12.50", "USD", "", 1250},
      {"\"3.1\"", "USD", "", 310},
      {"0", "USD", "VALIDATION_ERROR", 0},
      {"0.001", "USD", "VALIDATION_ERROR", 0},
      {"10.005", "USD", "VALIDATION_ERROR", 0},
      {"-1", "USD", "VALIDATION_ERROR", 0},
      {"1", "EUR", "CURRENCY_MISMATCH", 0},
      {"1", "ZZZ", "CURRENCY_MISMATCH", 0},
  };
  for (const Case& c : cases) {
    auto in = ParseRefund(body(c.amount, c.currency));
    ASSERT_TRUE(in.ok()) << c.amount << " " << in.error().message;
    auto plan = PlanRefund(in.value(), p);
    if (c.code.empty()) {
      ASSERT_TRUE(plan.ok()) << c.amount << " " << plan.error().message;
      EXPECT_EQ(plan.value().amount_minor, c.minor) << c.amount;
    } else {
      ASSERT_FALSE(plan.ok()) << c.amount;
      EXPECT_EQ(plan.error().code, c.code) << c.amount;
    }
  }
  for (
      std::string_view bad :
      {R"({"amount":1,"currency":"USD","reason":"r","description":"d"})",
       R"({"transactionId":"not-a-uuid","amount":1,"currency":"USD","reason":"r","description":"d"})",
       R"({"transactionId":"123e4567-e89b-12d3-a456-426614174000","currency":"USD","reason":"r","description":"d"})",
       R"({"transactionId":"123e4567-e89b-12d3-a456-426614174000","amount":1,"currency":"USD","description":"d"})",
       R"({"transactionId":"123e4567-e89b-12d3-a456-426614174000","amount":1,"currency":"USD","reason":"r"})",
       R"({"transactionId":"123e4567-e89b-12d3-a456-426614174000","amount":1,"currency":"USDX","reason":"r","description":"d"})"}) {
    auto in = ParseRefund(Json(bad));
    ASSERT_FALSE(in.ok()) << bad;
    EXPECT_EQ(in.error().code, "VALIDATION_ERROR") << bad;
    EXPECT_EQ(in.error().status, 400) << bad;
  }
}

TEST(UtglRefunds, StatusIsCapturedUntilNothingRemains) {
  core::Payment p;
  p.id = "utglpay_1";
  p.currency = *core::FindCurrency("USD");
  p.amount_minor = 10000;
  EXPECT_EQ(TransactionStatus(p), "locked");
  ASSERT_TRUE(core::ConfirmPayment(p, false, 0).ok());
  EXPECT_EQ(TransactionStatus(p), "locked");
  ASSERT_TRUE(core::CapturePayment(p, 8000, 1).ok());
  EXPECT_EQ(TransactionStatus(p), "captured");
  core::ApplyNewRefund(p, core::RefundPlan{5000, {}}, core::RefundStatus::kSucceeded, 2);
  EXPECT_EQ(TransactionStatus(p), "captured");
  core::ApplyNewRefund(p, core::RefundPlan{3000, {}}, core::RefundStatus::kSucceeded, 3);
  EXPECT_EQ(TransactionStatus(p), "refunded");

  core::Payment released;
  released.amount_minor = 1;
  ASSERT_TRUE(core::ConfirmPayment(released, false, 0).ok());
  ASSERT_TRUE(core::VoidPayment(released, 1).ok());
  EXPECT_EQ(TransactionStatus(released), "void");
}

TEST(UtglAnswers, RefundHasTheSeedsFields) {
  core::Payment p;
  p.currency = *core::FindCurrency("USD");
  p.amount_minor = 10000;
  ASSERT_TRUE(core::ConfirmPayment(p, true, 0).ok());
  core::ApplyNewRefund(p, core::RefundPlan{10000, {}}, core::RefundStatus::kSucceeded, 1);
  p.attrs = EncodeTransactionAttrs({std::string(kTxn), std::string(kCard), "CT6KQDDEC2", 0, 0});
  core::Refund r;
  r.currency = p.currency;
  r.amount_minor = 10000;
  r.created_ms = 1742377614363;
  r.attrs = EncodeRefundAttrs({"fb1022e5-50d8-4ff8-bfd9-7df68e4541c2", "d"});
  EXPECT_EQ(RefundJson(r, p),
            R"({"transactionId":"123e4567-e89b-12d3-a456-426614174000",)"
            R"("refundTransactionId":"fb1022e5-50d8-4ff8-bfd9-7df68e4541c2","status":"refunded",)"
            R"("amountRefunded":100.00,"currency":"USD","refundDate":"2025-03-19T09:46:54.363Z",)"
            R"("cardId":"b80d8923-2eec-4e94-9880-b67c68204c56","refId":"CT6KQDDEC2"})");
}

TEST(UtglErrors, RefusalTableAndShape) {
  const struct {
    core::Refusal refusal;
    int status;
    std::string code;
  } table[] = {
      {core::Refusal::kPaymentNotCaptured, 409, "INVALID_TRANSACTION_STATE"},
      {core::Refusal::kPaymentVoided, 409, "INVALID_TRANSACTION_STATE"},
      {core::Refusal::kFullyRefunded, 409, "INVALID_TRANSACTION_STATE"},
      {core::Refusal::kPaymentNotCapturable, 409, "INVALID_TRANSACTION_STATE"},
      {core::Refusal::kPaymentNotVoidable, 409, "INVALID_TRANSACTION_STATE"},
      {core::Refusal::kAmountExceedsRefundable, 422, "AMOUNT_EXCEEDS_REFUNDABLE"},
      {core::Refusal::kCaptureExceedsAuthorized, 422, "AMOUNT_EXCEEDS_AUTHORIZED"},
      {core::Refusal::kCurrencyMismatch, 422, "CURRENCY_MISMATCH"},
      {core::Refusal::kAmountNotPositive, 400, "VALIDATION_ERROR"},
  };
  for (const auto& row : table) {
    Error e = ErrorFor(row.refusal);
    EXPECT_EQ(e.status, row.status) << row.code;
    EXPECT_EQ(e.code, row.code);
  }
  http::Response r = ErrorResponse(Unauthorized());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body).as_object()["code"], "UNAUTHORIZED");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
}

TEST(UtglCredentials, PasswordsAreStoredHashedAndLookedUpByUsername) {
  std::vector<core::Credential> rows;
  json::object shown;
  NewCredentials("mer_1", rows, shown);
  ASSERT_EQ(rows.size(), 1u);
  const std::string username(shown["utgl"].as_object()["username"].as_string());
  const std::string password(shown["utgl"].as_object()["password"].as_string());
  EXPECT_EQ(rows[0].lookup, username);
  EXPECT_EQ(rows[0].secret, PasswordLookup(username, password));
  EXPECT_EQ(rows[0].secret.find(password), std::string::npos);
  EXPECT_NE(PasswordLookup(username, password + "x"), rows[0].secret);
  EXPECT_EQ(NewRefId().size(), 10u);
}

}  // namespace
}  // namespace refundd::dialects::utgl
