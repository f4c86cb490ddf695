#include "dialects/kushki_common/errors.h"

#include "dialects/common/json_writer.h"

namespace refundd::dialects::kushki {

std::string_view CodeText(KCode code) {
  switch (code) {
    case KCode::kK001:
      return "K001";
    case KCode::kK002:
      return "K002";
    case KCode::kK004:
      return "K004";
    case KCode::kK005:
      return "K005";
    case KCode::kK006:
      return "K006";
    case KCode::kK010:
      return "K010";
    case KCode::kK014:
      return "K014";
    case KCode::kK020:
      return "K020";
    case KCode::kK023:
      return "K023";
    case KCode::kK042:
      return "K042";
    case KCode::kK055:
      return "K055";
    case KCode::kK404:
      return "K404";
    case KCode::kK405:
      return "K405";
    case KCode::kK400:
      return "K400";
    case KCode::kK408:
      return "K408";
    case KCode::kK413:
      return "K413";
    case KCode::kK431:
      return "K431";
  }
  return "K002";
}

// Kushki's own wording (api-docs error catalogue, docs/dialects/kushki.md).
std::string_view CanonicalMessage(KCode code) {
  switch (code) {
    case KCode::kK001:
      return "EL CUERPO DE LA PETICIÓN ES INVÁLIDO";
    case KCode::kK002:
      return "HA OCURRIDO UN ERROR INESPERADO";
    case KCode::kK004:
      return "ID DE COMERCIO O CREDENCIAL NO VÁLIDO";
    case KCode::kK005:
      return "TOKEN EXPIRADO";
    case KCode::kK006:
      return "MONTO NO ES IGUAL AL ESPERADO";
    case KCode::kK010:
      return "TICKET NUMBER INVÁLIDO";
    case KCode::kK014:
      return "TOKEN INVÁLIDO";
    case KCode::kK020:
      return "TRANSACCIÓN RECHAZADA";
    case KCode::kK023:
      return "MONTO DEL VOID SUPERIOR AL DEL SALE";
    case KCode::kK042:
      return "El código de moneda es diferente al de la transacción inicial";
    case KCode::kK055:
      return "Tipo de moneda no permitido";
    case KCode::kK404:
      return "RECURSO NO ENCONTRADO";
    case KCode::kK405:
      return "MÉTODO NO PERMITIDO";
    case KCode::kK400:
      return "PETICIÓN HTTP INVÁLIDA";
    case KCode::kK408:
      return "TIEMPO DE ESPERA AGOTADO";
    case KCode::kK413:
      return "CUERPO DE LA PETICIÓN DEMASIADO GRANDE";
    case KCode::kK431:
      return "CABECERAS DEMASIADO GRANDES";
  }
  return "HA OCURRIDO UN ERROR INESPERADO";
}

std::string MessageOf(const KError& error) {
  std::string message(CanonicalMessage(error.code));
  if (!error.reason.empty()) message += ": " + error.reason;
  return message;
}

KKind DefaultKind(KCode code) {
  switch (code) {
    case KCode::kK001:
    case KCode::kK055:
    case KCode::kK400:
      return KKind::kBadRequest;
    case KCode::kK004:
      return KKind::kCredentials;
    case KCode::kK002:
      return KKind::kUnexpected;
    case KCode::kK005:
    case KCode::kK006:
    case KCode::kK010:
    case KCode::kK014:
    case KCode::kK020:
    case KCode::kK023:
    case KCode::kK042:
      return KKind::kPrecondition;
    case KCode::kK404:
      return KKind::kNoRoute;
    case KCode::kK405:
      return KKind::kNoMethod;
    case KCode::kK408:
      return KKind::kTimeout;
    case KCode::kK413:
      return KKind::kTooLarge;
    case KCode::kK431:
      return KKind::kHeadersTooLarge;
  }
  return KKind::kBadRequest;
}

int StatusFor(KKind kind, int credentials_status, int precondition_status) {
  switch (kind) {
    case KKind::kBadRequest:
      return 400;
    case KKind::kCredentials:
      return credentials_status;
    case KKind::kPrecondition:
      return precondition_status;
    case KKind::kConflict:
      return 409;
    case KKind::kUnexpected:
      return 500;
    case KKind::kNoRoute:
      return 404;
    case KKind::kNoMethod:
      return 405;
    case KKind::kTimeout:
      return 408;
    case KKind::kTooLarge:
      return 413;
    case KKind::kHeadersTooLarge:
      return 431;
  }
  return 500;
}

KError Error(KCode code, std::string reason) {
  return KError{code, std::move(reason), DefaultKind(code)};
}

KError ErrorFor(core::Refusal refusal) {
  switch (refusal) {
    case core::Refusal::kAmountNotPositive:
      return Error(KCode::kK001, "the amount must be above zero");
    case core::Refusal::kAmountTooLarge:
      return Error(KCode::kK023, "the amount is too large");
    case core::Refusal::kCurrencyMismatch:
      return Error(KCode::kK042);
    case core::Refusal::kPaymentNotCaptured:
      return Error(KCode::kK020, "the transaction is not an approved sale");
    case core::Refusal::kPaymentVoided:
      return Error(KCode::kK020, "the transaction was voided");
    case core::Refusal::kAmountExceedsRefundable:
      return Error(KCode::kK023);
    case core::Refusal::kFullyRefunded:
      return Error(KCode::kK023, "the sale was already refunded in full");
    case core::Refusal::kPaymentNotCapturable:
      return Error(KCode::kK020, "the transaction is not a pending pre-authorization");
    case core::Refusal::kCaptureExceedsAuthorized:
      return Error(KCode::kK006, "the amount is above the pre-authorized amount");
    case core::Refusal::kPaymentNotVoidable:
      return Error(KCode::kK020, "the transaction cannot be voided");
    case core::Refusal::kPaymentNotConfirmable:
      return Error(KCode::kK014, "the token was already used");
    case core::Refusal::kRefundNotCancelable:
    case core::Refusal::kRefundTransitionInvalid:
      return Error(KCode::kK020, "the refund cannot be reversed");
    case core::Refusal::kUnknownPart:
      return Error(KCode::kK023, "the sale has nothing in that amount field");
    case core::Refusal::kPartExceedsRefundable:
      return Error(KCode::kK023, "an amount field is above what the sale still has in it");
    case core::Refusal::kPartsDoNotAddUp:
      return Error(KCode::kK001, "the amount fields do not add up to the total");
  }
  return Error(KCode::kK002);
}

std::string ErrorJson(const KError& error) {
  return common::JsonObject()
      .Str("code", CodeText(error.code))
      .Str("message", MessageOf(error))
      .str();
}

KError FromRequestError(const http::RequestError& error) {
  static const http::PerStatus<KCode> kCodes = {
      .bad_request = KCode::kK400,
      .not_found = KCode::kK404,
      .method_not_allowed = KCode::kK405,
      .timeout = KCode::kK408,
      .too_large = KCode::kK413,
      .headers_too_large = KCode::kK431,
  };
  std::string reason(error.message);
  if (error.status == 404 || error.status == 405) {
    reason = std::string(error.method) + " " + std::string(error.path);
    if (error.status == 405) reason += " (permitidos: " + std::string(error.allow) + ")";
  }
  return Error(kCodes.For(error.status), std::move(reason));
}

}  // namespace refundd::dialects::kushki
