// Proves the Rapyd translator: the signature of the spec's worked examples (both base64 alphabets,
// "{}" signing as empty, the query in the path), the timestamp window, the envelope, payment and
// refund parsing, the e-wallet split by amount and by percentage against the payment's parts,
// the refusal table, and numbers printed the way Rapyd prints them.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/rules.h"
#include "dialects/rapyd/auth.h"
#include "dialects/rapyd/translate.h"

namespace refundd::dialects::rapyd {
namespace {

namespace json = boost::json;

constexpr std::string_view kAccess = "rak_TESTACCESSKEY";
constexpr std::string_view kSecret = "rsk_TESTSECRETKEY";
constexpr std::string_view kSalt = "abcdef123456";
constexpr std::string_view kTimestamp = "1700000000";
constexpr int64_t kNowMs = 1700000000LL * 1000;
constexpr std::string_view kBody =
    R"({"payment":"payment_0123456789abcdef","amount":10.5,"currency":"USD","reason":"test"})";

TEST(RapydSignature, MatchesTheSpecsWorkedExamples) {
  EXPECT_EQ(SignatureHex(kSecret, "POST", "/v1/refunds", kSalt, kTimestamp, kAccess, kBody),
            "9b79f920243dc3944918c8639a743207b4eb8dd626234a07456dcead1ae2ba74");
  EXPECT_EQ(Signature(kSecret, "POST", "/v1/refunds", kSalt, kTimestamp, kAccess, kBody),
            "OWI3OWY5MjAyNDNkYzM5NDQ5MThjODYzOWE3NDMyMDdiNGViOGRkNjI2MjM0YTA3NDU2ZGNlYWQxYWUy"
            "YmE3NA==");
  EXPECT_EQ(Signature(kSecret, "GET", "/v1/refunds/refund_abc", kSalt, kTimestamp, kAccess, ""),
            "YzljYmQzNTMxNDVkZWRiOTFmODEyZmY3YzQ3NDcyMzdhZThiYzYyNjBjNzIxMTZiZTg2NDA4ZGVmMmM4"
            "Yjk4Mw==");
  EXPECT_EQ(Signature(kSecret, "POST", "/v1/x", kSalt, kTimestamp, kAccess, "{}"),
            Signature(kSecret, "POST", "/v1/x", kSalt, kTimestamp, kAccess, ""));
}

http::Request Request(std::string method, std::string path, std::string query, std::string body,
                      std::string signature = "") {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.body = std::move(body);
  std::string target = r.path + (r.query.empty() ? "" : "?" + r.query);
  if (signature.empty()) {
    signature = Signature(kSecret, r.method, target, kSalt, kTimestamp, kAccess, r.body);
  }
  r.headers = {{"access_key", std::string(kAccess)},
               {"salt", std::string(kSalt)},
               {"timestamp", std::string(kTimestamp)},
               {"signature", signature}};
  return r;
}

std::string UrlSafe(std::string s) {
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

TEST(RapydAuth, AcceptsOnlyTheRightSignatureWithinSixtySeconds) {
  const std::string good =
      Signature(kSecret, "POST", "/v1/refunds", kSalt, kTimestamp, kAccess, kBody);
  http::Request missing = Request("POST", "/v1/refunds", "", std::string(kBody));
  missing.headers.pop_back();
  http::Request bad_ts = Request("POST", "/v1/refunds", "", std::string(kBody));
  bad_ts.headers[2].second = "17e8";
  struct Case {
    std::string name;
    http::Request request;
    int64_t now_ms;
    bool ok;
  };
  const Case cases[] = {
      {"exact", Request("POST", "/v1/refunds", "", std::string(kBody)), kNowMs, true},
      {"url-safe alphabet, no padding",
       Request("POST", "/v1/refunds", "", std::string(kBody),
               UrlSafe(good.substr(0, good.size() - 2))),
       kNowMs, true},
      {"query is signed", Request("GET", "/v1/refunds", "limit=2&payment=p", ""), kNowMs, true},
      {"query changed",
       Request("GET", "/v1/refunds", "limit=3", "",
               Signature(kSecret, "GET", "/v1/refunds?limit=2", kSalt, kTimestamp, kAccess, "")),
       kNowMs, false},
      {"whitespace changes the body",
       Request("POST", "/v1/refunds", "", std::string(kBody) + " ", good), kNowMs, false},
      {"raw digest instead of hex", Request("POST", "/v1/refunds", "", std::string(kBody), "AAAA"),
       kNowMs, false},
      {"missing header", missing, kNowMs, false},
      {"timestamp not digits", bad_ts, kNowMs, false},
      {"59 s old", Request("POST", "/v1/refunds", "", std::string(kBody)), kNowMs + 59'000, true},
      {"61 s old", Request("POST", "/v1/refunds", "", std::string(kBody)), kNowMs + 61'000, false},
      {"61 s ahead", Request("POST", "/v1/refunds", "", std::string(kBody)), kNowMs - 61'000,
       false},
  };
  for (const Case& c : cases) {
    auto headers = ReadAuthHeaders(c.request);
    bool ok = headers.ok() && Verify(headers.value(), kSecret, c.request, c.now_ms).ok();
    EXPECT_EQ(ok, c.ok) << c.name;
    if (!ok) {
      Error e = headers.ok() ? Verify(headers.value(), kSecret, c.request, c.now_ms).error()
                             : headers.error();
      EXPECT_EQ(e.status, 401) << c.name;
      EXPECT_EQ(e.code, "UNAUTHENTICATED_API_CALL") << c.name;
    }
  }
}

TEST(RapydEnvelope, SuccessAndErrorShapes) {
  auto ok = json::parse(Ok(R"({"id":"x"})").body).as_object();
  EXPECT_EQ(ok["data"].as_object()["id"], "x");
  auto status = ok["status"].as_object();
  EXPECT_EQ(status["status"], "SUCCESS");
  EXPECT_EQ(status["error_code"], "");
  EXPECT_EQ(status["response_code"], "");
  EXPECT_EQ(status["operation_id"].as_string().size(), 36u);

  http::Response r = ErrorResponse(ErrorFor(core::Refusal::kCurrencyMismatch));
  EXPECT_EQ(r.status, 400);
  auto err = json::parse(r.body).as_object();
  EXPECT_FALSE(err.contains("data"));
  EXPECT_EQ(err["status"].as_object()["status"], "ERROR");
  EXPECT_EQ(err["status"].as_object()["error_code"], "ERROR_CREATE_REFUND_CURRENCY_NOT_VALID");
  EXPECT_EQ(err["status"].as_object()["response_code"], "ERROR_CREATE_REFUND_CURRENCY_NOT_VALID");
}

TEST(RapydErrors, RefusalTable) {
  const std::pair<core::Refusal, std::string> table[] = {
      {core::Refusal::kPaymentNotCaptured, "PAYMENT_NOT_COMPLETED"},
      {core::Refusal::kPaymentVoided, "PAYMENT_NOT_COMPLETED"},
      {core::Refusal::kCurrencyMismatch, "ERROR_CREATE_REFUND_CURRENCY_NOT_VALID"},
      {core::Refusal::kAmountNotPositive, "ERROR_CREATE_REFUND"},
      {core::Refusal::kAmountExceedsRefundable, "ERROR_CREATE_REFUND"},
      {core::Refusal::kFullyRefunded, "ERROR_CREATE_REFUND_EWALLET_ALREADY_FULLY_REFUNDED"},
      {core::Refusal::kUnknownPart, "ERROR_CREATE_REFUND_EWALLET_NOT_FOUND_IN_PAYMENT"},
      {core::Refusal::kPartExceedsRefundable, "ERROR_CREATE_REFUND_INVALID_EWALLETS_AMOUNT"},
      {core::Refusal::kPartsDoNotAddUp, "ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY"},
      {core::Refusal::kRefundTransitionInvalid, "INVALID_REFUND_STATUS"},
      {core::Refusal::kPaymentNotCapturable, "ERROR_CAPTURE_PAYMENT"},
      {core::Refusal::kPaymentNotVoidable, "ERROR_CANCEL_PAYMENT"},
      {core::Refusal::kPaymentNotConfirmable, "ERROR_COMPLETE_PAYMENT"},
  };
  for (const auto& [refusal, code] : table) EXPECT_EQ(ErrorFor(refusal).code, code) << code;
}

json::value Json(std::string_view text) { return json::parse(text); }

TEST(RapydPayments, ParsesCardCashAndSplits) {
  auto card = ParseCreatePayment(Json(
      R"({"amount":100,"currency":"usd","payment_method":{"type":"us_visa_card","fields":{}},"capture":false})"));
  ASSERT_TRUE(card.ok()) << card.error().message;
  EXPECT_EQ(card.value().amount_minor, 10000);
  EXPECT_EQ(card.value().attrs.category, "card");
  EXPECT_FALSE(card.value().capture);
  EXPECT_TRUE(ClosesAtOnce(card.value().attrs));

  auto cash = ParseCreatePayment(
      Json(R"({"amount":"25.5","currency":"MXN","payment_method":{"type":"mx_oxxo_cash"}})"));
  ASSERT_TRUE(cash.ok());
  EXPECT_EQ(cash.value().attrs.category, "cash");
  EXPECT_FALSE(ClosesAtOnce(cash.value().attrs));

  auto by_percent = ParseCreatePayment(Json(
      R"({"amount":100,"currency":"USD","payment_method":{"type":"us_visa_card"},"ewallets":[{"ewallet":"ewallet_a","percentage":33.3333},{"ewallet":"ewallet_b","percentage":66.6667}]})"));
  ASSERT_TRUE(by_percent.ok()) << by_percent.error().message;
  ASSERT_EQ(by_percent.value().parts.size(), 2u);
  EXPECT_EQ(by_percent.value().parts[0].amount_minor + by_percent.value().parts[1].amount_minor,
            10000);
  EXPECT_EQ(by_percent.value().parts[0].amount_minor, 3333);

  const std::pair<std::string, std::string> bad[] = {
      {R"({"amount":100,"currency":"USD"})", "ERROR_CREATE_PAYMENT"},
      {R"({"amount":1.001,"currency":"USD","payment_method":{"type":"us_visa_card"}})",
       "ERROR_CREATE_PAYMENT"},
      {R"({"amount":100,"currency":"USD","payment_method":{"type":"us_visa_card"},"ewallets":[{"ewallet":"a","amount":60},{"ewallet":"b","amount":30}]})",
       "ERROR_CREATE_PAYMENT"},
      {R"({"amount":100,"currency":"USD","payment_method":{"type":"us_visa_card"},"ewallets":[{"ewallet":"a","percentage":60},{"ewallet":"b","percentage":30}]})",
       "ERROR_CREATE_PAYMENT"},
      {R"({"amount":100,"currency":"USD","payment_method":{"type":"us_visa_card"},"ewallets":[{"ewallet":"a","amount":60},{"ewallet":"b","percentage":40}]})",
       "INVALID_FIELDS"},
      {R"({"amount":100,"currency":"USD","payment_method":{"type":"us_visa_card"},"ewallets":[{"ewallet":"a","amount":50},{"ewallet":"a","amount":50}]})",
       "INVALID_FIELDS"},
      {R"({"amount":100,"currency":"USD","payment_method":7})", "INVALID_FIELDS"},
      {R"({"amount":100,"currency":"USD","payment_method":{"type":"us_visa_card"},"capture":"yes"})",
       "INVALID_FIELDS"},
  };
  for (const auto& [body, code] : bad) {
    auto parsed = ParseCreatePayment(Json(body));
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().code, code) << body;
  }
}

// A closed USD 100.00 card payment split 60/40 over two wallets.
core::Payment Split() {
  core::Payment p;
  p.id = "payment_1";
  p.dialect = "rapyd";
  p.currency = *core::FindCurrency("USD");
  p.amount_minor = 10000;
  p.parts = {{"ewallet_a", 6000, 0, 0, 0}, {"ewallet_b", 4000, 0, 0, 0}};
  EXPECT_TRUE(core::ConfirmPayment(p, true, 0).ok());
  return p;
}

TEST(RapydRefunds, ParsesTheSeedsBody) {
  auto in = ParseCreateRefund(Json(kBody));
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in.value().payment_id, "payment_0123456789abcdef");
  EXPECT_EQ(in.value().amount, std::optional<std::string>("10.5"));
  EXPECT_EQ(in.value().reason, "test");
  EXPECT_TRUE(in.value().attrs.proportional);
}

TEST(RapydRefunds, SplitByAmountOrPercentMustFitThePayments) {
  struct Case {
    std::string name;
    std::string body;
    std::string code;  // "" when the core accepts the plan
    std::vector<core::PartAmount> parts;
  };
  const Case cases[] = {
      {"proportional",
       R"({"payment":"p","amount":10})",
       "",
       {{"ewallet_a", 600}, {"ewallet_b", 400}}},
      {"by amount",
       R"({"payment":"p","ewallets":[{"ewallet":"ewallet_b","amount":40}]})",
       "",
       {{"ewallet_b", 4000}}},
      {"by percent of the amount",
       R"({"payment":"p","amount":50,"ewallets":[{"ewallet":"ewallet_a","percent":50},{"ewallet":"ewallet_b","percent":50}]})",
       "",
       {{"ewallet_a", 2500}, {"ewallet_b", 2500}}},
      {"percentage spelling",
       R"({"payment":"p","amount":10,"ewallets":[{"ewallet":"ewallet_a","percentage":100}]})",
       "",
       {{"ewallet_a", 1000}}},
      {"more than the wallet has",
       R"({"payment":"p","ewallets":[{"ewallet":"ewallet_b","amount":40.01}]})",
       "ERROR_CREATE_REFUND_INVALID_EWALLETS_AMOUNT",
       {}},
      {"percent beyond the wallet",
       R"({"payment":"p","amount":100,"ewallets":[{"ewallet":"ewallet_b","percent":100}]})",
       "ERROR_CREATE_REFUND_INVALID_EWALLETS_AMOUNT",
       {}},
      {"wallet not in payment",
       R"({"payment":"p","ewallets":[{"ewallet":"ewallet_z","amount":1}]})",
       "ERROR_CREATE_REFUND_EWALLET_NOT_FOUND_IN_PAYMENT",
       {}},
      {"amounts do not add up",
       R"({"payment":"p","amount":5,"ewallets":[{"ewallet":"ewallet_a","amount":1}]})",
       "ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY",
       {}},
      {"percents do not add up",
       R"({"payment":"p","amount":5,"ewallets":[{"ewallet":"ewallet_a","percent":40}]})",
       "ERROR_CREATE_REFUND_INVALID_EWALLETS_PERCENTAGE",
       {}},
      {"percent above 100",
       R"({"payment":"p","amount":5,"ewallets":[{"ewallet":"ewallet_a","percent":150},{"ewallet":"ewallet_b","percent":-50}]})",
       "ERROR_CREATE_REFUND_INVALID_EWALLETS_PERCENTAGE",
       {}},
      {"bad wallet amount",
       R"({"payment":"p","ewallets":[{"ewallet":"ewallet_a","amount":0}]})",
       "ERROR_CREATE_REFUND_INVALID_EWALLETS_AMOUNT",
       {}},
      {"amount over refundable", R"({"payment":"p","amount":100.01})", "ERROR_CREATE_REFUND", {}},
      {"amount with too many decimals",
       R"({"payment":"p","amount":1.005})",
       "ERROR_CREATE_REFUND",
       {}},
      {"other currency",
       R"({"payment":"p","currency":"EUR"})",
       "ERROR_CREATE_REFUND_CURRENCY_NOT_VALID",
       {}},
      {"unknown currency",
       R"({"payment":"p","currency":"ZZZ"})",
       "ERROR_CREATE_REFUND_CURRENCY_NOT_VALID",
       {}},
  };
  for (const Case& c : cases) {
    auto in = ParseCreateRefund(Json(c.body));
    ASSERT_TRUE(in.ok()) << c.name << ": " << in.error().message;
    const core::Payment payment = Split();
    std::string code;
    std::vector<core::PartAmount> parts;
    auto plan = PlanRefund(in.value(), payment);
    if (!plan.ok()) {
      code = plan.error().code;
    } else {
      auto decided = core::DecideRefund(payment, plan.value());
      if (decided.ok()) {
        parts = decided.value().parts;
      } else {
        code = ErrorFor(decided.error()).code;
      }
    }
    EXPECT_EQ(code, c.code) << c.name;
    EXPECT_EQ(parts, c.parts) << c.name;
  }
}

// CheckRefund runs before the payment is loaded (so that such a refusal claims no idempotency
// key): what it refuses, PlanRefund refuses identically over a payment in any currency, and what
// depends on the currency's decimals it lets through.
TEST(RapydRefunds, ChecksBeforeLoadingThePaymentRefuseOnlyWhatEveryPaymentWould) {
  const std::pair<std::string, bool> cases[] = {
      {R"({"payment":"p","amount":"abc"})", true},
      {R"({"payment":"p","amount":-1})", true},
      {R"({"payment":"p","amount":"1e3"})", true},
      {R"({"payment":"p","amount":""})", true},
      {R"({"payment":"p","amount":"99999999999999999999"})", true},
      {R"({"payment":"p","currency":"ZZZ"})", true},
      {R"({"payment":"p","ewallets":[{"ewallet":"ewallet_a","amount":0}]})", true},
      {R"({"payment":"p","ewallets":[{"ewallet":"ewallet_a","amount":"x"}]})", true},
      {R"({"payment":"p","amount":5,"ewallets":[{"ewallet":"ewallet_a","percent":40}]})", true},
      {R"({"payment":"p","amount":5,"ewallets":[{"ewallet":"ewallet_a","percent":0}]})", true},
      {R"({"payment":"p","amount":1.005})", false},
      {R"({"payment":"p","amount":0.5})", false},
      {R"({"payment":"p","amount":10})", false},
      {R"({"payment":"p","ewallets":[{"ewallet":"ewallet_a","amount":0.5}]})", false},
  };
  for (const auto& [body, refused] : cases) {
    auto in = ParseCreateRefund(Json(body));
    ASSERT_TRUE(in.ok()) << body << ": " << in.error().message;
    std::optional<Error> checked = CheckRefund(in.value());
    EXPECT_EQ(checked.has_value(), refused) << body;
    if (!checked) continue;
    for (std::string_view code : {"USD", "JPY", "KWD"}) {
      core::Payment payment = Split();
      payment.currency = *core::FindCurrency(code);
      auto plan = PlanRefund(in.value(), payment);
      ASSERT_FALSE(plan.ok()) << body << " " << code;
      EXPECT_EQ(plan.error(), *checked) << body << " " << code;
    }
  }
}

TEST(RapydRefunds, EwalletListsThatRapydRefusesBeforeTheCore) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"amount":1})", "ERROR_ADDING_REFUND"},
      {R"({"payment":"p","ewallets":[{"amount":1}]})", "ERROR_CREATE_REFUND_MISSING_EWALLET_ID"},
      {R"({"payment":"p","ewallets":[{"ewallet":"a","amount":1},{"ewallet":"a","amount":1}]})",
       "ERROR_CREATE_REFUND_DUPLICATE_EWALLET"},
      {R"({"payment":"p","ewallets":[{"ewallet":"a","amount":1},{"ewallet":"b","percent":1}]})",
       "ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY"},
      {R"({"payment":"p","ewallets":[{"ewallet":"a"}]})",
       "ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY"},
      {R"({"payment":"p","ewallets":["a"]})", "ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY"},
      {R"({"payment":"p","amount":[1]})", "INVALID_FIELDS"},
      {R"({"payment":"p","metadata":"x"})", "INVALID_FIELDS"},
  };
  for (const auto& [body, code] : cases) {
    auto in = ParseCreateRefund(Json(body));
    ASSERT_FALSE(in.ok()) << body;
    EXPECT_EQ(in.error().code, code) << body;
  }
}

