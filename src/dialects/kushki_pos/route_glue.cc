#include "dialects/kushki_pos/route_glue.h"

#include "base/ids.h"

namespace refundd::dialects::kushki_pos {

const kushki::Style& TheStyle() {
  static const kushki::Style style = kushki::MakeStyle(StatusOf);
  return style;
}

http::Response Fail(const kushki::KError& error) { return kushki::Respond(TheStyle(), error); }
http::Response StoreFailed(bool& keep) { return kushki::StoreFailed(TheStyle(), keep); }
http::Response Ok(std::string body) {
  return http::Response{200, "application/json", {}, std::move(body)};
}

kushki::Country CountryOf(const core::Currency& currency) {
  auto country = kushki::CountryForCurrency(currency);
  CHECK(country.has_value());  // amounts are parsed into Kushki currencies only
  return *country;
}

std::string BrandOr(std::string_view brand) {
  return std::string(brand.empty() ? kDefaultBrand : brand);
}

std::string KeyFor(const Request& in) {
  return (in.operation == Operation::kReverse ? "kushki_pos_reverse:" : "kushki_pos:") +
         in.client_transaction_id;
}

store::StoreResult<bool> ClientIdFree(store::WriteTx& tx, const std::string& merchant,
                                      const Request& in) {
  auto found = tx.FindAlias(merchant, std::string(kushki::kAliasClientTransaction),
                            in.client_transaction_id);
  if (!found.ok()) return Err(found.error());
  return !found.value().has_value();
}

store::StoreResult<bool> RecordClientId(store::WriteTx& tx, const std::string& merchant,
                                        const Request& in, const std::string& object_id) {
  return tx.InsertAlias(store::Alias{merchant, std::string(kushki::kAliasClientTransaction),
                                     in.client_transaction_id, object_id});
}

http::Response ClientIdTaken() {
  return Fail(kushki::KError{KCode::kK001, "client_transaction_id was already used",
                             kushki::KKind::kConflict});
}

http::Response RefundSale(store::WriteTx& tx, const std::string& merchant,
                          const core::Payment& sale, core::RefundRequest request,
                          std::string_view kind, std::string_view type, const Request& in,
                          bool record_client_id, int64_t now, bool& keep) {
  const kushki::PaymentAttrs sale_attrs = kushki::DecodePaymentAttrs(sale.attrs);
  service::NewRefund r;
  r.merchant_id = merchant;
  r.payment_id = sale.id;
  r.refund_id = SortableId("kre_", now);
  r.dialect = std::string(kDialect);
  r.request = std::move(request);
  auto created = service::CreateRefund(tx, r, now);
  if (!created.ok()) return kushki::ErrorOf(TheStyle(), created.error(), keep);
  core::Refund refund = std::move(created.value().refund);
  auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kRefund, refund.id);
  if (!ids.ok()) return StoreFailed(keep);
  kushki::RefundAttrs attrs;
  attrs.kind = std::string(kind);
  attrs.ticket_number = ids.value()->ticket_number;
  attrs.transaction_reference = ids.value()->transaction_reference;
  attrs.sale_ticket_number = sale_attrs.ticket_number;
  attrs.sale_transaction_reference = sale_attrs.transaction_reference;
  attrs.buckets = in.amount ? in.amount->buckets : refund.parts;
  attrs.client_transaction_id = in.client_transaction_id;
  attrs.approval_code = kushki::ApprovalCode();
  attrs.given = in.given;
  refund.attrs = kushki::EncodeRefundAttrs(attrs);
  auto saved = tx.UpdateRefund(refund);
  if (!saved.ok() || !saved.value()) return StoreFailed(keep);
  if (record_client_id) {
    auto recorded = RecordClientId(tx, merchant, in, refund.id);
    if (!recorded.ok() || !recorded.value()) return StoreFailed(keep);
  }
  View view{type,
            attrs.ticket_number,
            attrs.transaction_reference,
            refund.currency,
            refund.amount_minor,
            Franchise(BrandOr(sale_attrs.brand), CountryOf(refund.currency)),
            attrs.approval_code,
            refund.status};
  return Ok(ResponseJson(view));
}

}  // namespace refundd::dialects::kushki_pos
