#include "dialects/utgl/routes.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "crypto/crypto.h"
#include "dialects/common/failures.h"
#include "dialects/common/kit.h"
#include "dialects/common/uuid.h"
#include "dialects/utgl/errors.h"
#include "dialects/utgl/translate.h"
#include "http/body.h"

namespace refundd::dialects::utgl {

namespace {

constexpr std::string_view kDialect = "utgl";
constexpr int64_t kCardLifeMs = 3LL * 365 * 24 * 3600 * 1000;  // sandbox cards expire in 3 years

using common::Call;
using common::Translated;
using service::AliasWrite;
using service::Outcome;
using service::Refusal;

http::Response Ok(std::string body) {
  http::Response r;  // 200 application/json
  r.body = std::move(body);
  return r;
}

http::Response Fail(const Error& e) { return ErrorResponse(e); }

// A UTGL error a command's hook found, carried whole to the answer.
Refusal Refused(const Error& e) { return Refusal::Dialect(e.status, 0, e.code, e.message); }

Error TransactionNotFound(std::string_view id) {
  return NotFound("TRANSACTION_NOT_FOUND", "transaction", id);
}

// The answer for a refused command; `id` is the transaction the request named.
http::Response RefusalAnswer(const Refusal& r, std::string_view id) {
  switch (r.kind) {
    case Refusal::Kind::kRule:
      return Fail(ErrorFor(r.rule));
    case Refusal::Kind::kNotFound:
      return Fail(TransactionNotFound(id));
    case Refusal::Kind::kAliasTaken:  // the only alias a client names twice: a used binding
      return Fail(BindingAlreadyConfirmed());
    case Refusal::Kind::kDialect:
      return Fail(Error{r.status, r.what, r.detail});
  }
  return Fail(Unavailable());
}

// Renders an Outcome with `answer`, or its refusal.
template <typename Answer>
std::function<http::Response(const Outcome&)> Render(Answer answer, std::string id = "") {
  return [answer, id = std::move(id)](const Outcome& o) {
    return o.ok() ? answer(o) : RefusalAnswer(*o.refusal, id);
  };
}

// The merchant behind "Authorization: Basic base64(username:password)", or "".
std::string BasicMerchant(service::Engine& engine, const http::Request& request) {
  std::string_view auth = request.Header("authorization");
  if (auth.size() < 6 || (auth.substr(0, 6) != "Basic " && auth.substr(0, 6) != "basic ")) {
    return "";
  }
  std::string decoded;
  if (!crypto::Base64Decode(auth.substr(6), decoded)) return "";
  std::size_t colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 128) return "";
  std::string username = decoded.substr(0, colon);
  auto credential = engine.Authenticate(std::string(kDialect), username);
  if (!credential) return "";
  std::string lookup = PasswordLookup(username, std::string_view(decoded).substr(colon + 1));
  if (!crypto::ConstantTimeEquals(lookup, credential->secret)) return "";
  return credential->merchant_id;
}

std::optional<http::Response> Authenticate(Call& call) {
  call.merchant_id = BasicMerchant(call.engine, call.request);
  if (call.merchant_id.empty()) return Fail(Unauthorized());
  return std::nullopt;
}

// Every Partner Connect call is a POST with a JSON body (an empty body is not JSON).
std::optional<http::Response> Decode(Call& call) {
  auto decoded = http::DecodeJson(call.request.body);
  if (!decoded.ok()) return Fail(Validation("Invalid JSON body: " + decoded.error()));
  call.params = std::move(decoded).value();
  return std::nullopt;
}

const common::DialectSpec& Spec() {
  static const common::DialectSpec spec{
      kDialect,
      Authenticate,
      Decode,
      "idempotency-key",
      255,
      [] { return Fail(Validation("Idempotency-Key must be at most 255 characters.")); },
      common::Failures(Fail, IdempotencyKeyInUse, IdempotencyKeyReused, Unavailable),
      nullptr,
  };
  return spec;
}

void AddRequestId(http::Response& r) { r.headers.emplace_back("x-request-id", common::RandomUuid()); }

// Every answer gets a fresh x-request-id, as UTGL's APIs send one (a deferred answer when it is
// rendered).
http::Reply WithRequestId(http::Reply reply) {
  return [reply = std::move(reply)](http::Response r) {
    if (r.render) {
      r.render = [render = std::move(r.render)] {
        http::Response done = render();
        AddRequestId(done);
        return done;
      };
    } else {
      AddRequestId(r);
    }
    reply(std::move(r));
  };
}

service::Command NewCommand(const Call& call) {
  service::Command c;
  c.merchant_id = call.merchant_id;
  c.dialect = std::string(kDialect);
  return c;
}

// A binding's answer from the id and the card's face its command handed on (Outcome::values);
// an idempotency record is data from disk, so a damaged one is answered unavailable.
template <typename Json>
http::Response BindingAnswer(const Outcome& o, Json json) {
  std::optional<Card> card = o.values.size() == 2 ? DecodeCard(o.values[1]) : std::nullopt;
  if (!card) return Fail(Unavailable());
  return Ok(json(o.values[0], *card));
}

// The card a lookup found (the alias's value is the card's face), or nullopt.
std::optional<Card> FoundCard(const service::Draft& d, std::size_t i) {
  const std::optional<std::string>& v = (*d.found)[i];
  return v ? DecodeCard(*v) : std::nullopt;
}

Translated InitiateBindingCommand(Call& call) {
  auto card = ParseInitiateBinding(call.params);
  if (!card.ok()) return common::Refuse(Fail(card.error()));
  service::Command c = NewCommand(call);
  c.op = service::RecordAliases{};
  // The binding code expires kBindingCodeTtlMs after the command runs.
  c.prepare = [card = card.value(), verification_id = common::RandomUuid()](
                  service::Draft& d) -> std::optional<Refusal> {
    Card pending = card;
    pending.expires_ms = d.now_ms + kBindingCodeTtlMs;
    d.aliases->push_back({std::string(kBindingAlias), verification_id, AliasWrite::To::kValue,
                          EncodeCard(pending), /*minted=*/true});
    *d.values = {verification_id, EncodeCard(pending)};
    return std::nullopt;
  };
  return common::Translation{std::move(c), Render([](const Outcome& o) {
                               return BindingAnswer(o, InitiateBindingJson);
                             })};
}

Translated ConfirmBindingCommand(Call& call) {
  auto in = ParseConfirmBinding(call.params);
  if (!in.ok()) return common::Refuse(Fail(in.error()));
  service::Command c = NewCommand(call);
  c.op = service::RecordAliases{};
  c.lookups = {{std::string(kBindingAlias), in.value().verification_id}};
  c.prepare = [in = in.value(), card_id = common::RandomUuid()](
                  service::Draft& d) -> std::optional<Refusal> {
    auto pending = FoundCard(d, 0);
    if (!pending) {
      return Refused(NotFound("VERIFICATION_NOT_FOUND", "verification", in.verification_id));
    }
    if (d.now_ms > pending->expires_ms) return Refused(VerificationExpired());
    if (in.code != kSandboxOtp) return Refused(InvalidOtp());
    Card bound = *pending;
    bound.expires_ms = d.now_ms + kCardLifeMs;
    // A binding confirms once: its "used" alias taken is BINDING_ALREADY_CONFIRMED.
    d.aliases->push_back({std::string(kBindingUsedAlias), in.verification_id,
                          AliasWrite::To::kValue, card_id});
    d.aliases->push_back({std::string(kCardAlias), card_id, AliasWrite::To::kValue,
                          EncodeCard(bound), /*minted=*/true});
    *d.values = {card_id, EncodeCard(bound)};
    return std::nullopt;
  };
  return common::Translation{std::move(c), Render([](const Outcome& o) {
                               return BindingAnswer(o, ConfirmBindingJson);
                             })};
}

Translated VerifyCommand(Call& call) {
  auto in = ParseVerify(call.params);
  if (!in.ok()) return common::Refuse(Fail(in.error()));
  service::Command c = NewCommand(call);
  c.op = service::RecordAliases{};
  c.lookups = {{std::string(kCardAlias), in.value().card_id}};
  // Verifying the same purchase again is harmless: the alias stays.
  c.aliases = {{std::string(kVerifyAlias), VerifyKey(in.value()), AliasWrite::To::kValue,
                in.value().card_id, /*minted=*/false, /*keep_existing=*/true}};
  c.prepare = [card_id = in.value().card_id](service::Draft& d) -> std::optional<Refusal> {
    if (!FoundCard(d, 0)) return Refused(NotFound("CARD_NOT_FOUND", "card", card_id));
    return std::nullopt;
  };
  return common::Translation{std::move(c),
                             Render([](const Outcome&) { return Ok("{\"success\":true}"); })};
}

Translated PurchaseCommand(Call& call) {
  auto parsed = ParsePurchase(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  const VerifyInput in = std::move(parsed).value();
  const int64_t now = call.Now();
  TransactionAttrs attrs{common::RandomUuid(), in.card_id, NewRefId(), now + kAuthorizationTtlMs,
                         0};
  core::Payment p;
  p.id = SortableId("utglpay_", now);
  p.merchant_id = call.merchant_id;
  p.dialect = std::string(kDialect);
  p.currency = in.currency;
  p.amount_minor = in.amount_minor;
  p.capture_method = "manual";
  p.description = in.description;
  p.created_ms = p.updated_ms = now;
  p.attrs = EncodeTransactionAttrs(attrs);
  CHECK(core::ConfirmPayment(p, /*capture_now=*/false, now).ok());  // locked

  service::Command c = NewCommand(call);
  c.op = service::CreatePayment{std::move(p)};
  c.lookups = {{std::string(kCardAlias), in.card_id}, {std::string(kVerifyAlias), VerifyKey(in)}};
  c.aliases = {{std::string(kTransactionAlias), attrs.transaction_id, AliasWrite::To::kPayment, "",
                /*minted=*/true}};
  c.prepare = [card_id = in.card_id, otp = in.otp](service::Draft& d) -> std::optional<Refusal> {
    auto card = FoundCard(d, 0);
    if (!card) return Refused(NotFound("CARD_NOT_FOUND", "card", card_id));
    if (!(*d.found)[1]) return Refused(VerificationRequired());
    if (otp != kSandboxOtp) return Refused(InvalidOtp());
    d.payment->payment_method = card->masked_pan;  // what the sandbox processor reads
    return std::nullopt;
  };
  return common::Translation{std::move(c),
                             Render([](const Outcome& o) { return Ok(PurchaseJson(*o.payment)); })};
}

service::Ref Transaction(const std::string& id) {
  return service::Ref::Alias(kTransactionAlias, id);
}

Translated CaptureCommand(Call& call) {
  auto in = ParseCapture(call.params);
  if (!in.ok()) return common::Refuse(Fail(in.error()));
  std::optional<int64_t> amount;
  if (in.value().amount) {
    auto minor = CentAmount(*in.value().amount, "amount");
    if (!minor.ok()) return common::Refuse(Fail(minor.error()));
    amount = minor.value();
  }
  service::Command c = NewCommand(call);
  c.op = service::CapturePayment{Transaction(in.value().transaction_id), amount};
  c.finish = [](service::Draft& d) -> std::optional<Refusal> {
    TransactionAttrs attrs = DecodeTransactionAttrs(d.payment->attrs);
    attrs.capture_ms = d.now_ms;
    d.payment->attrs = EncodeTransactionAttrs(attrs);
    return std::nullopt;
  };
  return common::Translation{
      std::move(c),
      Render([](const Outcome& o) { return Ok(CaptureJson(*o.payment)); },
             in.value().transaction_id)};
}

Translated ReleaseCommand(Call& call) {
  auto id = ParseRelease(call.params);
  if (!id.ok()) return common::Refuse(Fail(id.error()));
  service::Command c = NewCommand(call);
  c.op = service::VoidPayment{Transaction(id.value()), "released"};
  return common::Translation{
      std::move(c), Render([](const Outcome& o) { return Ok(ReleaseJson(*o.payment)); }, id.value())};
}

// A refund the sandbox processor declined exists, failed, and its amount is free again
// (docs/lifecycle.md); the refund.failed webhook carries it too.
http::Response RefundAnswer(const Outcome& o) {
  const core::Refund& refund = *o.refund;
  if (refund.status == core::RefundStatus::kFailed) {
    return Fail(Error{422, "REFUND_DECLINED",
                      "The refund " + DecodeRefundAttrs(refund.attrs).refund_transaction_id +
                          " was declined by the processor: " + refund.failure_reason});
  }
  return Ok(RefundJson(refund, *o.payment));
}

Translated RefundCommand(Call& call) {
  auto parsed = ParseRefund(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  const RefundInput in = std::move(parsed).value();
  // The amount's own rules do not depend on the transaction (every one is in cents).
  if (auto amount = CentAmount(in.amount, "amount"); !amount.ok()) {
    return common::Refuse(Fail(amount.error()));
  }
  const RefundAttrs attrs{common::RandomUuid(), in.description};
  service::CreateRefund op;
  op.payment = Transaction(in.transaction_id);
  op.refund.id = SortableId("utglref_", call.Now());
  op.refund.reason = in.reason;
  op.refund.attrs = EncodeRefundAttrs(attrs);
  service::Command c = NewCommand(call);
  c.op = std::move(op);
  c.aliases = {{std::string(kRefundAlias), attrs.refund_transaction_id, AliasWrite::To::kRefund,
                "", /*minted=*/true}};
  c.prepare = [in](service::Draft& d) -> std::optional<Refusal> {
    auto request = PlanRefund(in, *d.payment);
    if (!request.ok()) return Refused(request.error());
    *d.request = request.value();
    return std::nullopt;
  };
  return common::Translation{std::move(c), Render(RefundAnswer, in.transaction_id)};
}

}  // namespace

std::string PasswordLookup(std::string_view username, std::string_view password) {
  std::string text(username);
  text.push_back(':');
  text.append(password);
  return crypto::Sha256Hex(text);
}

void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown) {
  const std::string username = RandomId("utgl_", 16);
  const std::string password = RandomId("", 32);
  out.push_back({std::string(kDialect), username, merchant_id, PasswordLookup(username, password)});
  shown[kDialect] = boost::json::object{{"username", username}, {"password", password}};
}

void RegisterRoutes(http::Router& router, service::Engine& engine) {
  struct Entry {
    const char* pattern;
    Translated (*translate)(Call&);
  };
  static constexpr Entry kRoutes[] = {
      {"/partner-connect/card-binding/initiate", InitiateBindingCommand},
      {"/partner-connect/card-binding/confirm", ConfirmBindingCommand},
      {"/partner-connect/transactions/verify", VerifyCommand},
      {"/partner-connect/transactions/purchase", PurchaseCommand},
      {"/partner-connect/transactions/authorize", PurchaseCommand},  // the docs' other name
      {"/partner-connect/transactions/capture", CaptureCommand},
      {"/partner-connect/transactions/release", ReleaseCommand},
      {"/partner-connect/transactions/refund", RefundCommand},
  };
  // Only UTGL serves /partner-connect: its routes claim every request there and answer 401
  // themselves when the Basic credentials are missing or wrong.
  for (const Entry& e : kRoutes) {
    http::RouteHandler handler = common::Route(
        engine, Spec(), [translate = e.translate](Call& call) { common::Write(call, translate); });
    router.Add(http::Route{"POST", e.pattern, std::string(kDialect), nullptr, /*fallback=*/true,
                           [handler = std::move(handler)](http::Request&& request,
                                                          http::PathParams path, http::Reply reply) {
                             handler(std::move(request), std::move(path),
                                     WithRequestId(std::move(reply)));
                           }});
  }
  router.AddErrorSpace(
      {"/partner-connect", std::string(kDialect), nullptr, [](const http::RequestError& u) {
         http::Response r = ErrorResponse(FromRequestError(u));
         AddRequestId(r);
         return r;
       }});
}

}  // namespace refundd::dialects::utgl
