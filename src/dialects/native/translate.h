#pragma once
// The native (Stripe-shaped) dialect as a pure translator: request parameters (decoded JSON or
// form) -> core inputs, and core objects -> Stripe-shaped JSON. No I/O, no store, no clock.
// The one table from Refusal to Stripe's error codes is ErrorFor(Refusal).

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "base/result.h"
#include "core/payment.h"
#include "core/refund.h"
#include "core/refusal.h"
#include "http/message.h"
#include "service/reads.h"

namespace refundd::dialects::native {

// A Stripe error: {"error":{"type","code","message","param"}}.
struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string code;
  std::string message;
  std::string param;  // "" when no single parameter is at fault
};
http::Response ErrorResponse(const ApiError& error);
ApiError ErrorFor(core::Refusal refusal, const core::Payment* payment);
ApiError NotFound(std::string_view object_name, std::string_view id, std::string_view param);
ApiError BadKey(bool key_given);

template <typename T>
using Parsed = Result<T, ApiError>;

struct PaymentIntentInput {
  int64_t amount_minor = 0;
  core::Currency currency{"USD", 2};
  std::string capture_method = "automatic";
  bool confirm = false;
  std::string payment_method;
  std::string description;
  core::Metadata metadata;
};
Parsed<PaymentIntentInput> ParseCreatePaymentIntent(const boost::json::value& params);

struct CaptureInput {
  std::optional<int64_t> amount_minor;
};
Parsed<CaptureInput> ParseCapture(const boost::json::value& params);

struct CancelInput {
  std::string reason;
};
Parsed<CancelInput> ParseCancel(const boost::json::value& params);

struct ConfirmInput {
  std::string payment_method;
};
Parsed<ConfirmInput> ParseConfirm(const boost::json::value& params);

struct RefundInput {
  std::string payment_id;  // pi_..., resolved from `charge` when given that way
  std::string charge_id;   // as given, when the caller named the charge
  std::optional<int64_t> amount_minor;
  std::optional<core::Currency> currency;
  std::string reason;
  core::Metadata metadata;
};
Parsed<RefundInput> ParseCreateRefund(const boost::json::value& params);

Parsed<core::Metadata> ParseUpdateRefund(const boost::json::value& params);

struct ListInput {
  int limit = 10;
  std::string starting_after;
  std::string ending_before;
  std::string payment_id;  // from payment_intent or charge
};
Parsed<ListInput> ParseListRefunds(const boost::json::value& query);
// Parameters of GET and of POSTs without a body: none are expected.
Parsed<bool> ParseNoParams(const boost::json::value& params);

// Charges share their payment intent's random part: ch_X belongs to pi_X.
std::string ChargeIdFor(const std::string& payment_id);
std::string PaymentIdForCharge(const std::string& charge_id);  // "" when not a ch_ id
bool HasCharge(const core::Payment& payment);
// The payment's `attrs` once a charge exists.
inline constexpr std::string_view kChargedAttr = "charged";

std::string PaymentIntentJson(const core::Payment& payment);
std::string ChargeJson(const core::Payment& payment);
std::string RefundJson(const core::Refund& refund);
std::string RefundListJson(const service::RefundPage& page);
http::Response Ok(std::string body);

}  // namespace refundd::dialects::native
