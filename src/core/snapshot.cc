#include "core/snapshot.h"

#include <optional>

namespace refundd::core {

namespace {

constexpr std::string_view kPaymentTag = "p1";
constexpr std::string_view kRefundTag = "r1";

void WriteMetadata(NetstringWriter& w, const Metadata& metadata) {
  w.Int(static_cast<int64_t>(metadata.size()));
  for (const auto& [k, v] : metadata) w.Str(k).Str(v);
}

bool ReadCount(NetstringReader& r, int64_t& n) { return r.Int(n) && n >= 0 && n <= 100000; }

bool ReadMetadata(NetstringReader& r, Metadata& out) {
  int64_t n = 0;
  if (!ReadCount(r, n)) return false;
  out.clear();
  for (int64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.Str(k) || !r.Str(v)) return false;
    out[std::move(k)] = std::move(v);
  }
  return true;
}

bool ReadCurrency(NetstringReader& r, Currency& out) {
  auto code = r.Str();
  if (!code) return false;
  std::optional<Currency> c = FindCurrency(*code);
  if (!c) return false;
  out = *c;
  return true;
}

}  // namespace

void WritePayment(NetstringWriter& w, const Payment& p) {
  w.Str(kPaymentTag).Str(p.id).Str(p.merchant_id).Str(p.dialect).Str(p.currency.code);
  w.Int(p.amount_minor).Int(p.captured_minor).Int(p.refunded_minor).Int(p.pending_minor);
  w.Str(PaymentStatusName(p.status)).Str(p.capture_method).Str(p.payment_method);
  w.Str(p.description);
  WriteMetadata(w, p.metadata);
  w.Str(p.cancellation_reason).Int(p.created_ms).Int(p.updated_ms).Int(p.canceled_ms);
  w.Str(p.attrs);
  w.Int(static_cast<int64_t>(p.parts.size()));
  for (const Part& part : p.parts) {
    w.Str(part.name).Int(part.amount_minor).Int(part.captured_minor).Int(part.refunded_minor);
    w.Int(part.pending_minor);
  }
}

bool ReadPayment(NetstringReader& r, Payment& p) {
  auto tag = r.Str();
  if (!tag || *tag != kPaymentTag) return false;
  if (!r.Str(p.id) || !r.Str(p.merchant_id) || !r.Str(p.dialect) || !ReadCurrency(r, p.currency))
    return false;
  if (!r.Int(p.amount_minor) || !r.Int(p.captured_minor) || !r.Int(p.refunded_minor) ||
      !r.Int(p.pending_minor))
    return false;
  auto status = r.Str();
  if (!status || !ParsePaymentStatus(*status, p.status)) return false;
  if (!r.Str(p.capture_method) || !r.Str(p.payment_method) || !r.Str(p.description)) return false;
  if (!ReadMetadata(r, p.metadata)) return false;
  if (!r.Str(p.cancellation_reason) || !r.Int(p.created_ms) || !r.Int(p.updated_ms) ||
      !r.Int(p.canceled_ms) || !r.Str(p.attrs))
    return false;
  int64_t n = 0;
  if (!ReadCount(r, n)) return false;
  p.parts.assign(static_cast<std::size_t>(n), Part{});
  for (Part& part : p.parts) {
    if (!r.Str(part.name) || !r.Int(part.amount_minor) || !r.Int(part.captured_minor) ||
        !r.Int(part.refunded_minor) || !r.Int(part.pending_minor))
      return false;
  }
  return p.Consistent();
}

void WriteRefund(NetstringWriter& w, const Refund& f) {
  w.Str(kRefundTag).Str(f.id).Str(f.merchant_id).Str(f.payment_id).Str(f.dialect);
  w.Str(f.currency.code).Int(f.amount_minor).Str(RefundStatusName(f.status)).Str(f.reason);
  WriteMetadata(w, f.metadata);
  w.Str(f.failure_reason).Int(f.created_ms).Int(f.updated_ms).Str(f.attrs);
  w.Int(static_cast<int64_t>(f.parts.size()));
  for (const PartAmount& part : f.parts) w.Str(part.name).Int(part.amount_minor);
}

bool ReadRefund(NetstringReader& r, Refund& f) {
  auto tag = r.Str();
  if (!tag || *tag != kRefundTag) return false;
  if (!r.Str(f.id) || !r.Str(f.merchant_id) || !r.Str(f.payment_id) || !r.Str(f.dialect) ||
      !ReadCurrency(r, f.currency) || !r.Int(f.amount_minor))
    return false;
  auto status = r.Str();
  if (!status || !ParseRefundStatus(*status, f.status)) return false;
  if (!r.Str(f.reason) || !ReadMetadata(r, f.metadata) || !r.Str(f.failure_reason) ||
      !r.Int(f.created_ms) || !r.Int(f.updated_ms) || !r.Str(f.attrs))
    return false;
  int64_t n = 0;
  if (!ReadCount(r, n)) return false;
  f.parts.assign(static_cast<std::size_t>(n), PartAmount{});
  for (PartAmount& part : f.parts) {
    if (!r.Str(part.name) || !r.Int(part.amount_minor)) return false;
  }
  return f.amount_minor >= 0;
}

std::string EncodePayment(const Payment& payment) {
  NetstringWriter w;
  WritePayment(w, payment);
  return std::move(w).str();
}

std::string EncodeRefund(const Refund& refund) {
  NetstringWriter w;
  WriteRefund(w, refund);
  return std::move(w).str();
}

Result<Payment, std::string> DecodePayment(std::string_view text) {
  NetstringReader r(text);
  Payment p;
  if (!ReadPayment(r, p) || !r.done()) return Err(std::string("payment snapshot does not decode"));
  return p;
}

Result<Refund, std::string> DecodeRefund(std::string_view text) {
  NetstringReader r(text);
  Refund f;
  if (!ReadRefund(r, f) || !r.done()) return Err(std::string("refund snapshot does not decode"));
  return f;
}

}  // namespace refundd::core
