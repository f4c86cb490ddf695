#include "dialects/utgl/routes.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "crypto/crypto.h"
#include "dialects/common/uuid.h"
#include "dialects/common/write.h"
#include "dialects/utgl/errors.h"
#include "dialects/utgl/translate.h"
#include "http/body.h"
#include "service/payments.h"
#include "service/refunds.h"

namespace refundd::dialects::utgl {

namespace {

constexpr std::string_view kDialect = "utgl";
constexpr std::size_t kMaxIdempotencyKey = 255;

http::Response Ok(std::string body) {
  return http::Response{200, "application/json", {}, std::move(body)};
}

http::Response Fail(const Error& e) { return ErrorResponse(e); }

const service::DialectAnswers& Answers() {
  static const service::DialectAnswers answers{
      [] { return Fail(IdempotencyKeyInUse()); },
      [] { return Fail(IdempotencyKeyReused()); },
      [] { return Fail(Unavailable()); },
  };
  return answers;
}

// Every answer gets a fresh x-request-id, as UTGL's APIs send one.
http::Reply WithRequestId(http::Reply reply) {
  return [reply = std::move(reply)](http::Response r) {
    r.headers.emplace_back("x-request-id", common::RandomUuid());
    reply(std::move(r));
  };
}

struct Call {
  service::Engine& engine;
  http::Request request;
  http::Reply reply;
  std::string merchant_id;
  boost::json::value body;

