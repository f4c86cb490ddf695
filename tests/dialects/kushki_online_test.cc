// Proves the online Kushki translator: the seed's request bodies parse into the right buckets,
// tokens keep only brand, BIN and last four digits, every bad body is K001 (or K010/K055) with
// HTTP 400, and responses have Kushki's shape (201 refunds with details INITIALIZED).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/rules.h"
#include "dialects/kushki_online/translate.h"

namespace refundd::dialects::kushki_online {
namespace {

namespace json = boost::json;
using kushki::KCode;

// The online seed's two refund bodies, byte for byte.
constexpr const char* kSeedPartialRefund = R"({
  "fullResponse": "v2",
  "amount": {
    "subtotalIva": 8737,
    "subtotalIva0": 9976,
    "ice": 2099,
    "iva": 8967,
    "currency": "COP"
  }
})";
constexpr const char* kSeedCurlRefund = R"({
    "fullResponse": "v2",
    "amount": {
        "subtotalIva": 500,
        "subtotalIva0": 0,
        "ice": 0,
        "iva": 0,
        "currency": "COP"
    },
    "webhooks": [
        {
            "events": [
                "approvedTransaction"
            ],
            "headers": [
                {
                    "label": "json",
                    "value": "12"
                }
            ],
            "urls": [
                "https://eof2hhkrta4ooo1.m.pipedream.net"
            ]
        }
    ]
})";

TEST(OnlineParse, TheSeedsRefundBodiesAreFullResponsePartialRefunds) {
  auto partial = ParseCancel(json::parse(kSeedPartialRefund));
  ASSERT_TRUE(partial.ok()) << kushki::MessageOf(partial.error());
  EXPECT_TRUE(partial.value().full_response);
  EXPECT_EQ(partial.value().amount->TotalMinor(), 2977900);
  EXPECT_TRUE(partial.value().given.empty());

  auto curl = ParseCancel(json::parse(kSeedCurlRefund));
  ASSERT_TRUE(curl.ok()) << kushki::MessageOf(curl.error());
  EXPECT_EQ(curl.value().amount->NonZero(),
            (std::vector<core::PartAmount>{{"subtotal_iva", 50000}}));
  // The webhooks array is kept as sent, for the webhook lifecycle.
  EXPECT_EQ(curl.value().given.at("webhooks"), json::parse(kSeedCurlRefund).at("webhooks"));

  auto full = ParseCancel(json::object{});
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full.value().amount.has_value());
  EXPECT_FALSE(full.value().full_response);
}

TEST(OnlineParse, BadBodiesAreRefusedWithTheirCode) {
  const struct {
    const char* what;
    const char* body;
    KCode code;
  } cases[] = {
      {"fullResponse of another type", R"({"fullResponse":1})", KCode::kK001},
      {"fullResponse another version", R"({"fullResponse":"v3"})", KCode::kK001},
      {"amount not an object", R"({"amount":100})", KCode::kK001},
      {"amount of zero",
       R"({"amount":{"subtotalIva":0,"subtotalIva0":0,"iva":0,"currency":"COP"}})", KCode::kK001},
      {"currency not Kushki's",
       R"({"amount":{"subtotalIva":1,"subtotalIva0":0,"iva":0,"currency":"EUR"}})", KCode::kK055},
      {"webhooks not a list", R"({"webhooks":{}})", KCode::kK001},
      {"webhook without urls", R"({"webhooks":[{"events":["approvedTransaction"]}]})",
       KCode::kK001},
      {"webhook url not text", R"({"webhooks":[{"urls":[5]}]})", KCode::kK001},
  };
  for (const auto& c : cases) {
    auto parsed = ParseCancel(json::parse(c.body));
    ASSERT_FALSE(parsed.ok()) << c.what;
    EXPECT_EQ(parsed.error().code, c.code) << c.what << ": " << kushki::MessageOf(parsed.error());
    EXPECT_EQ(StatusOf(parsed.error().kind), 400) << c.what;
  }
  EXPECT_FALSE(ParseCancel(json::value(json::array{})).ok());
}