TEST(RapydAnswers, RefundObjectPrintsNumbersTheRapydWay) {
  core::Refund r;
  r.id = "refund_1";
  r.payment_id = "payment_1";
  r.currency = *core::FindCurrency("USD");
  r.amount_minor = 1050;
  r.status = core::RefundStatus::kSucceeded;
  r.reason = "test";
  r.created_ms = r.updated_ms = kNowMs;
  r.parts = {{"ewallet_a", 630}, {"ewallet_b", 420}};
  RefundAttrs a;
  a.metadata_json = R"({"merchant_defined":true})";
  a.payment_method_type = "us_visa_card";
  a.payment_created_ms = kNowMs - 5000;
  a.proportional = true;
  r.attrs = EncodeRefundAttrs(a);
  auto o = json::parse(RefundJson(r)).as_object();
  EXPECT_EQ(o["status"], "Completed");
  EXPECT_EQ(o["created_at"], 1700000000);
  EXPECT_EQ(o["payment_created_at"], 1699999995);
  EXPECT_EQ(o["metadata"].as_object()["merchant_defined"], true);
  EXPECT_EQ(o["proportional_refund"], true);
  const std::string text = RefundJson(r);
  EXPECT_NE(text.find(R"("amount":10.5,)"), std::string::npos) << text;
  EXPECT_NE(
      text.find(
          R"("ewallets":[{"ewallet":"ewallet_a","amount":6.3},{"ewallet":"ewallet_b","amount":4.2}])"),
      std::string::npos)
      << text;
  for (auto [status, name] : {std::pair{core::RefundStatus::kPending, "Pending"},
                              std::pair{core::RefundStatus::kFailed, "Rejected"},
                              std::pair{core::RefundStatus::kCanceled, "Canceled"}}) {
    EXPECT_EQ(RefundStatus(status), name);
  }
}

