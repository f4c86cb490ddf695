#include "dialects/rapyd/routes.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "dialects/common/write.h"
#include "dialects/rapyd/auth.h"
#include "dialects/rapyd/errors.h"
#include "dialects/rapyd/translate.h"
#include "http/body.h"
#include "service/payments.h"
#include "service/refunds.h"

namespace refundd::dialects::rapyd {

namespace {

constexpr std::string_view kDialect = "rapyd";
constexpr std::size_t kMaxIdempotencyKey = 255;

http::Response Fail(const Error& e) { return ErrorResponse(e); }

const service::DialectAnswers& Answers() {
  static const service::DialectAnswers answers{
      [] { return Fail(IdempotencyKeyInUse()); },
      [] { return Fail(IdempotencyKeyReused()); },
      [] { return Fail(Unavailable()); },
  };
  return answers;
}

struct Call {
  service::Engine& engine;
  http::Request request;
  http::PathParams path;
  http::Reply reply;
  std::string merchant_id;
  boost::json::value body;  // JSON body of a POST, or the decoded query of a GET; {} if none

  void Fail(const Error& e) { reply(ErrorResponse(e)); }
};

http::RouteHandler Handle(service::Engine& engine, void (*handler)(Call&)) {
  return [&engine, handler](http::Request&& request, http::PathParams path, http::Reply reply) {
    Call call{engine, std::move(request),   std::move(path), std::move(reply),
              "",     boost::json::object()};
    auto headers = ReadAuthHeaders(call.request);
    if (!headers.ok()) return call.Fail(headers.error());
    auto credential = engine.Authenticate(std::string(kDialect), headers.value().access_key);
    if (!credential) return call.Fail(UnknownAccessKey());
    auto verified =
        Verify(headers.value(), credential->secret, call.request, engine.clock().NowMs());
    if (!verified.ok()) return call.Fail(verified.error());
    call.merchant_id = credential->merchant_id;
    auto decoded =
        call.request.method == "GET" ? http::DecodeQuery(call.request.query)
        : common::Blank(call.request.body)
            ? Result<boost::json::value, std::string>(boost::json::value(boost::json::object()))
            : http::DecodeJson(call.request.body);
    if (!decoded.ok()) return call.Fail(InvalidFields("The body is not valid: " + decoded.error()));
    call.body = std::move(decoded).value();
    handler(call);
  };
}

using common::Run;

// Runs `run` once per `idempotency` header value, for 24 hours. `lock_payment_id`: the payment
// `run` will lock, when known (a hint for the store).
void Write(Call& call, Run run, std::string lock_payment_id = "") {
  std::string_view key = call.request.Header("idempotency");
  if (key.size() > kMaxIdempotencyKey) {
    return call.Fail(InvalidFields("The idempotency header must be at most 255 characters."));
  }
  common::WriteOnce(call.engine, call.merchant_id, kDialect, key, call.request, call.body,
                    Answers(), std::move(call.reply), std::move(run), std::move(lock_payment_id));
}

http::Response StoreFailed(bool& keep) {
  keep = false;
  return Fail(Unavailable());
}

http::Response ErrorOf(const service::UseCaseError& e, const Error& not_found, bool& keep) {
  switch (e.kind) {
    case service::UseCaseError::Kind::kRefused:
      return Fail(ErrorFor(e.refusal));
    case service::UseCaseError::Kind::kNotFound:
      return Fail(not_found);
    case service::UseCaseError::Kind::kStore:
      return StoreFailed(keep);
  }
  return StoreFailed(keep);
}

http::Response PaymentOk(const core::Payment& p) { return Ok(PaymentJson(p, RefundSummary{})); }

// Loads a Rapyd payment of this merchant for update; nullopt (with `response` set) otherwise.
std::optional<core::Payment> LoadPayment(store::WriteTx& tx, const std::string& merchant_id,
                                         const std::string& id, const Error& not_found,
                                         http::Response& response, bool& keep) {
  auto loaded = tx.LoadPaymentForUpdate(merchant_id, id);
  if (!loaded.ok()) {
    response = StoreFailed(keep);
    return std::nullopt;
  }
  if (!loaded.value() || loaded.value()->dialect != kDialect) {
    response = Fail(not_found);
    return std::nullopt;
  }
  return std::move(*loaded.value());
}

// Records when a payment closed, for paid_at.
service::UseCaseResult<core::Payment> MarkPaid(store::WriteTx& tx, core::Payment p, int64_t now) {
  PaymentAttrs attrs = DecodePaymentAttrs(p.attrs);
  attrs.paid_ms = now;
  p.attrs = EncodePaymentAttrs(attrs);
  auto saved = tx.UpdatePayment(p);
  if (!saved.ok()) return Err(service::UseCaseError::Store(saved.error()));
  return p;
}

void CreatePayment(Call& call) {
  auto parsed = ParseCreatePayment(call.body);
  if (!parsed.ok()) return call.Fail(parsed.error());
  Write(call, [merchant = call.merchant_id, in = std::move(parsed).value()](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    core::Payment p;
    p.id = SortableId("payment_", now);
    p.merchant_id = merchant;
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
    auto created = service::CreatePayment(tx, std::move(p));
    if (!created.ok()) return ErrorOf(created.error(), PaymentNotFound(""), keep);
    return PaymentOk(created.value());
  });
}

// The refunds a payment shows: the newest three and how many there are in all.
store::StoreResult<RefundSummary> Summarize(store::Store& store, const core::Payment& p) {
  RefundSummary summary;
  store::RefundListQuery q{p.merchant_id, p.id, "", "", 100, std::string(kDialect)};
  for (;;) {
    auto page = store.ListRefunds(q);
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
  auto p = call.engine.store().ReadPayment(call.merchant_id, id);
  if (!p.ok()) return call.Fail(Unavailable());
  if (!p.value() || p.value()->dialect != kDialect) return call.Fail(PaymentNotFound(id));
  auto summary = Summarize(call.engine.store(), *p.value());
  if (!summary.ok()) return call.Fail(Unavailable());
  call.reply(Ok(PaymentJson(*p.value(), summary.value())));
}

void CapturePayment(Call& call) {
  auto amount = ParseCapture(call.body);
  if (!amount.ok()) return call.Fail(amount.error());
  Write(call, [merchant = call.merchant_id, id = std::string(call.path.Get("id")),
               amount = amount.value()](store::WriteTx& tx, int64_t now, bool& keep) {
    http::Response response;
    auto p = LoadPayment(tx, merchant, id, PaymentNotFound(id), response, keep);
    if (!p) return response;
    auto minor = CaptureAmount(amount, *p);
    if (!minor.ok()) return Fail(minor.error());
    auto captured = service::CapturePayment(tx, merchant, id, minor.value(), now);
    if (captured.ok()) captured = MarkPaid(tx, std::move(captured).value(), now);
    if (!captured.ok()) return ErrorOf(captured.error(), PaymentNotFound(id), keep);
    return PaymentOk(captured.value());
  });
}

void CancelPayment(Call& call) {
  Write(call, [merchant = call.merchant_id, id = std::string(call.path.Get("id"))](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    http::Response response;
    if (!LoadPayment(tx, merchant, id, PaymentNotFound(id), response, keep)) return response;
    auto canceled = service::VoidPayment(tx, merchant, id, "", now);
    if (!canceled.ok()) return ErrorOf(canceled.error(), PaymentNotFound(id), keep);
    return PaymentOk(canceled.value());
  });
}

// Sandbox only: the customer paid a cash or bank payment; ACT becomes CLO.
void CompletePayment(Call& call) {
  auto token = ParseToken(call.body);
  if (!token.ok()) return call.Fail(token.error());
  Write(call, [merchant = call.merchant_id, id = token.value()](store::WriteTx& tx, int64_t now,
                                                                bool& keep) {
    http::Response response;
    if (!LoadPayment(tx, merchant, id, PaymentNotFound(id), response, keep)) return response;
    auto done = service::ConfirmPayment(tx, merchant, id, /*capture_now=*/true, "", now);
    if (done.ok()) done = MarkPaid(tx, std::move(done).value(), now);
    if (!done.ok()) return ErrorOf(done.error(), PaymentNotFound(id), keep);
    return PaymentOk(done.value());
  });
}

Error PaymentNotRefundable(std::string_view id) {
  return Refund("ERROR_ADDING_REFUND",
                "The request tried to add a refund, but the payment was not found: '" +
                    std::string(id) + "'. Corrective action: Use the ID of a closed payment.");
}

void CreateRefund(Call& call) {
  auto parsed = ParseCreateRefund(call.body);
  if (!parsed.ok()) return call.Fail(parsed.error());
  std::string payment_id = parsed.value().payment_id;
  Write(call, [merchant = call.merchant_id, in = std::move(parsed).value()](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    http::Response response;
    auto p = LoadPayment(tx, merchant, in.payment_id, PaymentNotRefundable(in.payment_id), response,
                         keep);
    if (!p) return response;
    auto request = PlanRefund(in, *p);
    if (!request.ok()) return Fail(request.error());
    const PaymentAttrs payment_attrs = DecodePaymentAttrs(p->attrs);
    RefundAttrs attrs = in.attrs;
    attrs.payment_created_ms = p->created_ms;
    attrs.payment_method_type =
        payment_attrs.method_type.empty() ? p->payment_method : payment_attrs.method_type;
    service::NewRefund r;
    r.merchant_id = merchant;
    r.payment_id = p->id;
    r.refund_id = SortableId("refund_", now);
    r.dialect = std::string(kDialect);
    r.request = request.value();
    r.reason = in.reason;
    r.attrs = EncodeRefundAttrs(attrs);
    r.initial_status = InitialStatus(payment_attrs);
    auto created = service::CreateRefund(tx, r, now);
    if (!created.ok()) {
      return ErrorOf(created.error(), PaymentNotRefundable(in.payment_id), keep);
    }
    return Ok(RefundJson(created.value().refund));
  }, std::move(payment_id));
}

void GetRefund(Call& call) {
  std::string id(call.path.Get("id"));
  auto r = call.engine.store().ReadRefund(call.merchant_id, id);
  if (!r.ok()) return call.Fail(Unavailable());
  if (!r.value() || r.value()->dialect != kDialect) {
    return call.Fail(RefundNotFound("INVALID_REFUND", id));
  }
  call.reply(Ok(RefundJson(*r.value())));
}

void ListRefunds(Call& call) {
  auto in = ParseListRefunds(call.body);
  if (!in.ok()) return call.Fail(in.error());
  store::RefundListQuery q{call.merchant_id,          in.value().payment_id,
                           in.value().starting_after, in.value().ending_before,
                           in.value().limit,          std::string(kDialect)};
  auto page = call.engine.store().ListRefunds(q);
  if (!page.ok()) return call.Fail(Unavailable());
  call.reply(Ok(RefundListJson(page.value().refunds)));
}

void UpdateRefund(Call& call) {
  auto metadata = ParseUpdateRefund(call.body);
  if (!metadata.ok()) return call.Fail(metadata.error());
  Write(call, [merchant = call.merchant_id, id = std::string(call.path.Get("id")),
               metadata = metadata.value()](store::WriteTx& tx, int64_t now, bool& keep) {
    auto loaded = tx.LoadRefund(merchant, id);
    if (!loaded.ok()) return StoreFailed(keep);
    if (!loaded.value() || loaded.value()->dialect != kDialect) {
      return Fail(RefundNotFound("INVALID_REFUND_TOKEN", id));
    }
    core::Refund refund = std::move(*loaded.value());
    RefundAttrs attrs = DecodeRefundAttrs(refund.attrs);
    attrs.metadata_json = metadata;
    refund.attrs = EncodeRefundAttrs(attrs);
    refund.updated_ms = now;
    auto saved = tx.UpdateRefund(refund);
    if (!saved.ok()) return StoreFailed(keep);
    return Ok(RefundJson(refund));
  });
}

// Sandbox only: a Pending (cash or bank) refund becomes Completed.
void CompleteRefund(Call& call) {
  auto token = ParseToken(call.body);
  if (!token.ok()) return call.Fail(token.error());
  Write(call, [merchant = call.merchant_id, id = token.value()](store::WriteTx& tx, int64_t now,
                                                                bool& keep) {
    auto loaded = tx.LoadRefund(merchant, id);
    if (!loaded.ok()) return StoreFailed(keep);
    if (!loaded.value() || loaded.value()->dialect != kDialect) {
      return Fail(RefundNotFound("INVALID_REFUND", id));
    }
    auto done =
        service::TransitionRefund(tx, merchant, id, core::RefundStatus::kSucceeded, "", now);
    if (!done.ok()) return ErrorOf(done.error(), RefundNotFound("INVALID_REFUND", id), keep);
    return Ok(RefundJson(done.value().refund));
  });
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
      {"POST", "/v1/payments", CreatePayment},
      {"POST", "/v1/payments/completePayment", CompletePayment},
      {"GET", "/v1/payments/{id}", GetPayment},
      {"DELETE", "/v1/payments/{id}", CancelPayment},
      {"POST", "/v1/payments/{id}/capture", CapturePayment},
      {"POST", "/v1/refunds", CreateRefund},
      {"GET", "/v1/refunds", ListRefunds},
      {"POST", "/v1/refunds/complete", CompleteRefund},
      {"GET", "/v1/refunds/{id}", GetRefund},
      {"POST", "/v1/refunds/{id}", UpdateRefund},
  };
  for (const Entry& e : kRoutes) {
    router.Add(http::Route{e.method, e.pattern, std::string(kDialect), ClaimsRequest,
                           /*fallback=*/false, Handle(engine, e.handler)});
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
