// Proves the card-present Kushki translator: the seed's curl body is an unreferenced refund and
// its cardless example a referenced one, each operation's required fields, the per-merchant
// limits on unreferenced refunds, and responses in the seed's shape and key order.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dialects/kushki_common/body.h"
#include "dialects/kushki_pos/translate.h"

namespace refundd::dialects::kushki_pos {
namespace {

namespace json = boost::json;
using kushki::KCode;

// The card-present seed's request bodies, byte for byte.
constexpr const char* kSeedCurlRefund = R"({
    "amount": {
        "currency": "MXN",
        "iva": 0,
        "subtotal_iva": 0,
        "subtotal_iva0": 600,
        "tip": 0,
        "extra_taxes": {
            "airport_tax": 0,
            "iac": 0,
            "ice": 0,
            "travel_agency": 0
        }
    },
    "card_details": {
        "enc_tlv": "CE447A062C49774934E42A7F826668C0C478E38402C158062EE794C0E471B43EA8CE49C256C2C8B157526B0B2BE74FC23F65E18D4F52B99A1A0910E6CCD9B11A32D6D537E2B6E2B011C89569DE6A3D53318080BC77E0E70B398ED3083FD7366CCF8FB4DBF34A116E6D52CFBEF26371878D842034E5029EF62DF235D2C427F04102E451773D9E8975978917E3BC531327702967052E239F8C592734AE14688E603C52B858FC1D97B763AE623603F1475FFFB065EC07AF7A29",
        "pin_ksn": "FFFF4357486333600002",
        "reading_type": "ICC",
        "tracks": {
            "enc_track2": "283587285CE10278E7FA50AD5C97CFFE87F472C9FE6406F8",
            "track_ksn": "FFFF4357486333600002"
        }
    },
    "card": {
        "card_holder_name": "CUST IMP MC 103"
    },
    "contact_details": {
        "document_number": "",
        "document_type": "-1",
        "email": "",
        "first_name": "",
        "last_name": "",
        "second_last_name": "",
        "phone_number": ""
    },
    "pos_details": {
        "terminal_id": "PB04216R20537",
        "brand": "SUNMI",
        "location": {
            "latitude": -0.22480833333333333,
            "longitude": -78.487955
        },
        "model": "P2-EU",
        "version": "Kushki SunmiV1.1.26",
        "has_print": true
    },
    "country": "MEX",
    "is_deferred": false,
    "client_transaction_id": "6680eadc-6c8d-44aa-8ca0-18e061c1472a",
    "transaction_type": "refund",
    "transaction_mode": "Authorization",
    "is_cashback": false,
    "cvm_type": "none"
})";
constexpr const char* kSeedCardless = R"({
    "amount": {
        "currency": "PEN",
        "iva": 0.0,
        "subtotal_iva": 0.0,
        "subtotal_iva0": 600
    },
    "transaction_mode": "Authorization",
    "transaction_type": "refund",
    "client_transaction_id": "6680eadc-6c8d-44aa-8ca0-18e061c1472a",
    "transaction_reference": "f2f29080-0214-42c0-95a5-77ecf3434cd7",
    "omit_card": true
})";

Parsed<Request> Parse(const char* body, Operation op) {
  http::Request r;
  r.body = body;
  auto decoded = kushki::DecodeBody(r);
  if (!decoded.ok()) return Err(decoded.error());
  return ParseRequest(decoded.value(), op);
}

TEST(PosParse, TheSeedCurlIsAnUnreferencedCardReadRefund) {
  auto in = Parse(kSeedCurlRefund, Operation::kRefund);
  ASSERT_TRUE(in.ok()) << kushki::MessageOf(in.error());
  EXPECT_EQ(in.value().client_transaction_id, "6680eadc-6c8d-44aa-8ca0-18e061c1472a");
  EXPECT_TRUE(in.value().transaction_reference.empty());
  EXPECT_TRUE(in.value().card_read);
  EXPECT_FALSE(in.value().omit_card);
  EXPECT_EQ(in.value().amount->TotalMinor(), 60000);
  EXPECT_EQ(in.value().amount->currency.code, "MXN");
  EXPECT_EQ(in.value().holder, "CUST IMP MC 103");
  // card_details is kept exactly as sent; the over-precise latitude keeps its text.
  const json::object& given = in.value().given;
  EXPECT_EQ(given.at("card_details").at("pin_ksn"), "FFFF4357486333600002");
  EXPECT_EQ(given.at("pos_details").at("location").at("latitude"), "-0.22480833333333333");
  EXPECT_EQ(given.at("country"), "MEX");
  EXPECT_EQ(given.at("transaction_mode"), "Authorization");
}

