#include "dialects/kushki_common/attrs.h"

#include <boost/json.hpp>

#include "dialects/common/attrs_json.h"

namespace refundd::dialects::kushki {

namespace json = boost::json;

namespace {

using common::ParseObject;

void PutString(json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

}  // namespace

std::string EncodePaymentAttrs(const PaymentAttrs& a) {
  json::object o;
  PutString(o, "kind", a.kind);
  PutString(o, "ticket", a.ticket_number);
  PutString(o, "reference", a.transaction_reference);
  PutString(o, "capture_ticket", a.capture_ticket_number);
  PutString(o, "capture_reference", a.capture_transaction_reference);
  PutString(o, "void_ticket", a.void_ticket_number);
  PutString(o, "void_reference", a.void_transaction_reference);
  if (a.approved_ms != 0) o["approved_ms"] = a.approved_ms;
  PutString(o, "brand", a.brand);
  PutString(o, "bin", a.bin);
  PutString(o, "last4", a.last4);
  PutString(o, "holder", a.holder);
  PutString(o, "token", a.token);
  PutString(o, "client_transaction_id", a.client_transaction_id);
  PutString(o, "approval_code", a.approval_code);
  PutString(o, "day", a.day);
  if (!a.given.empty()) o["given"] = a.given;
  return json::serialize(o);
}

PaymentAttrs DecodePaymentAttrs(std::string_view text) {
  json::object o = ParseObject(text);
  PaymentAttrs a;
  a.kind = common::Text(o, "kind");
  a.ticket_number = common::Text(o, "ticket");
  a.transaction_reference = common::Text(o, "reference");
  a.capture_ticket_number = common::Text(o, "capture_ticket");
  a.capture_transaction_reference = common::Text(o, "capture_reference");
  a.void_ticket_number = common::Text(o, "void_ticket");
  a.void_transaction_reference = common::Text(o, "void_reference");
  a.approved_ms = common::Number(o, "approved_ms");
  a.brand = common::Text(o, "brand");
  a.bin = common::Text(o, "bin");
  a.last4 = common::Text(o, "last4");
  a.holder = common::Text(o, "holder");
  a.token = common::Text(o, "token");
  a.client_transaction_id = common::Text(o, "client_transaction_id");
  a.approval_code = common::Text(o, "approval_code");
  a.day = common::Text(o, "day");
  a.given = common::Object(o, "given");
  return a;
}

std::string EncodeRefundAttrs(const RefundAttrs& a) {
  json::object o;
  PutString(o, "kind", a.kind);
  PutString(o, "ticket", a.ticket_number);
  PutString(o, "reference", a.transaction_reference);
  PutString(o, "sale_ticket", a.sale_ticket_number);
  PutString(o, "sale_reference", a.sale_transaction_reference);
  if (a.unreferenced) o["unreferenced"] = true;
  if (!a.buckets.empty()) {
    json::object buckets;
    for (const auto& b : a.buckets) buckets[b.name] = b.amount_minor;
    o["buckets"] = std::move(buckets);
  }
  PutString(o, "client_transaction_id", a.client_transaction_id);
  PutString(o, "approval_code", a.approval_code);
  if (!a.given.empty()) o["given"] = a.given;
  return json::serialize(o);
}

RefundAttrs DecodeRefundAttrs(std::string_view text) {
  json::object o = ParseObject(text);
  RefundAttrs a;
  a.kind = common::Text(o, "kind");
  a.ticket_number = common::Text(o, "ticket");
  a.transaction_reference = common::Text(o, "reference");
  a.sale_ticket_number = common::Text(o, "sale_ticket");
  a.sale_transaction_reference = common::Text(o, "sale_reference");
  const json::value* unreferenced = o.if_contains("unreferenced");
  a.unreferenced = unreferenced && unreferenced->is_bool() && unreferenced->get_bool();
  for (const auto& kv : common::Object(o, "buckets")) {
    if (kv.value().is_int64()) {
      a.buckets.push_back({std::string(kv.key()), kv.value().get_int64()});
    }
  }
  a.client_transaction_id = common::Text(o, "client_transaction_id");
  a.approval_code = common::Text(o, "approval_code");
  a.given = common::Object(o, "given");
  return a;
}

}  // namespace refundd::dialects::kushki
