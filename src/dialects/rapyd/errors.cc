#include "dialects/rapyd/errors.h"

#include "dialects/common/json_writer.h"
#include "dialects/common/uuid.h"

namespace refundd::dialects::rapyd {

namespace {
common::JsonObject Status(std::string_view code, std::string_view status,
                          std::string_view message, std::string_view operation_id) {
  common::JsonObject o;
  o.Str("error_code", code)
      .Str("status", status)
      .Str("message", message)
      .Str("response_code", code)
      .Str("operation_id", operation_id);
  return o;
}
}  // namespace

http::Response ErrorResponse(const Error& e) { return ErrorResponse(e, common::RandomUuid()); }

http::Response ErrorResponse(const Error& e, std::string_view operation_id) {
  common::JsonObject o;
  o.Object("status", Status(e.code, "ERROR", e.message, operation_id));
  http::Response r;  // application/json
  r.status = e.status;
  r.body = o.str();
  return r;
}

http::Response Ok(std::string_view data_json) { return Ok(data_json, common::RandomUuid()); }

http::Response Ok(std::string_view data_json, std::string_view operation_id) {
  common::JsonObject o;
  o.Object("status", Status("", "SUCCESS", "", operation_id)).Raw("data", data_json);
  http::Response r;  // 200 application/json
  r.body = o.str();
  return r;
}

Error BadSignature() {
  return {401, "UNAUTHENTICATED_API_CALL",
          "The API received a request, but the signature did not match. The request was "
          "rejected. Corrective action: (1) Remove all whitespace that is not inside a string. "
          "(2) Remove trailing zeroes and decimal points, or wrap numbers in a string."};
}

Error StaleTimestamp() {
  return {401, "UNAUTHENTICATED_API_CALL",
          "The API received a request, but the timestamp is not within 60 seconds of the "
          "current time. The request was rejected. Corrective action: Send the current Unix "
          "time in seconds."};
}

Error UnknownAccessKey() {
  return {401, "UNAUTHENTICATED_API_CALL",
          "The request was rejected due to an authentication issue. Corrective action: Check "
          "the status of your account in the 'Account Details' page of the Client Portal."};
}

Error InvalidFields(std::string_view details) {
  return {400, "INVALID_FIELDS",
          "The request attempted an operation, but one of the fields contained a value that is "
          "not valid. The request was rejected. " +
              std::string(details)};
}

Error PaymentNotFound(std::string_view id) {
  return {400, "ERROR_GET_PAYMENT",
          "The request tried to retrieve a payment, but the payment was not found: '" +
              std::string(id) + "'. Corrective action: Use a valid payment ID."};
}

Error RefundNotFound(std::string_view code, std::string_view id) {
  return {400, std::string(code),
          "The request tried to use a refund, but the refund was not found: '" + std::string(id) +
              "'. Corrective action: Use a valid refund ID."};
}

Error CreatePaymentFailed(std::string_view details) {
  return {
      400, "ERROR_CREATE_PAYMENT",
      "The request tried to create a payment, but the operation failed. " + std::string(details)};
}

Error CreateRefundFailed(std::string_view details) {
  return Refund(
      "ERROR_CREATE_REFUND",
      "The request tried to create a refund, but the operation failed. " + std::string(details));
}

Error Refund(std::string_view code, std::string_view message) {
  return {400, std::string(code), std::string(message)};
}

Error IdempotencyKeyInUse() {
  return {409, "ERROR_IDEMPOTENCY_KEY_IN_USE",
          "Another request with this idempotency key is still being processed. Corrective "
          "action: Retry after it completes."};
}

Error IdempotencyKeyReused() {
  return {400, "ERROR_IDEMPOTENCY_KEY_REUSED",
          "This idempotency key was already used with a different request within 24 hours. "
          "Corrective action: Use a new idempotency key."};
}

Error Unavailable() {
  return {503, "ERROR_SERVICE_UNAVAILABLE",
          "The request could not be stored and nothing was changed. Corrective action: Retry "
          "with the same idempotency key."};
}

Error FromRequestError(const http::RequestError& error) {
  struct Code {
    const char* code;
    const char* action;  // the corrective action after the server's message
  };
  static const http::PerStatus<Code> kCodes = {
      .bad_request = {"ERROR_INVALID_HTTP_REQUEST", "Send a well-formed HTTP/1.1 request."},
      .not_found = {"UNAUTHORIZED_API_CALL", ""},
      .method_not_allowed = {"UNAUTHORIZED_API_CALL", ""},
      .timeout = {"ERROR_REQUEST_TIMEOUT", "Send the whole request without pausing."},
      .too_large = {"ERROR_REQUEST_TOO_LARGE", "Send a smaller body."},
      .headers_too_large = {"ERROR_HEADERS_TOO_LARGE", "Send fewer or shorter headers."},
  };
  const Code& c = kCodes.For(error.status);
  const std::string request = std::string(error.method) + " " + std::string(error.path);
  if (error.status == 405) {
    return {405, c.code,
            "The request used a method that the endpoint does not support: " + request +
                ". The request was rejected. Corrective action: Use one of the supported "
                "methods: " +
                std::string(error.allow) + "."};
  }
  if (error.status == 404) {
    return {404, c.code,
            "The request used an endpoint that does not exist: " + request +
                ". The request was rejected. Corrective action: Check the spelling of the path."};
  }
  return {error.status, c.code,
          std::string(error.message) + " The request was rejected. Corrective action: " + c.action};
}

Error ErrorFor(core::Refusal refusal) {
  switch (refusal) {
    case core::Refusal::kPaymentNotCaptured:
    case core::Refusal::kPaymentVoided:
      return Refund("PAYMENT_NOT_COMPLETED",
                    "The request tried to refund a payment that is not in closed (CLO) status. "
                    "Corrective action: Capture or complete the payment first.");
    case core::Refusal::kCurrencyMismatch:
      return Refund("ERROR_CREATE_REFUND_CURRENCY_NOT_VALID",
                    "The request tried to create a refund, but the currency is not the "
                    "payment's currency. Corrective action: Use the payment's currency.");
    case core::Refusal::kAmountNotPositive:
      return CreateRefundFailed("The amount must be greater than zero.");
    case core::Refusal::kAmountTooLarge:
    case core::Refusal::kAmountExceedsRefundable:
      return CreateRefundFailed(
          "The amount is greater than what remains to refund on the payment.");
    case core::Refusal::kFullyRefunded:
      return Refund("ERROR_CREATE_REFUND_EWALLET_ALREADY_FULLY_REFUNDED",
                    "The request tried to create a refund, but the payment was already fully "
                    "refunded.");
    case core::Refusal::kUnknownPart:
      return Refund("ERROR_CREATE_REFUND_EWALLET_NOT_FOUND_IN_PAYMENT",
                    "The request tried to refund to a wallet that is not part of the payment.");
    case core::Refusal::kPartExceedsRefundable:
      return Refund("ERROR_CREATE_REFUND_INVALID_EWALLETS_AMOUNT",
                    "The request tried to refund more to a wallet than that wallet has left to "
                    "refund of the payment.");
    case core::Refusal::kPartsDoNotAddUp:
      return Refund("ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY",
                    "The wallet amounts do not add up to the refund amount.");
    case core::Refusal::kRefundNotCancelable:
    case core::Refusal::kRefundTransitionInvalid:
      return Refund("INVALID_REFUND_STATUS",
                    "The request tried to change a refund that is not in Pending status.");
    case core::Refusal::kPaymentNotCapturable:
    case core::Refusal::kCaptureExceedsAuthorized:
      return {400, "ERROR_CAPTURE_PAYMENT",
              "The request tried to capture a payment, but the payment is not awaiting capture "
              "or the amount is above the authorized amount."};
    case core::Refusal::kPaymentNotVoidable:
      return {400, "ERROR_CANCEL_PAYMENT",
              "The request tried to cancel a payment that is not active (ACT). If the status is "
              "CLO, use Create Refund."};
    case core::Refusal::kPaymentNotConfirmable:
      return {400, "ERROR_COMPLETE_PAYMENT",
              "The request tried to complete a payment that is not awaiting completion."};
  }
  return CreateRefundFailed("");
}

}  // namespace refundd::dialects::rapyd