TEST(PosParse, TheSeedCardlessExampleNamesItsSale) {
  auto in = Parse(kSeedCardless, Operation::kRefund);
  ASSERT_TRUE(in.ok()) << kushki::MessageOf(in.error());
  EXPECT_TRUE(in.value().omit_card);
  EXPECT_FALSE(in.value().card_read);
  EXPECT_EQ(in.value().transaction_reference, "f2f29080-0214-42c0-95a5-77ecf3434cd7");
  EXPECT_EQ(in.value().amount->TotalMinor(), 60000);
}

TEST(PosParse, EachOperationRequiresItsFields) {
  const char* card = R"("card_details":{"enc_tlv":"AA","reading_type":"ICC"})";
  const char* amount = R"("amount":{"currency":"PEN","iva":0,"subtotal_iva":0,"subtotal_iva0":10})";
  auto body = [&](std::string fields) {
    return "{\"client_transaction_id\":\"c1\"" + fields + "}";
  };
  const struct {
    const char* what;
    std::string body;
    Operation op;
    bool ok;
  } cases[] = {
      {"charge", body(std::string(",") + card + "," + amount), Operation::kCharge, true},
      {"charge without card", body(std::string(",") + amount), Operation::kCharge, false},
      {"charge without amount", body(std::string(",") + card), Operation::kCharge, false},
      {"charge cardless", body(std::string(",") + card + "," + amount + R"(,"omit_card":true)"),
       Operation::kCharge, false},
      {"charge with an unknown brand",
       body(std::string(",") + card + "," + amount + R"(,"card":{"brand":"ELO"})"),
       Operation::kCharge, false},
      {"preauthorization", body(std::string(",") + card + "," + amount),
       Operation::kPreauthorization, true},
      {"capture", body(R"(,"transaction_reference":"r")"), Operation::kCapture, true},
      {"capture without reference", body(""), Operation::kCapture, false},
      {"void", body(R"(,"transaction_reference":"r")"), Operation::kVoid, true},
      {"void with an amount", body(std::string(R"(,"transaction_reference":"r",)") + amount),
       Operation::kVoid, false},
      {"reverse by client id", body(""), Operation::kReverse, true},
      {"reverse with an amount", body(std::string(",") + amount), Operation::kReverse, false},
      {"refund without type",
       body(std::string(R"(,"transaction_mode":"Authorization","transaction_reference":"r",)") +
            card),
       Operation::kRefund, false},
      {"refund of another type",
       body(std::string(R"(,"transaction_type":"sale","transaction_mode":"Authorization",)"
                        R"("transaction_reference":"r",)") +
            card),
       Operation::kRefund, false},
      {"refund without mode",
       body(std::string(R"(,"transaction_type":"refund","transaction_reference":"r",)") + card),
       Operation::kRefund, false},
      {"full refund with the card",
       body(std::string(R"(,"transaction_type":"REFUND","transaction_mode":"Authorization",)"
                        R"("transaction_reference":"r",)") +
            card),
       Operation::kRefund, true},
      {"refund with neither card nor omit_card",
       body(R"(,"transaction_type":"refund","transaction_mode":"Authorization",)"
            R"("transaction_reference":"r")"),
       Operation::kRefund, false},
      {"cardless without reference",
       body(std::string(R"(,"transaction_type":"refund","transaction_mode":"Authorization",)"
                        R"("omit_card":true,)") +
            amount),
       Operation::kRefund, false},
      {"unreferenced without amount",
       body(std::string(R"(,"transaction_type":"refund","transaction_mode":"Authorization",)") +
            card),
       Operation::kRefund, false},
      {"no client_transaction_id", std::string("{") + card + "," + amount + "}", Operation::kCharge,
       false},
      {"client_transaction_id too long",
       R"({"client_transaction_id":")" + std::string(65, 'x') + R"(","transaction_reference":"r"})",
       Operation::kVoid, false},
      {"card_details not an object", body(std::string(R"(,"card_details":"x",)") + amount),
       Operation::kCharge, false},
      {"is_deferred not a boolean",
       body(std::string(",") + card + "," + amount + R"(,"is_deferred":"no")"), Operation::kCharge,
       false},
  };
  for (const auto& c : cases) {
    auto in = Parse(c.body.c_str(), c.op);
    EXPECT_EQ(in.ok(), c.ok) << c.what << ": "
                             << (in.ok() ? std::string("accepted") : kushki::MessageOf(in.error()));
    if (!in.ok()) {
      EXPECT_EQ(in.error().code, KCode::kK001) << c.what;
      EXPECT_EQ(StatusOf(in.error().kind), 400) << c.what;
    }
  }
}