  void Fail(const Error& e) { reply(ErrorResponse(e)); }
};

// The merchant behind "Authorization: Basic base64(username:password)", or "".
std::string Authenticate(service::Engine& engine, const http::Request& request) {
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

http::RouteHandler Handle(service::Engine& engine, void (*handler)(Call&)) {
  return [&engine, handler](http::Request&& request, http::PathParams, http::Reply reply) {
    Call call{engine, std::move(request), WithRequestId(std::move(reply)), "",
              boost::json::object()};
    call.merchant_id = Authenticate(engine, call.request);
    if (call.merchant_id.empty()) return call.Fail(Unauthorized());
    auto decoded = http::DecodeJson(call.request.body);
    if (!decoded.ok()) return call.Fail(Validation("Invalid JSON body: " + decoded.error()));
    call.body = std::move(decoded).value();
    handler(call);
  };
}

using common::Run;

// Runs `run` once per Idempotency-Key, for 24 hours.
void Write(Call& call, Run run) {
  std::string_view key = call.request.Header("idempotency-key");
  if (key.size() > kMaxIdempotencyKey) {
    return call.Fail(Validation("Idempotency-Key must be at most 255 characters."));
  }
  common::WriteOnce(call.engine, call.merchant_id, kDialect, key, call.request, call.body,
                    Answers(), std::move(call.reply), std::move(run));
}

http::Response StoreFailed(bool& keep) {
  keep = false;
  return Fail(Unavailable());
}

Error TransactionNotFound(std::string_view id) {
  return NotFound("TRANSACTION_NOT_FOUND", "transaction", id);
}

http::Response ErrorOf(const service::UseCaseError& e, std::string_view id, bool& keep) {
  switch (e.kind) {
    case service::UseCaseError::Kind::kRefused:
      return Fail(ErrorFor(e.refusal));
    case service::UseCaseError::Kind::kNotFound:
      return Fail(TransactionNotFound(id));
    case service::UseCaseError::Kind::kStore:
      return StoreFailed(keep);
  }
  return StoreFailed(keep);
}

// The UTGL transaction `transaction_id` of this merchant, loaded for update; nullopt with
// `response` set when there is none.
std::optional<core::Payment> LoadTransaction(store::WriteTx& tx, const std::string& merchant_id,
                                             const std::string& transaction_id,
                                             http::Response& response, bool& keep) {
  auto internal = tx.FindAlias(merchant_id, std::string(kTransactionAlias), transaction_id);
  if (!internal.ok()) {
    response = StoreFailed(keep);
    return std::nullopt;
  }
  auto loaded = internal.value() ? tx.LoadPaymentForUpdate(merchant_id, *internal.value())
                                 : store::StoreResult<std::optional<core::Payment>>(std::nullopt);
  if (!loaded.ok()) {
    response = StoreFailed(keep);
    return std::nullopt;
  }
  if (!loaded.value() || loaded.value()->dialect != kDialect) {
    response = Fail(TransactionNotFound(transaction_id));
    return std::nullopt;
  }
  return std::move(*loaded.value());
}

// The bound card `card_id` of this merchant; nullopt with `response` set when there is none.
std::optional<Card> FindCard(store::WriteTx& tx, const std::string& merchant_id,
                             const std::string& card_id, http::Response& response, bool& keep) {
  auto found = tx.FindAlias(merchant_id, std::string(kCardAlias), card_id);
  if (!found.ok()) {
    response = StoreFailed(keep);
    return std::nullopt;
  }
  auto card = found.value() ? DecodeCard(*found.value()) : std::nullopt;
  if (!card) response = Fail(NotFound("CARD_NOT_FOUND", "card", card_id));
  return card;
}

void InitiateBinding(Call& call) {
  auto card = ParseInitiateBinding(call.body);
  if (!card.ok()) return call.Fail(card.error());
  Write(call, [merchant = call.merchant_id, card = card.value()](store::WriteTx& tx, int64_t now,
                                                                 bool& keep) {
    Card pending = card;
    pending.expires_ms = now + kBindingCodeTtlMs;
    const std::string verification_id = common::RandomUuid();
    auto inserted = tx.InsertAlias(
        {merchant, std::string(kBindingAlias), verification_id, EncodeCard(pending)});
    if (!inserted.ok() || !inserted.value()) return StoreFailed(keep);
    return Ok(InitiateBindingJson(verification_id, pending));
  });
}

void ConfirmBinding(Call& call) {
  auto in = ParseConfirmBinding(call.body);
  if (!in.ok()) return call.Fail(in.error());
  Write(call, [merchant = call.merchant_id, in = in.value()](store::WriteTx& tx, int64_t now,
                                                             bool& keep) {
    auto found = tx.FindAlias(merchant, std::string(kBindingAlias), in.verification_id);
    if (!found.ok()) return StoreFailed(keep);
    auto pending = found.value() ? DecodeCard(*found.value()) : std::nullopt;
    if (!pending)
      return Fail(NotFound("VERIFICATION_NOT_FOUND", "verification", in.verification_id));
    if (now > pending->expires_ms) return Fail(VerificationExpired());
    if (in.code != kSandboxOtp) return Fail(InvalidOtp());
    const std::string card_id = common::RandomUuid();
    auto used =
        tx.InsertAlias({merchant, std::string(kBindingUsedAlias), in.verification_id, card_id});
    if (!used.ok()) return StoreFailed(keep);
    if (!used.value()) return Fail(BindingAlreadyConfirmed());
    Card bound = *pending;
    bound.expires_ms = now + 3LL * 365 * 24 * 3600 * 1000;  // sandbox cards expire in 3 years
    auto card = tx.InsertAlias({merchant, std::string(kCardAlias), card_id, EncodeCard(bound)});
    if (!card.ok() || !card.value()) return StoreFailed(keep);
    return Ok(ConfirmBindingJson(card_id, bound));
  });
}

void Verify(Call& call) {
  auto in = ParseVerify(call.body);
  if (!in.ok()) return call.Fail(in.error());
  Write(call,
        [merchant = call.merchant_id, in = in.value()](store::WriteTx& tx, int64_t, bool& keep) {
          http::Response response;
          if (!FindCard(tx, merchant, in.card_id, response, keep)) return response;
          // Verifying the same purchase again is harmless: the alias already exists.
          auto remembered =
              tx.InsertAlias({merchant, std::string(kVerifyAlias), VerifyKey(in), in.card_id});
          if (!remembered.ok()) return StoreFailed(keep);
          return Ok("{\"success\":true}");
        });
}

void Purchase(Call& call) {
  auto in = ParsePurchase(call.body);
  if (!in.ok()) return call.Fail(in.error());
  Write(call, [merchant = call.merchant_id, in = in.value()](store::WriteTx& tx, int64_t now,
                                                             bool& keep) {
    http::Response response;
    auto card = FindCard(tx, merchant, in.card_id, response, keep);
    if (!card) return response;
    auto verified = tx.FindAlias(merchant, std::string(kVerifyAlias), VerifyKey(in));
    if (!verified.ok()) return StoreFailed(keep);
    if (!verified.value()) return Fail(VerificationRequired());
    if (in.otp != kSandboxOtp) return Fail(InvalidOtp());

    TransactionAttrs attrs{common::RandomUuid(), in.card_id, NewRefId(), now + kAuthorizationTtlMs,
                           0};
    core::Payment p;
    p.id = SortableId("utglpay_", now);
    p.merchant_id = merchant;
    p.dialect = std::string(kDialect);
    p.currency = in.currency;
    p.amount_minor = in.amount_minor;
    p.capture_method = "manual";
    p.payment_method = card->masked_pan;  // what the sandbox processor reads (docs/lifecycle.md)
    p.description = in.description;
    p.created_ms = p.updated_ms = now;
    p.attrs = EncodeTransactionAttrs(attrs);
    CHECK(core::ConfirmPayment(p, /*capture_now=*/false, now).ok());  // locked
    auto created = service::CreatePayment(tx, std::move(p));
    if (!created.ok()) return ErrorOf(created.error(), attrs.transaction_id, keep);
    auto alias = tx.InsertAlias(
        {merchant, std::string(kTransactionAlias), attrs.transaction_id, created.value().id});
    if (!alias.ok() || !alias.value()) return StoreFailed(keep);
    return Ok(PurchaseJson(created.value()));
  });
}

void Capture(Call& call) {
  auto in = ParseCapture(call.body);
  if (!in.ok()) return call.Fail(in.error());
  Write(call, [merchant = call.merchant_id, in = in.value()](store::WriteTx& tx, int64_t now,
                                                             bool& keep) {
    http::Response response;
    auto p = LoadTransaction(tx, merchant, in.transaction_id, response, keep);
    if (!p) return response;
    auto amount = CaptureAmount(in, *p);
    if (!amount.ok()) return Fail(amount.error());
    auto captured = service::CapturePayment(tx, merchant, p->id, amount.value(), now);
    if (!captured.ok()) return ErrorOf(captured.error(), in.transaction_id, keep);
    core::Payment done = std::move(captured).value();
    TransactionAttrs attrs = DecodeTransactionAttrs(done.attrs);
    attrs.capture_ms = now;
    done.attrs = EncodeTransactionAttrs(attrs);
    auto saved = tx.UpdatePayment(done);
    if (!saved.ok()) return StoreFailed(keep);
    return Ok(CaptureJson(done));
  });
}

void Release(Call& call) {
  auto id = ParseRelease(call.body);
  if (!id.ok()) return call.Fail(id.error());
  Write(call, [merchant = call.merchant_id, id = id.value()](store::WriteTx& tx, int64_t now,
                                                             bool& keep) {
    http::Response response;
    auto p = LoadTransaction(tx, merchant, id, response, keep);
    if (!p) return response;
    auto released = service::VoidPayment(tx, merchant, p->id, "released", now);
    if (!released.ok()) return ErrorOf(released.error(), id, keep);
    return Ok(ReleaseJson(released.value()));
  });
}

void Refund(Call& call) {
  auto in = ParseRefund(call.body);
  if (!in.ok()) return call.Fail(in.error());
  Write(call, [merchant = call.merchant_id, in = in.value()](store::WriteTx& tx, int64_t now,
                                                             bool& keep) {
    http::Response response;
    auto p = LoadTransaction(tx, merchant, in.transaction_id, response, keep);
    if (!p) return response;
    auto request = PlanRefund(in, *p);
    if (!request.ok()) return Fail(request.error());
    RefundAttrs attrs{common::RandomUuid(), in.description};
    service::NewRefund r;
    r.merchant_id = merchant;
    r.payment_id = p->id;
    r.refund_id = SortableId("utglref_", now);
    r.dialect = std::string(kDialect);
    r.request = request.value();
    r.reason = in.reason;
    r.attrs = EncodeRefundAttrs(attrs);
    auto created = service::CreateRefund(tx, r, now);
    if (!created.ok()) return ErrorOf(created.error(), in.transaction_id, keep);
    auto alias = tx.InsertAlias(
        {merchant, std::string(kRefundAlias), attrs.refund_transaction_id, r.refund_id});
    if (!alias.ok() || !alias.value()) return StoreFailed(keep);
    const core::Refund& refund = created.value().refund;
    if (refund.status == core::RefundStatus::kFailed) {
      // Declined by the sandbox processor (docs/lifecycle.md): the refund exists, failed, and its
      // amount is free again; the refund.failed webhook carries it too.
      return Fail(Error{422, "REFUND_DECLINED",
                        "The refund " + attrs.refund_transaction_id +
                            " was declined by the processor: " + refund.failure_reason});
    }
    return Ok(RefundJson(refund, created.value().payment));
  });
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
    void (*handler)(Call&);
  };
  static constexpr Entry kRoutes[] = {
      {"/partner-connect/card-binding/initiate", InitiateBinding},
      {"/partner-connect/card-binding/confirm", ConfirmBinding},
      {"/partner-connect/transactions/verify", Verify},
      {"/partner-connect/transactions/purchase", Purchase},
      {"/partner-connect/transactions/authorize", Purchase},  // the docs' other name for it
      {"/partner-connect/transactions/capture", Capture},
      {"/partner-connect/transactions/release", Release},
      {"/partner-connect/transactions/refund", Refund},
  };
  // Only UTGL serves /partner-connect: its routes claim every request there and answer 401
  // themselves when the Basic credentials are missing or wrong.
  for (const Entry& e : kRoutes) {
    router.Add(http::Route{"POST", e.pattern, std::string(kDialect), nullptr,
                           /*fallback=*/true, Handle(engine, e.handler)});
  }
  router.AddErrorSpace(
      {"/partner-connect", std::string(kDialect), nullptr, [](const http::RequestError& u) {
         http::Response r = ErrorResponse(FromRequestError(u));
         r.headers.emplace_back("x-request-id", common::RandomUuid());
         return r;
       }});
}

}  // namespace refundd::dialects::utgl
