#include "dialects/kushki_pos/commands.h"

#include "base/ids.h"

namespace refundd::dialects::kushki_pos {

namespace {

constexpr std::string_view kDeclined = "declined";

// A released (voided) authorization as the client sees it.
http::Response ReleasedAnswer(const Outcome& o, std::string_view type) {
  const core::Payment& p = *o.payment;
  const kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(p.attrs);
  View view{type,         attrs.void_ticket_number, attrs.void_transaction_reference,
            p.currency,   p.amount_minor,           FranchiseOf(attrs.brand, p.currency),
            ValueOf(o, 0)};
  return kushki::Ok(ResponseJson(view));
}

http::Response RefundedAnswer(const Outcome& o, std::string_view type) {
  const core::Refund& r = *o.refund;
  const kushki::RefundAttrs attrs = kushki::DecodeRefundAttrs(r.attrs);
  const kushki::PaymentAttrs sale = kushki::DecodePaymentAttrs(o.payment->attrs);
  View view{type,
            attrs.ticket_number,
            attrs.transaction_reference,
            r.currency,
            r.amount_minor,
            FranchiseOf(sale.brand, r.currency),
            attrs.approval_code,
            r.status};
  return kushki::Ok(ResponseJson(view));
}

}  // namespace

const common::DialectSpec& Spec() {
  static const common::DialectSpec spec =
      kushki::MakeSpec({kDialect, "private-credential-id", kushki::kPosDialect, StatusOf, ""});
  return spec;
}

http::Response Fail(const KError& error) { return kushki::Respond(StatusOf, error); }
Refusal Refused(const KError& error) { return kushki::Refused(StatusOf, error); }
http::Response RefusalAnswer(const Refusal& refusal, const KError& not_found) {
  return kushki::RefusalAnswer(StatusOf, refusal, not_found);
}

std::string FranchiseOf(std::string_view brand, const core::Currency& currency) {
  // Every country but Mexico shows the brand; a currency Kushki does not settle in (damaged
  // data) shows it too.
  auto country = kushki::CountryForCurrency(currency);
  return Franchise(BrandOr(brand), country.value_or(kushki::Country::kEcuador));
}

std::string BrandOr(std::string_view brand) {
  return std::string(brand.empty() ? kDefaultBrand : brand);
}

std::string ValueOf(const Outcome& outcome, std::size_t i) {
  return i < outcome.values.size() ? outcome.values[i] : std::string();
}

std::string KeyFor(const Request& in) {
  return in.operation == Operation::kReverse ? "reverse:" + in.client_transaction_id
                                             : in.client_transaction_id;
}

void LookUpClientId(service::Command& command, const Request& in) {
  command.lookups.insert(
      command.lookups.begin(),
      service::Lookup{std::string(kushki::kAliasClientTransaction), in.client_transaction_id});
}

std::optional<Refusal> ClientIdTaken(const service::Draft& draft) {
  if (draft.found && !draft.found->empty() && draft.found->front()) {
    return Refused(kushki::ClientIdTaken());
  }
  return std::nullopt;
}

Refusal Declined(std::string franchise) {
  return Refusal::Dialect(200, 0, std::string(kDeclined), std::move(franchise));
}

Translation GiveBackCommand(const Call& call, const Request& in, service::Ref sale, GiveBack back,
                            const kushki::Ids& ids, const std::string& approval_code) {
  using To = service::AliasWrite::To;
  service::CreateRefund op;
  op.payment = std::move(sale);
  op.refund.id = SortableId("kre_", call.Now());
  op.request = back.request;
  op.void_uncaptured = back.release_authorized;
  service::Command c = kushki::NewCommand(call, kDialect);
  c.op = std::move(op);
  c.values = {approval_code, ids.ticket_number, ids.transaction_reference};
  if (back.record_client_id) LookUpClientId(c, in);
  c.prepare = [in, back, ids](service::Draft& d) -> std::optional<Refusal> {
    if (back.record_client_id) {
      if (auto taken = ClientIdTaken(d)) return taken;
    }
    if (back.check) {
      if (auto refused = back.check(d)) return refused;
    }
    // A released authorization's ids are its payment's; a refund's are the refund's.
    const bool released = d.refund == nullptr;
    kushki::AddAliases(*d.aliases, ids,
                       released ? kushki::Owner::kPayment : kushki::Owner::kRefund);
    if (back.record_client_id)
      RecordClientId(*d.aliases, in, released ? To::kPayment : To::kRefund);
    return std::nullopt;
  };
  c.finish = [in, back, ids, approval_code](service::Draft& d) -> std::optional<Refusal> {
    if (d.refund == nullptr) {
      kushki::RecordRelease(*d.payment, ids);
      return std::nullopt;
    }
    const kushki::PaymentAttrs sold = kushki::DecodePaymentAttrs(d.payment->attrs);
    kushki::RefundAttrs attrs;
    attrs.kind = std::string(back.kind);
    attrs.ticket_number = ids.ticket_number;
    attrs.transaction_reference = ids.transaction_reference;
    attrs.sale_ticket_number = sold.ticket_number;
    attrs.sale_transaction_reference = sold.transaction_reference;
    attrs.buckets = in.amount ? in.amount->buckets : d.refund->parts;
    attrs.client_transaction_id = in.client_transaction_id;
    attrs.approval_code = approval_code;
    attrs.given = in.given;
    d.refund->attrs = kushki::EncodeRefundAttrs(attrs);
    return std::nullopt;
  };
  auto render = [type = back.type, not_found = back.not_found](const Outcome& o) {
    if (!o.ok()) {
      const Refusal& r = *o.refusal;
      if (r.kind == Refusal::Kind::kDialect && r.what == kDeclined) {
        return kushki::Ok(DeclinedJson(type, ValueOf(o, 1), ValueOf(o, 2), r.detail));
      }
      return RefusalAnswer(r, not_found);
    }
    return o.refund ? RefundedAnswer(o, type) : ReleasedAnswer(o, type);
  };
  return Translation{std::move(c), render};
}

}  // namespace refundd::dialects::kushki_pos
