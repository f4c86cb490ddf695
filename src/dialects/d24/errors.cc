#include "dialects/d24/errors.h"

#include "dialects/common/json_writer.h"

namespace refundd::dialects::d24 {

http::Response ErrorResponse(const Error& e) {
  common::JsonObject o;
  o.Int("code", e.code).Str("description", e.description).Str("type", e.type);
  return http::Response{e.status, "application/json", {}, o.str()};
}

Error InvalidCredentials() { return {401, 100, "INVALID_CREDENTIALS", "Invalid Credentials"}; }

Error MissingHeader(std::string_view header) {
  return {400, 101, "MISSING_REQUIRED_HEADER",
          "Missing or invalid format for required header " + std::string(header)};
}

Error InvalidSignature() { return {400, 102, "INVALID_SIGNATURE", "Invalid signature"}; }

Error DateOutOfRange() {
  return {400, 103, "INVALID_DATE_RANGE", "X-Date header value out of valid range"};
}

Error InvalidBody(std::string_view details) {
  return {400, 202, "INVALID_REQUEST_BODY", "Invalid request body: " + std::string(details)};
}

Error NotFound() { return {404, 208, "RESOURCE_NOT_FOUND", "Resource not found"}; }

Error FromRequestError(const http::RequestError& error) {
  struct Code {
    int code;
    const char* type;
    const char* prefix;  // before the server's message
  };
  static const http::PerStatus<Code> kCodes = {
      .bad_request = {202, "INVALID_REQUEST_BODY", "Invalid request body: "},
      .not_found = {208, "RESOURCE_NOT_FOUND", "Resource not found: "},
      .method_not_allowed = {200, "METHOD_NOT_ALLOWED", "Request method "},
      .timeout = {702, "REQUEST_TIMEOUT", ""},
      .too_large = {202, "INVALID_REQUEST_BODY", "Invalid request body: "},
      .headers_too_large = {703, "HEADERS_TOO_LARGE", ""},
  };
  const Code& c = kCodes.For(error.status);
  const std::string method(error.method);
  std::string description = c.prefix;
  if (error.status == 405) {
    description += method + " not supported";
  } else if (error.status == 404) {
    description += method + " " + std::string(error.path);
  } else {
    description += error.message;
  }
  return {error.status, c.code, c.type, std::move(description)};
}

Error InvalidAmount(std::string_view details) {
  std::string description = "Amount to refund not valid";
  if (!details.empty()) description += ": " + std::string(details);
  return {400, 802, "INVALID_AMOUNT_TO_REFUND", description};
}

Error MissingBankAccount() {
  return {400, 804, "MISSING_BANK_ACCOUNT", "Missing bank account information"};
}

Error DepositNotCompleted() {
  return {400, 801, "DEPOSIT_NOT_COMPLETED",
          "Refund cannot be applied since deposit is not in status completed"};
}

Error RefundNotProcessed(std::string_view details) {
  return {400, 805, "ERROR_IN_REFUND",
          "Error, the refund was not processed. " + std::string(details)};
}

Error IdempotencyKeyInUse() {
  return {409, 501, "IDEMPOTENCY_KEY_IN_USE",
          "Another request with this X-Idempotency-Key is still being processed; retry after it "
          "completes"};
}

Error IdempotencyKeyReused() {
  return {400, 502, "IDEMPOTENCY_KEY_REUSED",
          "This X-Idempotency-Key was already used with a different request"};
}

Error Unavailable() {
  return {503, 701, "INTERNAL_ERROR",
          "The request could not be stored and nothing was changed; retry with the same "
          "X-Idempotency-Key"};
}

Error ErrorFor(core::Refusal refusal) {
  switch (refusal) {
    case core::Refusal::kPaymentNotCaptured:
    case core::Refusal::kPaymentVoided:
      return DepositNotCompleted();
    case core::Refusal::kAmountNotPositive:
      return InvalidAmount("it must be greater than zero");
    case core::Refusal::kAmountTooLarge:
    case core::Refusal::kAmountExceedsRefundable:
      return InvalidAmount("it is bigger than what remains of the deposit");
    case core::Refusal::kFullyRefunded:
      return InvalidAmount("the deposit has already been refunded");
    case core::Refusal::kCurrencyMismatch:
      return InvalidAmount("the currency is not the deposit's");
    case core::Refusal::kPaymentNotConfirmable:
      return InvalidBody("only a PENDING deposit can be completed");
    case core::Refusal::kRefundNotCancelable:
    case core::Refusal::kRefundTransitionInvalid:
      return RefundNotProcessed("The refund is not PENDING.");
    case core::Refusal::kPaymentNotCapturable:
    case core::Refusal::kCaptureExceedsAuthorized:
    case core::Refusal::kPaymentNotVoidable:
    case core::Refusal::kUnknownPart:
    case core::Refusal::kPartExceedsRefundable:
    case core::Refusal::kPartsDoNotAddUp:
      // D24 deposits are never authorized apart from capture and have no parts.
      return RefundNotProcessed("The operation does not apply to this deposit.");
  }
  return RefundNotProcessed("");
}

}  // namespace refundd::dialects::d24