TEST(OnlineParse, ChargesNeedATokenAndAnAmount) {
  auto ok = ParseCharge(json::parse(
      R"({"token":"abc","amount":{"subtotalIva":100,"subtotalIva0":0,"iva":19,"currency":"COP"},
          "fullResponse":true,"metadata":{"order":"42"},"months":3})"));
  ASSERT_TRUE(ok.ok()) << kushki::MessageOf(ok.error());
  EXPECT_EQ(ok.value().amount.TotalMinor(), 11900);
  EXPECT_TRUE(ok.value().full_response);
  EXPECT_EQ(ok.value().given.at("metadata"), json::parse(R"({"order":"42"})"));
  for (
      const char* bad : {
          R"({"amount":{"subtotalIva":1,"subtotalIva0":0,"iva":0,"currency":"COP"}})",
          R"({"token":"abc"})",
          R"({"token":5,"amount":{"subtotalIva":1,"subtotalIva0":0,"iva":0,"currency":"COP"}})",
          R"({"token":"abc","amount":{"subtotalIva":1,"subtotalIva0":0,"iva":0,"currency":"COP"},"metadata":"x"})",
      }) {
    auto parsed = ParseCharge(json::parse(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, KCode::kK001) << bad;
  }
  auto capture = ParseCapture(json::parse(R"({"ticketNumber":"12ab"})"));
  ASSERT_FALSE(capture.ok());
  EXPECT_EQ(capture.error().code, KCode::kK010);
}

TEST(OnlineToken, KeepsBrandBinAndLastFourOnly) {
  auto token = ParseToken(json::parse(
      R"({"card":{"name":"Ana Díaz","number":"5451951574925480","expiryMonth":"04",
          "expiryYear":"30","cvv":"123"},"totalAmount":119.5,"currency":"USD"})"));
  ASSERT_TRUE(token.ok()) << kushki::MessageOf(token.error());
  EXPECT_EQ(token.value().card.brand, "MASTERCARD");
  EXPECT_EQ(token.value().card.bin, "545195");
  EXPECT_EQ(token.value().card.last4, "5480");
  EXPECT_EQ(token.value().card.holder, "Ana Díaz");
  EXPECT_EQ(token.value().total_minor, 11950);
  EXPECT_EQ(token.value().currency.code, "USD");
  EXPECT_EQ(TokenJson("0123abcd"), R"({"token":"0123abcd"})");

  const struct {
    const char* what;
    const char* body;
    KCode code;
  } cases[] = {
      {"Luhn fails",
       R"({"card":{"name":"A","number":"4111111111111112","expiryMonth":"01","expiryYear":"30"},"totalAmount":1})",
       KCode::kK001},
      {"letters in the number",
       R"({"card":{"name":"A","number":"4111x11111111111","expiryMonth":"01","expiryYear":"30"},"totalAmount":1})",
       KCode::kK001},
      {"month 13",
       R"({"card":{"name":"A","number":"4111111111111111","expiryMonth":"13","expiryYear":"30"},"totalAmount":1})",
       KCode::kK001},
      {"no card", R"({"totalAmount":1})", KCode::kK001},
      {"no totalAmount",
       R"({"card":{"name":"A","number":"4111111111111111","expiryMonth":"01","expiryYear":"30"}})",
       KCode::kK001},
      {"totalAmount with too many decimals",
       R"({"card":{"name":"A","number":"4111111111111111","expiryMonth":"01","expiryYear":"30"},"totalAmount":1.001})",
       KCode::kK001},
      {"currency outside Kushki",
       R"({"card":{"name":"A","number":"4111111111111111","expiryMonth":"01","expiryYear":"30"},"totalAmount":1,"currency":"EUR"})",
       KCode::kK055},
  };
  for (const auto& c : cases) {
    auto parsed = ParseToken(json::parse(c.body));
    ASSERT_FALSE(parsed.ok()) << c.what;
    EXPECT_EQ(parsed.error().code, c.code) << c.what;
  }
}

