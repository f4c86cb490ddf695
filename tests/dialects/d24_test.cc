// Proves the D24 translator: the signature of the spec's worked example, the header checks in
// D24's order (101, 102, 103), deposit and refund parsing, the refund plan's refusals with D24's
// codes (208, 801, 802, 804), and the shapes of the answers.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/rules.h"
#include "dialects/common/time_text.h"
#include "dialects/d24/auth.h"
#include "dialects/d24/translate.h"

namespace refundd::dialects::d24 {
namespace {

namespace json = boost::json;

constexpr std::string_view kSecret = "test_api_signature";
constexpr std::string_view kLogin = "test_xlogin";
constexpr std::string_view kDate = "2021-02-05T22:10:45Z";
constexpr std::string_view kBody =
    R"({"deposit_id":300533647,"invoice_id":"newIUnit45328732","amount":100})";

TEST(D24Signature, MatchesTheSpecsWorkedExamples) {
  EXPECT_EQ(Signature(kSecret, kDate, kLogin, kBody),
            "2ea983b1b659ef56cb42eb98e05b02d607d9bfcfe3a370b69e9835cfb541f5d1");
  EXPECT_EQ(Signature(kSecret, kDate, kLogin, ""),
            "840820cde3d64d19e9d0097123087fe228cfa4d8f6d56d748c1af68f47a666e0");
}

http::Request Signed(std::string date, std::string body, std::string auth = "") {
  http::Request r;
  r.method = "POST";
  r.path = "/v3/refunds";
  r.body = std::move(body);
  if (auth.empty()) auth = "D24 " + Signature(kSecret, date, kLogin, r.body);
  r.headers = {{"x-login", std::string(kLogin)}, {"x-date", date}, {"authorization", auth}};
  return r;
}

int64_t DateMs(std::string_view text) { return *common::ParseIso8601UtcMs(text); }

TEST(D24Auth, HeadersAreCheckedInD24sOrder) {
  const int64_t now = DateMs(kDate);
  struct Case {
    std::string name;
    http::Request request;
    int64_t now_ms;
    int code;  // 0: accepted
  };
  http::Request no_login = Signed(std::string(kDate), std::string(kBody));
  no_login.headers.erase(no_login.headers.begin());
  const Case cases[] = {
      {"exact", Signed(std::string(kDate), std::string(kBody)), now, 0},
      {"millis in X-Date", Signed("2021-02-05T22:10:45.220Z", std::string(kBody)), now, 0},
      {"no X-Login", no_login, now, 101},
      {"bad X-Date", Signed("05/02/2021 22:10", std::string(kBody)), now, 101},
      {"impossible X-Date", Signed("2021-02-30T22:10:45Z", std::string(kBody)), now, 101},
      {"no D24 prefix", Signed(std::string(kDate), std::string(kBody), "Bearer x"), now, 101},
      {"lowercase prefix",
       Signed(std::string(kDate), std::string(kBody),
              "d24 " + Signature(kSecret, kDate, kLogin, kBody)),
       now, 101},
      {"wrong signature",
       Signed(std::string(kDate), std::string(kBody), "D24 " + std::string(64, 'a')), now, 102},
      {"body changed after signing",
       Signed(std::string(kDate), std::string(kBody),
              "D24 " + Signature(kSecret, kDate, kLogin, "{}")),
       now, 102},
      {"4 minutes late", Signed(std::string(kDate), std::string(kBody)), now + 4 * 60'000, 0},
      {"6 minutes late", Signed(std::string(kDate), std::string(kBody)), now + 6 * 60'000, 103},
      {"6 minutes early", Signed(std::string(kDate), std::string(kBody)), now - 6 * 60'000, 103},
  };
  for (const Case& c : cases) {
    auto headers = ReadAuthHeaders(c.request);
    int code = 0;
    if (!headers.ok()) {
      code = headers.error().code;
    } else {
      auto verified = Verify(headers.value(), kSecret, c.request.body, c.now_ms);
      if (!verified.ok()) code = verified.error().code;
    }
    EXPECT_EQ(code, c.code) << c.name;
  }
}

TEST(D24Errors, CarryD24sCodesTypesAndStatuses) {
  EXPECT_EQ(InvalidCredentials(), (Error{401, 100, "INVALID_CREDENTIALS", "Invalid Credentials"}));
  EXPECT_EQ(NotFound().status, 404);
  EXPECT_EQ(NotFound().code, 208);
  http::Response r = ErrorResponse(MissingBankAccount());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"code":804,"description":"Missing bank account information","type":"MISSING_BANK_ACCOUNT"})");
  const std::pair<core::Refusal, int> table[] = {
      {core::Refusal::kPaymentNotCaptured, 801}, {core::Refusal::kPaymentVoided, 801},
      {core::Refusal::kAmountNotPositive, 802},  {core::Refusal::kAmountExceedsRefundable, 802},
      {core::Refusal::kFullyRefunded, 802},      {core::Refusal::kAmountTooLarge, 802},
      {core::Refusal::kCurrencyMismatch, 802},   {core::Refusal::kRefundTransitionInvalid, 805},
  };
  for (auto [refusal, code] : table) EXPECT_EQ(ErrorFor(refusal).code, code) << code;
}

json::value Json(std::string_view text) { return json::parse(text); }

TEST(D24Deposits, ParsesCardAndCashDeposits) {
  auto card = ParseCreateDeposit(Json(
      R"({"invoice_id":"test766106146","amount":505.95,"currency":"MXN","country":"mx","payment_method":"AE","payer":{"email":"a@b.c"}})"));
  ASSERT_TRUE(card.ok()) << card.error().description;
  EXPECT_EQ(card.value().amount_minor, 50595);
  EXPECT_TRUE(card.value().attrs.card);
  EXPECT_EQ(card.value().attrs.country, "MX");
  EXPECT_EQ(card.value().attrs.payment_type, "CREDIT_CARD");
  EXPECT_EQ(card.value().attrs.payer_json, R"({"email":"a@b.c"})");

  auto cash = ParseCreateDeposit(Json(
      R"({"invoice_id":"newIUnit45328731","amount":"100","currency":"MXN","country":"MX","payment_method":"OX"})"));
  ASSERT_TRUE(cash.ok());
  EXPECT_FALSE(cash.value().attrs.card);
  EXPECT_EQ(cash.value().amount_minor, 10000);

  const std::string bad[] = {
      R"({"amount":1,"currency":"MXN","country":"MX"})",                       // no invoice
      R"({"invoice_id":"i","currency":"MXN","country":"MX"})",                 // no amount
      R"({"invoice_id":"i","amount":1.005,"currency":"MXN","country":"MX"})",  // 3 decimals
      R"({"invoice_id":"i","amount":0,"currency":"MXN","country":"MX"})",
      R"({"invoice_id":"i","amount":10.5,"currency":"CLP","country":"CL"})",  // CLP has none
      R"({"invoice_id":"i","amount":1,"currency":"XXX","country":"MX"})",
      R"({"invoice_id":"i","amount":1,"currency":"MXN","country":"MEX"})",
      R"({"invoice_id":7,"amount":1,"currency":"MXN","country":"MX"})",
      R"([1])",
  };
  for (const std::string& body : bad) {
    auto parsed = ParseCreateDeposit(Json(body));
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().code, 202) << body;
  }
}

core::Payment Deposit(int64_t amount_minor, bool completed = true) {
  core::Payment p;
  p.id = "d24dep_1";
  p.dialect = "d24";
  p.currency = *core::FindCurrency("MXN");
  p.amount_minor = amount_minor;
  if (completed) {
    EXPECT_TRUE(core::ConfirmPayment(p, true, 0).ok());
  }
  return p;
}

DepositAttrs Attrs(bool card) {
  DepositAttrs a;
  a.deposit_id = 300533646;
  a.invoice_id = "newIUnit45328731";
  a.country = "MX";
  a.card = card;
  a.payment_type = card ? "CREDIT_CARD" : "VOUCHER";
  return a;
}

constexpr std::string_view kCashRefund = R"({
    "deposit_id": 300533646,
    "invoice_id": "newIUnit45328731",
    "amount": "100",
    "bank_account": {
        "beneficiary": "Carlos Ramirez",
        "bank_code": 1,
        "branch": "9283",
        "account_number": "18293435",
        "account_type": "SAVING"
    },
    "comments": "Test refund over v3",
    "notification_url": ""
})";

