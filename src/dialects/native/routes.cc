#include "dialects/native/routes.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "crypto/crypto.h"
#include "dialects/native/call.h"
#include "dialects/native/translate.h"
#include "http/body.h"
#include "service/fingerprint.h"
#include "service/payments.h"
#include "service/refunds.h"

namespace refundd::dialects::native {

namespace {

constexpr std::string_view kDialect = "native";
constexpr std::size_t kMaxIdempotencyKey = 255;

}  // namespace

http::Response Unavailable() {
  return ErrorResponse(ApiError{503, "api_error", "store_unavailable",
                                "The request could not be stored; nothing was changed. Retry "
                                "with the same Idempotency-Key.",
                                ""});
}

namespace {

const service::DialectAnswers& Answers() {
  static const service::DialectAnswers answers{
      [] {
        return ErrorResponse(ApiError{409, "idempotency_error", "idempotency_key_in_use",
                                      "There is currently another in-progress request using "
                                      "this Idempotency-Key. Retry after it completes.",
                                      ""});
      },
      [] {
        return ErrorResponse(ApiError{400, "idempotency_error", "idempotency_key_reused",
                                      "Keys for idempotent requests can only be used with the "
                                      "same parameters they were first used with.",
                                      ""});
      },
      [] { return Unavailable(); },
      [](http::Response& r) { r.headers.emplace_back("Idempotent-Replayed", "true"); }};
  return answers;
}

// The secret key from Authorization: "Bearer sk" or "Basic base64(sk:)"; "" when absent.
std::string SecretKeyOf(const http::Request& request) {
  std::string_view auth = request.Header("authorization");
  if (auth.size() > 7 && auth.substr(0, 7) == "Bearer ") return std::string(auth.substr(7));
  if (auth.size() > 6 && auth.substr(0, 6) == "Basic ") {
    std::string decoded;
    if (!crypto::Base64Decode(auth.substr(6), decoded)) return "";
    return decoded.substr(0, decoded.find(':'));
  }
  return "";
}

}  // namespace

// Wraps a handler with auth and body/query decoding.
http::RouteHandler Handle(service::Engine& engine, CallHandler handler) {
  return [&engine, handler = std::move(handler)](http::Request&& request, http::PathParams path,
                                                 http::Reply reply) {
    Call call{engine, std::move(request), std::move(path), std::move(reply), "", {}};
    std::string key = SecretKeyOf(call.request);
    if (key.empty() || key.size() > 255) return call.Fail(BadKey(call.request.HasHeader("authorization")));
    auto credential = engine.Authenticate(std::string(kDialect), SecretKeyLookup(key));
    if (!credential) return call.Fail(BadKey(true));
    call.merchant_id = credential->merchant_id;
    auto decoded = call.request.method == "GET" || call.request.method == "DELETE"
                       ? http::DecodeQuery(call.request.query)
                       : http::DecodeBody(call.request);
    if (!decoded.ok()) {
      return call.Fail(ApiError{400, "invalid_request_error", "parameter_invalid",
                                "Invalid request body: " + decoded.error(), ""});
    }
    call.params = std::move(decoded).value();
    handler(call);
  };
}

// Maps a use-case error to the response; store errors roll the call back.
http::Response ErrorOf(const service::UseCaseError& e, std::string_view object_name,
                       std::string_view id, std::string_view param, const core::Payment* payment,
                       bool& keep) {
  switch (e.kind) {
    case service::UseCaseError::Kind::kRefused:
      return ErrorResponse(ErrorFor(e.refusal, payment));
    case service::UseCaseError::Kind::kNotFound:
      return ErrorResponse(NotFound(object_name, id, param));
    case service::UseCaseError::Kind::kStore:
      keep = false;
      return Unavailable();
  }
  keep = false;
  return Unavailable();
}

// Runs `run` through the engine with the request's Idempotency-Key.
void Write(Call& call, std::function<http::Response(store::WriteTx&, int64_t, bool&)> run,
           std::string lock_payment_id) {
  std::string_view key = call.request.Header("idempotency-key");
  if (key.size() > kMaxIdempotencyKey) {
    return call.Fail(ApiError{400, "invalid_request_error", "parameter_invalid",
                              "Idempotency-Key must be at most 255 characters.", ""});
  }
  service::WriteCall w;
  w.merchant_id = call.merchant_id;
  w.idempotency_key = std::string(key);
  if (!key.empty()) {
    w.fingerprint = service::RequestFingerprint(call.request.method, call.request.path, call.params);
  }
  w.lock_payment_id = std::move(lock_payment_id);
  w.run = std::move(run);
  w.answers = &Answers();
  w.reply = std::move(call.reply);
  call.engine.Write(std::move(w));
}

namespace {

// Reads a native payment of this merchant; another dialect's payment is not visible here.
std::optional<core::Payment> ReadPayment(Call& call, const std::string& id, bool& failed) {
  auto p = call.engine.store().ReadPayment(call.merchant_id, id);
  failed = !p.ok();
  if (failed || !p.value() || p.value()->dialect != kDialect) return std::nullopt;
  return *p.value();
}

void CreatePaymentIntent(Call& call) {
  auto in = ParseCreatePaymentIntent(call.params);
  if (!in.ok()) return call.Fail(in.error());
  Write(call, [merchant = call.merchant_id, in = std::move(in).value()](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    core::Payment p;
    p.id = SortableId("pi_", now);
    p.merchant_id = merchant;
    p.dialect = std::string(kDialect);
    p.currency = in.currency;
    p.amount_minor = in.amount_minor;
    p.capture_method = in.capture_method;
    p.payment_method = in.payment_method;
    p.description = in.description;
    p.metadata = in.metadata;
    p.created_ms = p.updated_ms = now;
    if (in.confirm) {
      CHECK(core::ConfirmPayment(p, in.capture_method == "automatic", now).ok());
      p.attrs = std::string(kChargedAttr);
    }
    auto created = service::CreatePayment(tx, std::move(p));
    if (!created.ok()) return ErrorOf(created.error(), "payment_intent", "", "", nullptr, keep);
    return Ok(PaymentIntentJson(created.value()));
  });
}

void GetPaymentIntent(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  std::string id(call.path.Get("id"));
  bool failed = false;
  auto p = ReadPayment(call, id, failed);
  if (failed) return call.reply(Unavailable());
  if (!p) return call.Fail(NotFound("payment_intent", id, "intent"));
  call.reply(Ok(PaymentIntentJson(*p)));
}

// A write on one payment intent: the intent must exist for this merchant in this dialect.
template <typename UseCase>
void ChangePaymentIntent(Call& call, UseCase use_case) {
  std::string id(call.path.Get("id"));
  bool failed = false;
  auto existing = ReadPayment(call, id, failed);
  if (failed) return call.reply(Unavailable());
  if (!existing) return call.Fail(NotFound("payment_intent", id, "intent"));
  Write(call, [id, merchant = call.merchant_id, use_case](store::WriteTx& tx, int64_t now,
                                                          bool& keep) {
    service::UseCaseResult<core::Payment> r = use_case(tx, merchant, id, now);
    if (!r.ok()) return ErrorOf(r.error(), "payment_intent", id, "intent", nullptr, keep);
    return Ok(PaymentIntentJson(r.value()));
  });
}

void CapturePaymentIntent(Call& call) {
  auto in = ParseCapture(call.params);
  if (!in.ok()) return call.Fail(in.error());
  ChangePaymentIntent(call, [amount = in.value().amount_minor](store::WriteTx& tx,
                                                               const std::string& merchant,
                                                               const std::string& id, int64_t now) {
    return service::CapturePayment(tx, merchant, id, amount, now);
  });
}

void CancelPaymentIntent(Call& call) {
  auto in = ParseCancel(call.params);
  if (!in.ok()) return call.Fail(in.error());
  ChangePaymentIntent(call, [reason = in.value().reason](store::WriteTx& tx,
                                                         const std::string& merchant,
                                                         const std::string& id, int64_t now) {
    return service::VoidPayment(tx, merchant, id, reason, now);
  });
}

void ConfirmPaymentIntent(Call& call) {
  auto in = ParseConfirm(call.params);
  if (!in.ok()) return call.Fail(in.error());
  ChangePaymentIntent(call, [pm = in.value().payment_method](store::WriteTx& tx,
                                                            const std::string& merchant,
                                                            const std::string& id, int64_t now)
                          -> service::UseCaseResult<core::Payment> {
    auto loaded = tx.LoadPaymentForUpdate(merchant, id);
    if (!loaded.ok()) return Err(service::UseCaseError::Store(loaded.error()));
    if (!loaded.value()) return Err(service::UseCaseError::NotFound("payment"));
    if (pm.empty() && loaded.value()->payment_method.empty()) {
      return Err(service::UseCaseError::Refused(core::Refusal::kPaymentNotConfirmable));
    }
    bool capture_now = loaded.value()->capture_method == "automatic";
    auto r = service::ConfirmPayment(tx, merchant, id, capture_now, pm, now);
    if (!r.ok()) return r;
    core::Payment p = std::move(r).value();
    p.attrs = std::string(kChargedAttr);
    auto saved = tx.UpdatePayment(p);
    if (!saved.ok()) return Err(service::UseCaseError::Store(saved.error()));
    return p;
  });
}

void GetCharge(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  std::string id(call.path.Get("id"));
  bool failed = false;
  std::string payment_id = PaymentIdForCharge(id);
  auto p = payment_id.empty() ? std::nullopt : ReadPayment(call, payment_id, failed);
  if (failed) return call.reply(Unavailable());
  if (!p || !HasCharge(*p)) return call.Fail(NotFound("charge", id, "id"));
  call.reply(Ok(ChargeJson(*p)));
}

void CreateRefund(Call& call) {
  auto parsed = ParseCreateRefund(call.params);
  if (!parsed.ok()) return call.Fail(parsed.error());
  RefundInput in = std::move(parsed).value();
  std::string payment_id = in.payment_id;  // known now (a charge id maps to its payment's)
  Write(call, [merchant = call.merchant_id, in = std::move(in)](store::WriteTx& tx, int64_t now,
                                                                bool& keep) {
    const bool by_charge = !in.charge_id.empty();
    const std::string& shown_id = by_charge ? in.charge_id : in.payment_id;
    const char* object_name = by_charge ? "charge" : "payment_intent";
    service::NewRefund r;
    r.merchant_id = merchant;
    r.payment_id = in.payment_id;
    r.refund_id = SortableId("re_", now);
    r.dialect = std::string(kDialect);
    r.request = core::RefundRequest{in.amount_minor, in.currency, {}};
    r.reason = in.reason;
    r.metadata = in.metadata;
    r.visible = [by_charge](const core::Payment& p) {
      return p.dialect == kDialect && (!by_charge || HasCharge(p));
    };
    auto created = service::CreateRefund(tx, r, now);
    if (!created.ok()) {
      return ErrorOf(created.error(), object_name, shown_id, object_name,
                     created.error().payment.get(), keep);
    }
    return Ok(RefundJson(created.value().refund));
  }, std::move(payment_id));
}

void GetRefund(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  std::string id(call.path.Get("id"));
  auto r = call.engine.store().ReadRefund(call.merchant_id, id);
  if (!r.ok()) return call.reply(Unavailable());
  if (!r.value() || r.value()->dialect != kDialect) return call.Fail(NotFound("refund", id, "id"));
  call.reply(Ok(RefundJson(*r.value())));
}

void ListRefunds(Call& call) {
  auto in = ParseListRefunds(call.params);
  if (!in.ok()) return call.Fail(in.error());
  store::RefundListQuery q{call.merchant_id,          in.value().payment_id,
                           in.value().starting_after, in.value().ending_before,
                           in.value().limit,          std::string(kDialect)};
  auto page = call.engine.store().ListRefunds(q);
  if (!page.ok()) return call.reply(Unavailable());
  call.reply(Ok(RefundListJson(page.value())));
}

// A write on one refund of this merchant in this dialect.
template <typename UseCase>
void ChangeRefund(Call& call, UseCase use_case) {
  std::string id(call.path.Get("id"));
  auto existing = call.engine.store().ReadRefund(call.merchant_id, id);
  if (!existing.ok()) return call.reply(Unavailable());
  if (!existing.value() || existing.value()->dialect != kDialect) {
    return call.Fail(NotFound("refund", id, "id"));
  }
  Write(call, [id, merchant = call.merchant_id, use_case](store::WriteTx& tx, int64_t now,
                                                          bool& keep) {
    service::UseCaseResult<core::Refund> r = use_case(tx, merchant, id, now);
    if (!r.ok()) return ErrorOf(r.error(), "refund", id, "id", nullptr, keep);
    return Ok(RefundJson(r.value()));
  });
}

void UpdateRefund(Call& call) {
  auto patch = ParseUpdateRefund(call.params);
  if (!patch.ok()) return call.Fail(patch.error());
  ChangeRefund(call, [patch = std::move(patch).value()](store::WriteTx& tx,
                                                        const std::string& merchant,
                                                        const std::string& id, int64_t now) {
    return service::UpdateRefundMetadata(tx, merchant, id, patch, now);
  });
}

void CancelRefund(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  ChangeRefund(call, [](store::WriteTx& tx, const std::string& merchant, const std::string& id,
                        int64_t now) -> service::UseCaseResult<core::Refund> {
    auto r = service::TransitionRefund(tx, merchant, id, core::RefundStatus::kCanceled, "", now);
    if (!r.ok()) return Err(r.error());
    return std::move(r).value().refund;
  });
}

}  // namespace

std::string SecretKeyLookup(std::string_view secret_key) { return crypto::Sha256Hex(secret_key); }

void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown) {
  const std::string secret_key = RandomId("sk_test_", 32);
  out.push_back({std::string(kDialect), SecretKeyLookup(secret_key), merchant_id, ""});
  shown[kDialect] = boost::json::object{{"secret_key", secret_key}};
}