TEST(OnlineToken, BrandsByBin) {
  const struct {
    const char* pan;
    const char* brand;
  } cases[] = {
      {"4111111111111111", "VISA"},       {"5105105105105100", "MASTERCARD"},
      {"2221000000000009", "MASTERCARD"}, {"378282246310005", "AMEX"},
      {"36227206271667", "DINERS"},       {"6011111111111117", "DISCOVER"},
      {"3530111333300000", "JCB"},        {"9999999999999995", "UNKNOWN"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(BrandOfPan(c.pan), c.brand) << c.pan;
    EXPECT_TRUE(LuhnValid(c.pan)) << c.pan;
  }
}

TEST(OnlineRules, TicketsPartialsAndStatuses) {
  EXPECT_TRUE(ValidTicketNumber("661646369681536731"));
  EXPECT_TRUE(ValidTicketNumber("1234567890"));
  EXPECT_FALSE(ValidTicketNumber("123456789"));
  EXPECT_FALSE(ValidTicketNumber("6616463696815367310"));
  EXPECT_FALSE(ValidTicketNumber("66164636968153673a"));
  EXPECT_TRUE(PartialRefundsAllowed(*core::FindCurrency("COP")));
  EXPECT_FALSE(PartialRefundsAllowed(*core::FindCurrency("PEN")));
  const struct {
    kushki::KKind kind;
    int status;
  } statuses[] = {{kushki::KKind::kBadRequest, 400},
                  {kushki::KKind::kCredentials, 400},
                  {kushki::KKind::kPrecondition, 400},
                  {kushki::KKind::kConflict, 409},
                  {kushki::KKind::kUnexpected, 500}};
  for (const auto& s : statuses) EXPECT_EQ(StatusOf(s.kind), s.status);
}

TEST(OnlineRender, RefundsAreInitializedVoidsOrRefundsWithTheirOwnTicket) {
  CancelView v;
  v.ticket_number = "661646369681536731";
  v.transaction_reference = "14d01391-cb66-4b90-bcae-6e3e6b5b2786";
  v.type = "VOID";
  v.sale_ticket_number = "111111111111111111";
  v.sale_transaction_reference = "f2f29080-0214-42c0-95a5-77ecf3434cd7";
  v.currency = *core::FindCurrency("COP");
  v.amount_minor = 50000;
  v.buckets = {{"subtotal_iva", 50000}};
  v.partial = true;
  v.created_ms = 1776350000000;
  // The seed's 201 body, without fullResponse.
  EXPECT_EQ(CancelJson(v, false),
            R"({"ticketNumber":"661646369681536731",)"
            R"("transactionReference":"14d01391-cb66-4b90-bcae-6e3e6b5b2786"})");
  auto full = json::parse(CancelJson(v, true));
  const auto& d = full.at("details");
  EXPECT_EQ(d.at("transactionStatus"), "INITIALIZED");
  EXPECT_EQ(d.at("transactionType"), "VOID");
  EXPECT_EQ(d.at("requestAmount"), 500);
  EXPECT_EQ(d.at("partialVoid"), true);
  EXPECT_EQ(d.at("amount"),
            json::parse(R"({"subtotalIva":500,"subtotalIva0":0,"iva":0,"currency":"COP"})"));
  EXPECT_EQ(d.at("saleTicketNumber"), "111111111111111111");
}

TEST(OnlineRender, SalesShowTheApprovedAmountAndTheMaskedCard) {
  core::Payment p;
  p.currency = *core::FindCurrency("COP");
  p.amount_minor = 11900;
  p.parts = {{"subtotal_iva", 10000, 0, 0, 0}, {"iva", 1900, 0, 0, 0}};
  ASSERT_TRUE(core::ConfirmPayment(p, true, 1).ok());
  kushki::PaymentAttrs a;
  a.ticket_number = "123456789012345678";
  a.transaction_reference = "f2f29080-0214-42c0-95a5-77ecf3434cd7";
  a.brand = "VISA";
  a.bin = "411111";
  a.last4 = "1111";
  a.approval_code = "123456";
  a.given["metadata"] = json::object{{"order", 42}};
  EXPECT_EQ(SaleJson(p, a, SaleType::kSale, a.ticket_number, a.transaction_reference, 5, false),
            R"({"ticketNumber":"123456789012345678",)"
            R"("transactionReference":"f2f29080-0214-42c0-95a5-77ecf3434cd7"})");
  auto full = json::parse(
      SaleJson(p, a, SaleType::kSale, a.ticket_number, a.transaction_reference, 5, true));
  const auto& d = full.at("details");
  EXPECT_EQ(d.at("transactionStatus"), "APPROVAL");
  EXPECT_EQ(d.at("transactionType"), "SALE");
  EXPECT_EQ(d.at("approvedTransactionAmount"), 119);
  EXPECT_EQ(d.at("maskedCardNumber"), "411111XXXXXX1111");
  EXPECT_EQ(d.at("paymentBrand"), "Visa");
  EXPECT_EQ(d.at("metadata"), json::parse(R"({"order":42})"));
  EXPECT_EQ(d.at("amount"),
            json::parse(R"({"subtotalIva":100,"subtotalIva0":0,"iva":19,"currency":"COP"})"));
}

}  // namespace
}  // namespace refundd::dialects::kushki_online
