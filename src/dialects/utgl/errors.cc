#include "dialects/utgl/errors.h"

#include "dialects/common/json_writer.h"

namespace refundd::dialects::utgl {

http::Response ErrorResponse(const Error& e) {
  common::JsonObject o;
  o.Str("code", e.code).Str("message", e.message);
  http::Response r{e.status, "application/json", {}, o.str()};
  if (e.status == 401)
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"partner-connect\"");
  return r;
}

Error Unauthorized() {
  return {401, "UNAUTHORIZED",
          "Authorization must be Basic base64(username:password) with valid credentials."};
}

Error Validation(std::string_view message) {
  return {400, "VALIDATION_ERROR", std::string(message)};
}

Error NotFound(std::string_view code, std::string_view what, std::string_view id) {
  return {404, std::string(code), "No " + std::string(what) + " '" + std::string(id) + "'."};
}

Error FromRequestError(const http::RequestError& error) {
  static const http::PerStatus<const char*> kCodes = {
      .bad_request = "BAD_REQUEST",
      .not_found = "NOT_FOUND",
      .method_not_allowed = "METHOD_NOT_ALLOWED",
      .timeout = "REQUEST_TIMEOUT",
      .too_large = "PAYLOAD_TOO_LARGE",
      .headers_too_large = "HEADERS_TOO_LARGE",
  };
  const std::string request = std::string(error.method) + " " + std::string(error.path);
  std::string message(error.message);
  if (error.status == 405) {
    message = "Method not allowed: " + request + " (allowed: " + std::string(error.allow) + ").";
  } else if (error.status == 404) {
    message = "No such endpoint: " + request + ".";
  }
  return {error.status, kCodes.For(error.status), std::move(message)};
}

Error InvalidOtp() { return {400, "INVALID_OTP", "The one-time password is not valid."}; }

Error VerificationExpired() {
  return {400, "VERIFICATION_EXPIRED", "The verification code has expired; start again."};
}

Error VerificationRequired() {
  return {400, "VERIFICATION_REQUIRED",
          "No verification matches this purchase: call /transactions/verify first with the same "
          "cardId, amount, currency and description."};
}

Error BindingAlreadyConfirmed() {
  return {409, "BINDING_ALREADY_CONFIRMED", "This verification has already bound a card."};
}

Error IdempotencyKeyInUse() {
  return {409, "IDEMPOTENCY_KEY_IN_USE",
          "Another request with this Idempotency-Key is still being processed; retry after it "
          "completes."};
}

Error IdempotencyKeyReused() {
  return {422, "IDEMPOTENCY_KEY_REUSED",
          "This Idempotency-Key was already used with a different request."};
}

Error Unavailable() {
  return {503, "SERVICE_UNAVAILABLE",
          "The request could not be stored and nothing was changed; retry with the same "
          "Idempotency-Key."};
}

Error ErrorFor(core::Refusal refusal) {
  auto state = [](std::string message) {
    return Error{409, "INVALID_TRANSACTION_STATE", std::move(message)};
  };
  switch (refusal) {
    case core::Refusal::kPaymentNotCaptured:
      return state("The transaction is locked, not captured: capture it before refunding.");
    case core::Refusal::kPaymentVoided:
      return state("The transaction was released (void); there is nothing to refund.");
    case core::Refusal::kFullyRefunded:
      return state("The transaction has already been refunded in full.");
    case core::Refusal::kPaymentNotCapturable:
      return state("Only a locked transaction can be captured.");
    case core::Refusal::kPaymentNotVoidable:
      return state("Only a locked transaction can be released.");
    case core::Refusal::kPaymentNotConfirmable:
    case core::Refusal::kRefundNotCancelable:
    case core::Refusal::kRefundTransitionInvalid:
      return state("The operation does not apply in the transaction's current state.");
    case core::Refusal::kAmountExceedsRefundable:
    case core::Refusal::kAmountTooLarge:
      return {422, "AMOUNT_EXCEEDS_REFUNDABLE",
              "The amount is more than what remains to refund of the captured transaction."};
    case core::Refusal::kCaptureExceedsAuthorized:
      return {422, "AMOUNT_EXCEEDS_AUTHORIZED", "The amount is more than the amount authorized."};
    case core::Refusal::kCurrencyMismatch:
      return {422, "CURRENCY_MISMATCH", "The currency must be the transaction's currency."};
    case core::Refusal::kAmountNotPositive:
      return Validation("amount must be at least 0.01.");
    case core::Refusal::kUnknownPart:
    case core::Refusal::kPartExceedsRefundable:
    case core::Refusal::kPartsDoNotAddUp:
      return Validation("The amount does not fit the transaction.");  // UTGL has no parts
  }
  return Validation("The request was refused.");
}

}  // namespace refundd::dialects::utgl