bool ClaimsRequest(const http::Request& request) {
  std::string_view auth = request.Header("authorization");
  return auth.starts_with("Bearer ") || auth.starts_with("Basic ");
}

void RegisterRoutes(http::Router& router, service::Engine& engine) {
  struct Entry {
    const char* method;
    const char* pattern;
    void (*handler)(Call&);
  };
  static constexpr Entry kRoutes[] = {
      {"POST", "/v1/payment_intents", CreatePaymentIntent},
      {"GET", "/v1/payment_intents/{id}", GetPaymentIntent},
      {"POST", "/v1/payment_intents/{id}/capture", CapturePaymentIntent},
      {"POST", "/v1/payment_intents/{id}/cancel", CancelPaymentIntent},
      {"POST", "/v1/payment_intents/{id}/confirm", ConfirmPaymentIntent},
      {"GET", "/v1/charges/{id}", GetCharge},
      {"POST", "/v1/refunds", CreateRefund},
      {"GET", "/v1/refunds", ListRefunds},
      {"GET", "/v1/refunds/{id}", GetRefund},
      {"POST", "/v1/refunds/{id}", UpdateRefund},
      {"POST", "/v1/refunds/{id}/cancel", CancelRefund},
  };
  for (const Entry& e : kRoutes) {
    router.Add(http::Route{e.method, e.pattern, std::string(kDialect), ClaimsRequest,
                           /*fallback=*/true, Handle(engine, e.handler)});
  }
  RegisterWebhookRoutes(router, engine);
  // Register after the dialects that claim parts of /v1 by their headers: native answers the
  // rest, in Stripe's shape, listing only native methods in a 405's Allow.
  router.AddErrorSpace({"/v1", std::string(kDialect), nullptr, http::StripeRequestError});
}

}  // namespace refundd::dialects::native