TEST(PosUnreferenced, LimitsComeFromSettingsWithDefaultsAndFailClosed) {
  const core::Currency mxn = *core::FindCurrency("MXN");
  const core::Currency usd = *core::FindCurrency("USD");
  using S = std::optional<std::string>;
  const struct {
    const char* what;
    core::Currency currency;
    S enabled, per_refund, per_day;
    bool want_enabled;
    int64_t want_refund, want_day;
  } cases[] = {
      {"defaults MXN", mxn, {}, {}, {}, true, 1000000, 4000000},
      {"defaults USD", usd, {}, {}, {}, true, 50000, 200000},
      {"off", mxn, "off", {}, {}, false, 1000000, 4000000},
      {"on with limits", mxn, "on", "50.5", "100", true, 5050, 10000},
      {"garbage switch is off", mxn, "yes", {}, {}, false, 1000000, 4000000},
      {"garbage limit is 0", usd, {}, "lots", "1.001", true, 0, 0},
  };
  for (const auto& c : cases) {
    UnreferencedLimits l = LimitsFrom(c.currency, c.enabled, c.per_refund, c.per_day);
    EXPECT_EQ(l.enabled, c.want_enabled) << c.what;
    EXPECT_EQ(l.per_refund_minor, c.want_refund) << c.what;
    EXPECT_EQ(l.per_day_minor, c.want_day) << c.what;
  }
  EXPECT_EQ(LimitSettingName(mxn, "per_day"), "kushki.unreferenced_refunds.MXN.per_day");
  UnreferencedLimits l{true, 1000, 5000};
  EXPECT_FALSE(CheckUnreferenced(l, 1000).has_value());
  EXPECT_EQ(CheckUnreferenced(l, 1001)->code, KCode::kK020);
  EXPECT_EQ(StatusOf(CheckUnreferenced(l, 1001)->kind), 412);
  l.enabled = false;
  EXPECT_EQ(CheckUnreferenced(l, 1)->code, KCode::kK020);
}

TEST(PosRender, ResponsesHaveTheSeedsShapeAndKeyOrder) {
  // The seed's 200 response, to compare keys and their order with.
  const json::value seed = json::parse(R"({
    "additional_amounts": {"account_type": "", "amount": 0, "amount_type": "", "card_type": "",
                           "currency_code": ""},
    "authorized_amount": 500, "cvm_type": "", "F11": "", "franchise": "PROSA",
    "kushki_response": {"code": "000", "message": "Approved or completed Successfully."},
    "message_fields": {"F38": "211039", "F39": "00"},
    "transaction_reference": "f35dfb98-3a41-4192-9e92-41d29ed12a81",
    "ticket_number": "111727462978861299",
    "transaction_status": "APPROVAL", "transaction_type": "Refund"})");
  View v{"Refund",
         "111727462978861299",
         "f35dfb98-3a41-4192-9e92-41d29ed12a81",
         *core::FindCurrency("MXN"),
         50000,
         Franchise("VISA", kushki::Country::kMexico),
         "211039"};
  const json::value ours = json::parse(ResponseJson(v));
  EXPECT_EQ(ours, seed);
  std::vector<std::string> seed_keys, our_keys;
  for (const auto& kv : seed.get_object()) seed_keys.emplace_back(kv.key());
  for (const auto& kv : ours.get_object()) our_keys.emplace_back(kv.key());
  EXPECT_EQ(our_keys, seed_keys);

  const json::value declined =
      json::parse(DeclinedJson("Refund", "123456789012345678", "r", "AMEX"));
  EXPECT_EQ(declined.at("transaction_status"), "DECLINED");
  EXPECT_EQ(declined.at("kushki_response"),
            json::parse(R"({"code":"006","message":"Card brand not supported"})"));
  EXPECT_EQ(declined.at("authorized_amount"), 0);
}

TEST(PosRules, BrandsFranchisesAndStatuses) {
  EXPECT_TRUE(CardlessAllowed("VISA"));
  EXPECT_TRUE(CardlessAllowed("MASTERCARD"));
  EXPECT_FALSE(CardlessAllowed("AMEX"));
  EXPECT_FALSE(CardlessAllowed("DINERS"));
  EXPECT_EQ(Franchise("MASTERCARD", kushki::Country::kMexico), "PROSA");
  EXPECT_EQ(Franchise("MASTERCARD", kushki::Country::kPeru), "MASTERCARD");
  const struct {
    kushki::KKind kind;
    int status;
  } statuses[] = {{kushki::KKind::kBadRequest, 400},
                  {kushki::KKind::kCredentials, 401},
                  {kushki::KKind::kPrecondition, 412},
                  {kushki::KKind::kConflict, 409},
                  {kushki::KKind::kUnexpected, 500}};
  for (const auto& s : statuses) EXPECT_EQ(StatusOf(s.kind), s.status);
}

}  // namespace
}  // namespace refundd::dialects::kushki_pos