TEST(D24Refunds, ParsesTheSeedsCashAndCardExamples) {
  auto cash = ParseCreateRefund(Json(kCashRefund));
  ASSERT_TRUE(cash.ok()) << cash.error().description;
  EXPECT_EQ(cash.value().deposit_id, 300533646);
  EXPECT_EQ(cash.value().amount, std::optional<std::string>("100"));
  EXPECT_TRUE(cash.value().bank_account_complete);
  EXPECT_EQ(cash.value().comments, "Test refund over v3");

  auto card = ParseCreateRefund(Json(
      R"({"deposit_id":300533647,"invoice_id":"newIUnit45328732","comments":"Test CREDIT CARD refund over v3","notification_url":""})"));
  ASSERT_TRUE(card.ok());
  EXPECT_FALSE(card.value().amount.has_value());
  EXPECT_FALSE(card.value().bank_account_complete);
}

TEST(D24Refunds, RefusesMalformedBodiesWithD24Codes) {
  const std::pair<std::string, int> cases[] = {
      {R"({"invoice_id":"x"})", 202},
      {R"({"deposit_id":"300533646","invoice_id":"x"})", 202},  // must be an unquoted integer
      {R"({"deposit_id":1.5,"invoice_id":"x"})", 202},
      {R"({"deposit_id":1})", 202},
      {R"({"deposit_id":1,"invoice_id":"x","amount":true})", 802},
      {R"({"deposit_id":1,"invoice_id":"x","comments":")" + std::string(201, 'c') + R"("})", 202},
  };
  for (const auto& [body, code] : cases) {
    auto parsed = ParseCreateRefund(Json(body));
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().code, code) << body;
  }
}