TEST(RapydAnswers, PaymentShowsStatusSplitAndRefunds) {
  core::Payment p = Split();
  core::ApplyNewRefund(p, core::RefundPlan{1000, {{"ewallet_a", 600}, {"ewallet_b", 400}}},
                       core::RefundStatus::kSucceeded, 1);
  PaymentAttrs a;
  a.method_type = "us_visa_card";
  a.category = "card";
  a.percentages = {600000, 400000};
  p.attrs = EncodePaymentAttrs(a);
  auto o = json::parse(PaymentJson(p, RefundSummary{})).as_object();
  EXPECT_EQ(o["status"], "CLO");
  EXPECT_EQ(o["captured"], true);
  EXPECT_EQ(o["refunded"], false);
  EXPECT_EQ(o["refunded_amount"], 10);
  auto wallets = o["ewallets"].as_array();
  ASSERT_EQ(wallets.size(), 2u);
  EXPECT_EQ(wallets[0].as_object()["ewallet_id"], "ewallet_a");
  EXPECT_EQ(wallets[0].as_object()["percent"], 60);
  EXPECT_EQ(wallets[1].as_object()["refunded_amount"], 4);
  EXPECT_EQ(o["refunds"].as_object()["total_count"], 0);
}

TEST(RapydLists, LimitAndCursors) {
  auto in =
      ParseListRefunds(Json(R"({"limit":"5","starting_after":"refund_2","payment":"payment_1"})"));
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in.value().limit, 5);
  EXPECT_EQ(in.value().payment_id, "payment_1");
  EXPECT_EQ(ParseListRefunds(Json(R"({"paymentId":"payment_9"})")).value().payment_id, "payment_9");
  for (std::string_view bad : {"0", "101", "x", "-1", ""}) {
    auto q = json::object{{"limit", bad}};
    EXPECT_FALSE(ParseListRefunds(q).ok()) << bad;
  }
}

}  // namespace
}  // namespace refundd::dialects::rapyd
