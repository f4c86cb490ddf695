#include "dialects/native/routes.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "crypto/crypto.h"
#include "dialects/native/spec.h"
#include "dialects/native/translate.h"

namespace refundd::dialects::native {

namespace {

using common::Translated;
using service::Outcome;

ApiError IntentNotFound(std::string_view id) { return NotFound("payment_intent", id, "intent"); }
ApiError RefundNotFound(std::string_view id) { return NotFound("refund", id, "id"); }

http::Response IntentAnswer(const Outcome& o) { return Ok(PaymentIntentJson(*o.payment)); }
http::Response RefundAnswer(const Outcome& o) { return Ok(RefundJson(*o.refund)); }

Translated CreatePaymentIntentCommand(Call& call) {
  auto in = ParseCreatePaymentIntent(call.params);
  if (!in.ok()) return common::Refuse(ErrorResponse(in.error()));
  const int64_t now = call.Now();
  core::Payment p;
  p.id = SortableId("pi_", now);
  p.merchant_id = call.merchant_id;
  p.dialect = std::string(kDialect);
  p.currency = in.value().currency;
  p.amount_minor = in.value().amount_minor;
  p.capture_method = in.value().capture_method;
  p.payment_method = in.value().payment_method;
  p.description = in.value().description;
  p.metadata = in.value().metadata;
  p.created_ms = p.updated_ms = now;
  if (in.value().confirm) {
    CHECK(core::ConfirmPayment(p, in.value().capture_method == "automatic", now).ok());
    p.attrs = std::string(kChargedAttr);
  }
  return common::Translation{NewCommand(call, service::CreatePayment{std::move(p)}),
                             Render(IntentNotFound(""), IntentAnswer)};
}

void CreatePaymentIntent(Call& call) { common::Write(call, CreatePaymentIntentCommand); }

void GetPaymentIntent(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  std::string id(call.path.Get("id"));
  auto p = call.engine.reads().Payment(call.merchant_id, id, kDialect);
  if (!p.ok()) return call.Answer(Unavailable());
  if (!p.value()) return Fail(call, IntentNotFound(id));
  call.Answer(Ok(PaymentIntentJson(*p.value())));
}

// A write on the payment intent the path names: `op` is built for its Ref.
template <typename MakeOp>
void ChangePaymentIntent(Call& call, MakeOp make_op, service::Hook prepare = nullptr,
                         service::Hook finish = nullptr) {
  std::string id(call.path.Get("id"));
  common::Write(call, [id, make_op, prepare, finish](Call& req) -> Translated {
    service::Command c = NewCommand(req, make_op(service::Ref::Id(id)));
    c.prepare = prepare;
    c.finish = finish;
    return common::Translation{std::move(c), Render(IntentNotFound(id), IntentAnswer)};
  });
}

void CapturePaymentIntent(Call& call) {
  auto in = ParseCapture(call.params);
  if (!in.ok()) return Fail(call, in.error());
  ChangePaymentIntent(call, [amount = in.value().amount_minor](service::Ref ref) {
    return service::CapturePayment{std::move(ref), amount};
  });
}

void CancelPaymentIntent(Call& call) {
  auto in = ParseCancel(call.params);
  if (!in.ok()) return Fail(call, in.error());
  ChangePaymentIntent(call, [reason = in.value().reason](service::Ref ref) {
    return service::VoidPayment{std::move(ref), reason};
  });
}

// Captures at once or authorizes as the intent's capture_method says; a charge exists after.
void ConfirmPaymentIntent(Call& call) {
  auto in = ParseConfirm(call.params);
  if (!in.ok()) return Fail(call, in.error());
  const std::string pm = in.value().payment_method;
  ChangePaymentIntent(
      call,
      [pm](service::Ref ref) {
        service::ConfirmPayment op;
        op.payment = std::move(ref);
        op.capture_by_method = true;
        op.payment_method = pm;
        return op;
      },
      [pm](service::Draft& d) -> std::optional<service::Refusal> {
        if (pm.empty() && d.payment->payment_method.empty()) {
          return service::Refusal::Rule(core::Refusal::kPaymentNotConfirmable);
        }
        return std::nullopt;
      },
      [](service::Draft& d) -> std::optional<service::Refusal> {
        d.payment->attrs = std::string(kChargedAttr);
        return std::nullopt;
      });
}

void GetCharge(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  std::string id(call.path.Get("id"));
  std::string payment_id = PaymentIdForCharge(id);
  if (payment_id.empty()) return Fail(call, NotFound("charge", id, "id"));
  auto p = call.engine.reads().Payment(call.merchant_id, payment_id, kDialect);
  if (!p.ok()) return call.Answer(Unavailable());
  if (!p.value() || !HasCharge(*p.value())) return Fail(call, NotFound("charge", id, "id"));
  call.Answer(Ok(ChargeJson(*p.value())));
}

Translated CreateRefundCommand(Call& call) {
  auto parsed = ParseCreateRefund(call.params);
  if (!parsed.ok()) return common::Refuse(ErrorResponse(parsed.error()));
  const RefundInput in = std::move(parsed).value();
  const bool by_charge = !in.charge_id.empty();
  const std::string& shown_id = by_charge ? in.charge_id : in.payment_id;
  const char* object_name = by_charge ? "charge" : "payment_intent";
  service::CreateRefund op;
  op.payment = service::Ref::Id(in.payment_id);  // a charge id maps to its payment's
  op.refund.id = SortableId("re_", call.Now());
  op.refund.reason = in.reason;
  op.refund.metadata = in.metadata;
  op.request = core::RefundRequest{in.amount_minor, in.currency, {}};
  service::Command c = NewCommand(call, std::move(op));
  // A payment intent without a charge has no charge to name.
  if (by_charge) {
    c.prepare = [](service::Draft& d) -> std::optional<service::Refusal> {
      if (!HasCharge(*d.payment)) return service::Refusal::NotFound("payment");
      return std::nullopt;
    };
  }
  return common::Translation{std::move(c),
                             Render(NotFound(object_name, shown_id, object_name), RefundAnswer)};
}

void CreateRefund(Call& call) { common::Write(call, CreateRefundCommand); }

void GetRefund(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  std::string id(call.path.Get("id"));
  auto r = call.engine.reads().Refund(call.merchant_id, id, kDialect);
  if (!r.ok()) return call.Answer(Unavailable());
  if (!r.value()) return Fail(call, RefundNotFound(id));
  call.Answer(Ok(RefundJson(*r.value())));
}

void ListRefunds(Call& call) {
  auto in = ParseListRefunds(call.params);
  if (!in.ok()) return Fail(call, in.error());
  service::RefundListQuery q{call.merchant_id,          in.value().payment_id,
                             in.value().starting_after, in.value().ending_before,
                             in.value().limit,          std::string(kDialect)};
  auto page = call.engine.reads().Refunds(q);
  if (!page.ok()) return call.Answer(Unavailable());
  call.Answer(Ok(RefundListJson(page.value())));
}

// A write on the refund the path names.
template <typename MakeOp>
void ChangeRefund(Call& call, MakeOp make_op) {
  std::string id(call.path.Get("id"));
  common::Write(call, [id, make_op](Call& req) -> Translated {
    return common::Translation{NewCommand(req, make_op(service::Ref::Id(id))),
                               Render(RefundNotFound(id), RefundAnswer)};
  });
}

void UpdateRefund(Call& call) {
  auto patch = ParseUpdateRefund(call.params);
  if (!patch.ok()) return Fail(call, patch.error());
  ChangeRefund(call, [patch = std::move(patch).value()](service::Ref ref) {
    return service::UpdateRefund{std::move(ref), patch};
  });
}

void CancelRefund(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  ChangeRefund(call, [](service::Ref ref) {
    service::TransitionRefund op;
    op.refund = std::move(ref);
    op.to = core::RefundStatus::kCanceled;
    return op;
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
  static constexpr RouteEntry kRoutes[] = {
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
  AddRoutes(router, engine, kRoutes);
  RegisterWebhookRoutes(router, engine);
  // Register after the dialects that claim parts of /v1 by their headers: native answers the
  // rest, in Stripe's shape, listing only native methods in a 405's Allow.
  router.AddErrorSpace({"/v1", std::string(kDialect), nullptr, http::StripeRequestError});
}

}  // namespace refundd::dialects::native