TEST(D24Refunds, PlanFollowsD24sRulesInOrder) {
  auto with = [](std::string body) { return ParseCreateRefund(Json(body)).value(); };
  const std::string bank =
      R"("bank_account":{"beneficiary":"C","bank_code":"001","account_number":"1"})";
  struct Case {
    std::string name;
    RefundInput input;
    core::Payment deposit;
    bool card;
    int code;        // 0: planned
    int64_t amount;  // planned amount
  };
  const Case cases[] = {
      {"cash partial",
       with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731","amount":"100",)" + bank + "}"),
       Deposit(50000), false, 0, 10000},
      {"cash no amount = full deposit",
       with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731",)" + bank + "}"), Deposit(50000),
       false, 0, 50000},
      {"invoice of another deposit", with(R"({"deposit_id":1,"invoice_id":"other",)" + bank + "}"),
       Deposit(50000), false, 208, 0},
      {"country of another deposit",
       with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731","country":"BR",)" + bank + "}"),
       Deposit(50000), false, 208, 0},
      {"pending deposit", with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731",)" + bank + "}"),
       Deposit(50000, false), false, 801, 0},
      {"cash without bank account", with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731"})"),
       Deposit(50000), false, 804, 0},
      {"incomplete bank account",
       with(
           R"({"deposit_id":1,"invoice_id":"newIUnit45328731","bank_account":{"beneficiary":"C"}})"),
       Deposit(50000), false, 804, 0},
      {"three decimals",
       with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731","amount":1.005,)" + bank + "}"),
       Deposit(50000), false, 802, 0},
      {"other currency",
       with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731","currency":"USD",)" + bank + "}"),
       Deposit(50000), false, 802, 0},
      {"card in full", with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731"})"), Deposit(50595),
       true, 0, 50595},
      {"card partial", with(R"({"deposit_id":1,"invoice_id":"newIUnit45328731","amount":5})"),
       Deposit(50595), true, 802, 0},
  };
  for (const Case& c : cases) {
    auto plan = PlanRefund(c.input, c.deposit, Attrs(c.card));
    if (c.code != 0) {
      ASSERT_FALSE(plan.ok()) << c.name;
      EXPECT_EQ(plan.error().code, c.code) << c.name;
      continue;
    }
    ASSERT_TRUE(plan.ok()) << c.name << ": " << plan.error().description;
    EXPECT_EQ(plan.value().amount_minor, c.amount) << c.name;
  }
}

// An amount no currency accepts is refused while the request is read, before the deposit is
// looked at and before anything (the X-Idempotency-Key) is claimed.
TEST(D24Refunds, AnAmountNoCurrencyAcceptsIsRefusedBeforeTheDeposit) {
  const std::string bank =
      R"("bank_account":{"beneficiary":"C","bank_code":"001","account_number":"1"})";
  for (const char* amount : {"-1", "\"ten\"", "\"abc\"", "1.0005", "\"\""}) {
    auto in = ParseCreateRefund(Json(std::string(R"({"deposit_id":1,"invoice_id":"other","amount":)") +
                                     amount + "," + bank + "}"));
    ASSERT_FALSE(in.ok()) << amount;
    EXPECT_EQ(in.error().code, 802) << amount;
  }
}

