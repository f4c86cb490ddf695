#include "dialects/rapyd/routes.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "dialects/common/failures.h"
#include "dialects/common/kit.h"
#include "dialects/common/uuid.h"
#include "dialects/rapyd/auth.h"
#include "dialects/rapyd/errors.h"
#include "dialects/rapyd/translate.h"
#include "http/body.h"

namespace refundd::dialects::rapyd {

namespace {

constexpr std::string_view kDialect = "rapyd";

using common::Call;
using common::Translated;
using service::Outcome;
using service::Refusal;

http::Response Fail(const Error& e) { return ErrorResponse(e); }

// A Rapyd error a command's hook found, carried whole to the answer.
Refusal Refused(const Error& e) { return Refusal::Dialect(e.status, 0, e.code, e.message); }

// The answer for a refused command: `not_found` when its object does not exist.
http::Response RefusalAnswer(const Refusal& r, const Error& not_found,
                             std::string_view operation_id) {
  switch (r.kind) {
    case Refusal::Kind::kRule:
      return ErrorResponse(ErrorFor(r.rule), operation_id);
    case Refusal::Kind::kNotFound:
      return ErrorResponse(not_found, operation_id);
    case Refusal::Kind::kAliasTaken:  // Rapyd's commands write no aliases
    case Refusal::Kind::kDialect:
      return ErrorResponse(Error{r.status, r.what, r.detail}, operation_id);
  }
  return Fail(Unavailable());
}

// A write's command, with the operation_id its answer (and every replay of it) carries.
service::Command NewCommand(const Call& call) {
  service::Command c;
  c.merchant_id = call.merchant_id;
  c.dialect = std::string(kDialect);
  c.values = {common::RandomUuid()};
  return c;
}

// Renders an Outcome's data with `data`, or its refusal (`not_found` when its object is missing).
template <typename Data>
std::function<http::Response(const Outcome&)> Render(Data data, Error not_found) {
  return [data, not_found = std::move(not_found)](const Outcome& o) {
    // Outcomes are replayed from disk: one without its id gets a fresh one.
    const std::string operation_id = o.values.empty() ? common::RandomUuid() : o.values[0];
    return o.ok() ? Ok(data(o), operation_id) : RefusalAnswer(*o.refusal, not_found, operation_id);
  };
}

std::string PaymentData(const Outcome& o) { return PaymentJson(*o.payment, RefundSummary{}); }
std::string RefundData(const Outcome& o) { return RefundJson(*o.refund); }

std::optional<http::Response> Authenticate(Call& call) {
  auto headers = ReadAuthHeaders(call.request);
  if (!headers.ok()) return Fail(headers.error());
  auto credential = call.engine.Authenticate(std::string(kDialect), headers.value().access_key);
  if (!credential) return Fail(UnknownAccessKey());
  auto verified =
      Verify(headers.value(), credential->secret, call.request, call.engine.clock().NowMs());
  if (!verified.ok()) return Fail(verified.error());
  call.merchant_id = credential->merchant_id;
  return std::nullopt;
}

// A GET's query, a POST's JSON body; an empty body is {}.
std::optional<http::Response> Decode(Call& call) {
  if (call.request.method != "GET" && common::Blank(call.request.body)) return std::nullopt;
  auto decoded = call.request.method == "GET" ? http::DecodeQuery(call.request.query)
                                              : http::DecodeJson(call.request.body);
  if (!decoded.ok()) return Fail(InvalidFields("The body is not valid: " + decoded.error()));
  call.params = std::move(decoded).value();
  return std::nullopt;
}

const common::DialectSpec& Spec() {
  static const common::DialectSpec spec{
      kDialect,
      Authenticate,
      Decode,
      "idempotency",
      255,
      [] { return Fail(InvalidFields("The idempotency header must be at most 255 characters.")); },
      common::Failures(Fail, IdempotencyKeyInUse, IdempotencyKeyReused, Unavailable),
      nullptr,
  };
  return spec;
}

// Records when a payment closed, for paid_at.
std::optional<Refusal> MarkPaid(service::Draft& d) {
  PaymentAttrs attrs = DecodePaymentAttrs(d.payment->attrs);
  attrs.paid_ms = d.now_ms;
  d.payment->attrs = EncodePaymentAttrs(attrs);
  return std::nullopt;
}

Translated CreatePaymentCommand(Call& call) {
  auto parsed = ParseCreatePayment(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  const PaymentInput in = std::move(parsed).value();
  const int64_t now = call.Now();
  core::Payment p;
  p.id = SortableId("payment_", now);
  p.merchant_id = call.merchant_id;
  p.dialect = std::string(kDialect);
  p.currency = in.currency;
  p.amount_minor = in.amount_minor;
  p.capture_method = in.capture ? "automatic" : "manual";
  p.payment_method = in.payment_method;
  p.description = in.description;
  p.parts = in.parts;
  p.created_ms = p.updated_ms = now;
  PaymentAttrs attrs = in.attrs;
  if (ClosesAtOnce(attrs)) {
    CHECK(core::ConfirmPayment(p, in.capture, now).ok());
    if (in.capture) attrs.paid_ms = now;
  }
  p.attrs = EncodePaymentAttrs(attrs);
  service::Command c = NewCommand(call);
  c.op = service::CreatePayment{std::move(p)};
  return common::Translation{std::move(c), Render(PaymentData, PaymentNotFound(""))};
}

// The refunds a payment shows: the newest three and how many there are in all.
service::ReadResult<RefundSummary> Summarize(service::Reads& reads, const core::Payment& p) {
  RefundSummary summary;
  service::RefundListQuery q{p.merchant_id, p.id, "", "", 100, std::string(kDialect)};
  for (;;) {
    auto page = reads.Refunds(q);
    if (!page.ok()) return Err(page.error());
    for (core::Refund& r : page.value().refunds) {
      if (summary.latest.size() < 3) summary.latest.push_back(r);
    }
    summary.total_count += static_cast<int64_t>(page.value().refunds.size());
    if (!page.value().has_more || page.value().refunds.empty()) break;
    q.starting_after = page.value().refunds.back().id;
  }
  summary.has_more = summary.total_count > static_cast<int64_t>(summary.latest.size());
  return summary;
}

void GetPayment(Call& call) {
  std::string id(call.path.Get("id"));
  service::Reads& reads = call.engine.reads();
  auto p = reads.Payment(call.merchant_id, id, kDialect);
  if (!p.ok()) return call.Answer(Fail(Unavailable()));
  if (!p.value()) return call.Answer(Fail(PaymentNotFound(id)));
  auto summary = Summarize(reads, *p.value());
  if (!summary.ok()) return call.Answer(Fail(Unavailable()));
  call.Answer(Ok(PaymentJson(*p.value(), summary.value())));
}

Translated CapturePaymentCommand(Call& call) {
  auto amount = ParseCapture(call.params);
  if (!amount.ok()) return common::Refuse(Fail(amount.error()));
  std::string id(call.path.Get("id"));
  std::optional<int64_t> minor;
  if (amount.value()) {
    // The amount is in the payment's currency, which never changes: read first, so that an
    // amount the currency does not take is refused before submit (and claims no key).
    auto p = call.engine.reads().Payment(call.merchant_id, id, kDialect);
    if (!p.ok()) return common::Refuse(Fail(Unavailable()));
    if (!p.value()) return common::Refuse(Fail(PaymentNotFound(id)));
    auto parsed = CaptureAmount(amount.value(), *p.value());
    if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
    minor = parsed.value();
  }
  service::Command c = NewCommand(call);
  c.op = service::CapturePayment{service::Ref::Id(id), minor};
  c.finish = MarkPaid;
  return common::Translation{std::move(c), Render(PaymentData, PaymentNotFound(id))};
}

Translated CancelPaymentCommand(Call& call) {
  std::string id(call.path.Get("id"));
  service::Command c = NewCommand(call);
  c.op = service::VoidPayment{service::Ref::Id(id), ""};
  return common::Translation{std::move(c), Render(PaymentData, PaymentNotFound(id))};
}

// Sandbox only: the customer paid a cash or bank payment; ACT becomes CLO.
Translated CompletePaymentCommand(Call& call) {
  auto token = ParseToken(call.params);
  if (!token.ok()) return common::Refuse(Fail(token.error()));
  service::ConfirmPayment op;
  op.payment = service::Ref::Id(token.value());
  op.capture_now = true;
  service::Command c = NewCommand(call);
  c.op = std::move(op);
  c.finish = MarkPaid;
  return common::Translation{std::move(c), Render(PaymentData, PaymentNotFound(token.value()))};
}

Error PaymentNotRefundable(std::string_view id) {
  return Refund("ERROR_ADDING_REFUND",
                "The request tried to add a refund, but the payment was not found: '" +
                    std::string(id) + "'. Corrective action: Use the ID of a closed payment.");
}

Translated CreateRefundCommand(Call& call) {
  auto parsed = ParseCreateRefund(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  const RefundInput in = std::move(parsed).value();
  if (auto refused = CheckRefund(in)) return common::Refuse(Fail(*refused));
  service::CreateRefund op;
  op.payment = service::Ref::Id(in.payment_id);
  op.refund.id = SortableId("refund_", call.Now());
  op.refund.reason = in.reason;
  service::Command c = NewCommand(call);
  c.op = std::move(op);
  // Amounts are in the payment's currency, the split is its split, and how the refund starts
  // depends on its method.
  c.prepare = [in](service::Draft& d) -> std::optional<Refusal> {
    auto request = PlanRefund(in, *d.payment);
    if (!request.ok()) return Refused(request.error());
    *d.request = request.value();
    const PaymentAttrs payment_attrs = DecodePaymentAttrs(d.payment->attrs);
    RefundAttrs attrs = in.attrs;
    attrs.payment_created_ms = d.payment->created_ms;
    attrs.payment_method_type =
        payment_attrs.method_type.empty() ? d.payment->payment_method : payment_attrs.method_type;
    d.refund->attrs = EncodeRefundAttrs(attrs);
    d.refund->status = InitialStatus(payment_attrs);  // without the lifecycle: tests, tools
    return std::nullopt;
  };
  return common::Translation{std::move(c),
                             Render(RefundData, PaymentNotRefundable(in.payment_id))};
}

void GetRefund(Call& call) {
  std::string id(call.path.Get("id"));
  auto r = call.engine.reads().Refund(call.merchant_id, id, kDialect);
  if (!r.ok()) return call.Answer(Fail(Unavailable()));
  if (!r.value()) return call.Answer(Fail(RefundNotFound("INVALID_REFUND", id)));
  call.Answer(Ok(RefundJson(*r.value())));
}

void ListRefunds(Call& call) {
  auto in = ParseListRefunds(call.params);
  if (!in.ok()) return call.Answer(Fail(in.error()));
  service::RefundListQuery q{call.merchant_id,          in.value().payment_id,
                             in.value().starting_after, in.value().ending_before,
                             in.value().limit,          std::string(kDialect)};
  auto page = call.engine.reads().Refunds(q);
  if (!page.ok()) return call.Answer(Fail(Unavailable()));
  call.Answer(Ok(RefundListJson(page.value().refunds)));
}

Translated UpdateRefundCommand(Call& call) {
  auto metadata = ParseUpdateRefund(call.params);
  if (!metadata.ok()) return common::Refuse(Fail(metadata.error()));
  std::string id(call.path.Get("id"));
  service::Command c = NewCommand(call);
  c.op = service::UpdateRefund{service::Ref::Id(id), {}};
  // Rapyd's metadata is one JSON object, replaced whole (kept in the refund's attrs).
  c.finish = [metadata = metadata.value()](service::Draft& d) -> std::optional<Refusal> {
    RefundAttrs attrs = DecodeRefundAttrs(d.refund->attrs);
    attrs.metadata_json = metadata;
    d.refund->attrs = EncodeRefundAttrs(attrs);
    return std::nullopt;
  };
  return common::Translation{std::move(c),
                             Render(RefundData, RefundNotFound("INVALID_REFUND_TOKEN", id))};
}

// Sandbox only: a Pending (cash or bank) refund becomes Completed.
Translated CompleteRefundCommand(Call& call) {
  auto token = ParseToken(call.params);
  if (!token.ok()) return common::Refuse(Fail(token.error()));
  service::TransitionRefund op;
  op.refund = service::Ref::Id(token.value());
  op.to = core::RefundStatus::kSucceeded;
  service::Command c = NewCommand(call);
  c.op = std::move(op);
  return common::Translation{std::move(c),
                             Render(RefundData, RefundNotFound("INVALID_REFUND", token.value()))};
}

template <Translated (*translate)(Call&)>
void Write(Call& call) {
  common::Write(call, translate);
}

}  // namespace

bool ClaimsRequest(const http::Request& request) { return request.HasHeader("access_key"); }

void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown) {
  const std::string access_key = RandomId("rak_", 20);
  const std::string secret_key = RandomId("rsk_", 48);
  out.push_back({std::string(kDialect), access_key, merchant_id, secret_key});
  shown[kDialect] = boost::json::object{{"access_key", access_key}, {"secret_key", secret_key}};
}

void RegisterRoutes(http::Router& router, service::Engine& engine) {
  struct Entry {
    const char* method;
    const char* pattern;
    void (*handler)(Call&);
  };
  // Literal segments before {id} patterns of the same shape: the router takes the first match.
  static constexpr Entry kRoutes[] = {
      {"POST", "/v1/payments", Write<CreatePaymentCommand>},
      {"POST", "/v1/payments/completePayment", Write<CompletePaymentCommand>},
      {"GET", "/v1/payments/{id}", GetPayment},
      {"DELETE", "/v1/payments/{id}", Write<CancelPaymentCommand>},
      {"POST", "/v1/payments/{id}/capture", Write<CapturePaymentCommand>},
      {"POST", "/v1/refunds", Write<CreateRefundCommand>},
      {"GET", "/v1/refunds", ListRefunds},
      {"POST", "/v1/refunds/complete", Write<CompleteRefundCommand>},
      {"GET", "/v1/refunds/{id}", GetRefund},
      {"POST", "/v1/refunds/{id}", Write<UpdateRefundCommand>},
  };
  for (const Entry& e : kRoutes) {
    router.Add(http::Route{e.method, e.pattern, std::string(kDialect), ClaimsRequest,
                           /*fallback=*/false, common::Route(engine, Spec(), e.handler)});
  }
  // Unroutable requests: /v1/payments is Rapyd's alone (its routes answer anyone there, as
  // above); elsewhere under /v1, shared with the native API, a request with Rapyd's access_key
  // header is Rapyd's.
  auto render = [](const http::RequestError& u) { return ErrorResponse(FromRequestError(u)); };
  const std::string dialect(kDialect);
  router.AddErrorSpace({"/v1/payments", dialect, nullptr, render});
  router.AddErrorSpace({"/v1", dialect, ClaimsRequest, render});
}

}  // namespace refundd::dialects::rapyd