TEST(D24Refunds, AMissingAmountAfterAPartialRefundIsRefused) {
  core::Payment deposit = Deposit(50000);
  core::ApplyNewRefund(deposit, core::RefundPlan{10000, {}}, core::RefundStatus::kPending, 1);
  auto in = ParseCreateRefund(Json(
      R"({"deposit_id":1,"invoice_id":"newIUnit45328731","bank_account":{"beneficiary":"C","bank_code":1,"account_number":"1"}})"));
  auto plan = PlanRefund(in.value(), deposit, Attrs(false));
  ASSERT_TRUE(plan.ok());
  auto decided = core::DecideRefund(deposit, plan.value());
  ASSERT_FALSE(decided.ok());
  EXPECT_EQ(ErrorFor(decided.error()).code, 802);
}

TEST(D24Answers, CardRefundIsTheSynchronousRefundInfo) {
  core::Payment deposit = Deposit(50595);
  deposit.payment_method = "AE";
  DepositAttrs a = Attrs(true);
  a.deposit_id = 300604089;
  a.invoice_id = "test766106146";
  core::Refund r;
  r.currency = deposit.currency;
  r.amount_minor = 50595;
  r.status = core::RefundStatus::kSucceeded;
  r.created_ms = DateMs("2021-02-05T22:10:45Z");
  RefundAttrs ra{80000001, true, "", "", ""};
  EXPECT_EQ(
      RefundCreatedJson(r, ra, deposit, a),
      R"({"refund_id":"80000001","deposit_id":300604089,"merchant_invoice_id":"test766106146",)"
      R"("refund_info":{"type":"CREDIT_CARD","result":"SUCCESS","payment_method":"AE",)"
      R"("payment_method_name":"American Express","amount":505.95,"currency":"MXN",)"
      R"("created_at":"2021-02-05 22:10:45"}})");
  ra.card = false;
  ra.refund_id = 168284;
  EXPECT_EQ(RefundCreatedJson(r, ra, deposit, a), R"({"refund_id":168284})");
}

TEST(D24Answers, RefundStatusHasNoRefundIdAndD24sStatusNames) {
  core::Refund r;
  r.currency = *core::FindCurrency("MXN");
  r.amount_minor = 10000;
  DepositAttrs a = Attrs(false);
  a.deposit_id = 300533569;
  a.invoice_id = "84044";
  const std::pair<core::RefundStatus, std::string> statuses[] = {
      {core::RefundStatus::kPending, "PENDING"},
      {core::RefundStatus::kSucceeded, "COMPLETED"},
      {core::RefundStatus::kFailed, "REJECTED"},
      {core::RefundStatus::kCanceled, "CANCELLED"},
  };
  for (const auto& [status, name] : statuses) {
    r.status = status;
    EXPECT_EQ(RefundStatusJson(r, a), R"({"deposit_id":300533569,"merchant_invoice_id":"84044",)"
                                      R"("status":")" +
                                          name + R"(","amount":100.00})");
  }
}

TEST(D24Answers, AttrsRoundTrip) {
  DepositAttrs a = Attrs(true);
  a.user_id = 11;
  a.payer_json = R"({"document":"1"})";
  a.notification_url = "https://m.example/n";
  DepositAttrs back = DecodeDepositAttrs(EncodeDepositAttrs(a));
  EXPECT_EQ(back.deposit_id, a.deposit_id);
  EXPECT_EQ(back.user_id, 11);
  EXPECT_EQ(back.invoice_id, a.invoice_id);
  EXPECT_EQ(back.payer_json, a.payer_json);
  EXPECT_EQ(back.notification_url, a.notification_url);
  EXPECT_TRUE(back.card);
  RefundAttrs r{168284, false, "c", "https://m.example/r", R"({"beneficiary":"C"})"};
  RefundAttrs rb = DecodeRefundAttrs(EncodeRefundAttrs(r));
  EXPECT_EQ(rb.refund_id, 168284);
  EXPECT_EQ(rb.notification_url, r.notification_url);
  EXPECT_EQ(rb.bank_account_json, r.bank_account_json);
}

TEST(D24Ids, PathIdsAreDigitsOnly) {
  EXPECT_EQ(ParseId("300533646"), 300533646);
  for (std::string_view bad : {"", "0", "012", "12a", "-1", "1234567890123456789"}) {
    EXPECT_FALSE(ParseId(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace refundd::dialects::d24
