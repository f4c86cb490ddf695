// Rapyd refund requests: parsing a create, update or list request and planning a refund against
// the payment's e-wallet split. Rendering lives in translate.cc. See docs/dialects/rapyd.md.
#include <boost/json.hpp>

#include "core/money.h"
#include "dialects/common/fields.h"
#include "dialects/rapyd/translate.h"

namespace refundd::dialects::rapyd {

namespace json = boost::json;
using common::Fields;

#define RETURN_IF_ERROR(parsed) \
  if (!(parsed).ok()) return Err(InvalidFields((parsed).error().message))

Parsed<RefundInput> ParseCreateRefund(const json::value& body) {
  if (!body.is_object()) return Err(InvalidFields("The body must be a JSON object."));
  Fields f(body.get_object());
  RefundInput in;
  auto payment = f.String("payment", 255);
  RETURN_IF_ERROR(payment);
  if (!payment.value() || payment.value()->empty()) {
    return Err(Refund("ERROR_ADDING_REFUND",
                      "The request tried to add a refund, but 'payment' is missing. Corrective "
                      "action: Use the ID of a closed payment."));
  }
  in.payment_id = *payment.value();
  auto amount = f.Decimal("amount");
  RETURN_IF_ERROR(amount);
  in.amount = amount.value();
  auto currency = f.String("currency", 16);
  RETURN_IF_ERROR(currency);
  in.currency = currency.value();
  auto wallets = f.Array("ewallets");
  RETURN_IF_ERROR(wallets);
  if (wallets.value()) {
    if (wallets.value()->size() > kMaxWallets) {
      return Err(
          Refund("ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY", "'ewallets' has too many entries."));
    }
    bool by_percent = false;
    for (std::size_t i = 0; i < wallets.value()->size(); ++i) {
      const json::value& item = (*wallets.value())[i];
      if (!item.is_object()) {
        return Err(Refund("ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY",
                          "Each entry of 'ewallets' must be an object."));
      }
      Fields w(item.get_object());
      auto name = w.String("ewallet", 255);
      if (!name.ok() || !name.value() || name.value()->empty()) {
        return Err(Refund("ERROR_CREATE_REFUND_MISSING_EWALLET_ID",
                          "An entry of 'ewallets' has no 'ewallet' ID."));
      }
      for (const WalletShare& s : in.ewallets) {
        if (s.ewallet == *name.value()) {
          return Err(Refund("ERROR_CREATE_REFUND_DUPLICATE_EWALLET",
                            "The wallet '" + s.ewallet + "' appears twice in 'ewallets'."));
        }
      }
      WalletShare share{*name.value(), {}, {}};
      auto a = w.Decimal("amount");
      auto p = w.Decimal(w.Has("percentage") ? "percentage" : "percent");
      if (!a.ok())
        return Err(Refund("ERROR_CREATE_REFUND_INVALID_EWALLETS_AMOUNT", a.error().message));
      if (!p.ok()) {
        return Err(Refund("ERROR_CREATE_REFUND_INVALID_EWALLETS_PERCENTAGE", p.error().message));
      }
      share.amount = a.value();
      share.percent = p.value();
      if (share.amount.has_value() == share.percent.has_value() ||
          (i > 0 && by_percent != share.percent.has_value())) {
        return Err(Refund("ERROR_CREATE_REFUND_EWALLETS_INCONSISTENCY",
                          "Every entry of 'ewallets' must give either 'amount' or 'percent', "
                          "all the same way."));
      }
      by_percent = share.percent.has_value();
      in.ewallets.push_back(std::move(share));
    }
  }
  auto reason = f.String("reason", 255);
  RETURN_IF_ERROR(reason);
  in.reason = reason.value().value_or("");
  auto reference = f.String("merchant_reference_id", 255);
  RETURN_IF_ERROR(reference);
  in.attrs.merchant_reference_id = reference.value().value_or("");
  auto metadata = f.Object("metadata");
  RETURN_IF_ERROR(metadata);
  if (metadata.value()) in.attrs.metadata_json = json::serialize(*metadata.value());
  in.attrs.proportional = in.ewallets.empty();
  return in;
}

namespace {

// `text` in minor units of `currency`. Without one (before the payment is loaded) only what no
// currency accepts is refused: the parse refuses a shape, a sign or a size before it looks at the
// currency's digits, and a whole part too large without decimals is too large with any. What
// some currency accepts gives 1, which stands for "positive, judged with the payment".
Result<int64_t, core::AmountError> AmountIn(std::string_view text,
                                            const core::Currency* currency) {
  if (currency) return common::MinorUnits(text, *currency);
  auto whole = common::MinorUnits(text, core::Currency{"", 0});
  if (!whole.ok() && whole.error() == core::AmountError::kTooManyDecimals) return int64_t{1};
  return whole;
}

// PlanRefund over `payment`, or (null) the checks that hold whatever the payment is: then the
// request it gives is only good for being refused or not.
Parsed<core::RefundRequest> Plan(const RefundInput& in, const core::Payment* payment) {
  const core::Currency* payment_currency = payment ? &payment->currency : nullptr;
  core::RefundRequest req;
  if (in.currency) {
    auto currency = core::FindCurrency(*in.currency);
    if (!currency) return Err(ErrorFor(core::Refusal::kCurrencyMismatch));
    req.currency = *currency;
  }
  if (in.amount) {
    auto minor = AmountIn(*in.amount, payment_currency);
    if (!minor.ok()) {
      return Err(CreateRefundFailed("The amount is not valid: " +
                                    std::string(core::AmountErrorMessage(minor.error())) + "."));
    }
    req.amount_minor = minor.value();
  }
  if (in.ewallets.empty()) return req;
  const bool by_percent = in.ewallets.front().percent.has_value();
  std::vector<int64_t> weights;
  for (const WalletShare& s : in.ewallets) {
    if (!core::ValidPartName(s.ewallet)) return Err(ErrorFor(core::Refusal::kUnknownPart));
    auto value = by_percent ? common::MinorUnits(*s.percent, kPercent)
                            : AmountIn(*s.amount, payment_currency);
    if (!value.ok() || value.value() <= 0 || (by_percent && value.value() > kHundredPercent)) {
      return Err(by_percent
                     ? Refund("ERROR_CREATE_REFUND_INVALID_EWALLETS_PERCENTAGE",
                              "Each 'percent' must be above 0 and at most 100.")
                     : Refund("ERROR_CREATE_REFUND_INVALID_EWALLETS_AMOUNT",
                              "Each wallet 'amount' must be a positive amount in the payment's "
                              "currency."));
    }
    weights.push_back(value.value());
    req.parts.push_back({s.ewallet, value.value()});
  }
  if (!by_percent) return req;
  int64_t sum = 0;
  for (int64_t w : weights) sum += w;
  if (sum != kHundredPercent) {
    return Err(Refund("ERROR_CREATE_REFUND_INVALID_EWALLETS_PERCENTAGE",
                      "The 'percent' values must add up to 100."));
  }
  if (!payment) return req;
  int64_t total = req.amount_minor.value_or(payment->RefundableMinor());
  if (total <= 0 || total > core::kMaxAmountMinor) {
    req.parts.clear();  // the core refuses the amount (or a fully refunded payment) itself
    return req;
  }
  std::vector<int64_t> shares = core::SplitProportionally(total, weights);
  for (std::size_t i = 0; i < shares.size(); ++i) req.parts[i].amount_minor = shares[i];
  req.amount_minor = total;
  return req;
}

}  // namespace

Parsed<core::RefundRequest> PlanRefund(const RefundInput& in, const core::Payment& payment) {
  return Plan(in, &payment);
}

std::optional<Error> CheckRefund(const RefundInput& in) {
  auto checked = Plan(in, nullptr);
  if (!checked.ok()) return checked.error();
  return std::nullopt;
}

core::RefundStatus InitialStatus(const PaymentAttrs& payment_attrs) {
  return ClosesAtOnce(payment_attrs) ? core::RefundStatus::kSucceeded
                                     : core::RefundStatus::kPending;
}

Parsed<std::string> ParseUpdateRefund(const json::value& body) {
  if (!body.is_object()) return Err(InvalidFields("The body must be a JSON object."));
  auto metadata = Fields(body.get_object()).Object("metadata");
  RETURN_IF_ERROR(metadata);
  if (!metadata.value()) return Err(InvalidFields("metadata is required."));
  return json::serialize(*metadata.value());
}

Parsed<ListInput> ParseListRefunds(const json::value& query) {
  ListInput in;
  if (!query.is_object()) return in;
  Fields f(query.get_object());
  auto limit = f.String("limit", 8);
  RETURN_IF_ERROR(limit);
  if (limit.value()) {
    const std::string& text = *limit.value();
    bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    int value = digits && text.size() <= 3 ? std::stoi(text) : 0;
    if (value < 1 || value > 100) return Err(InvalidFields("limit must be between 1 and 100."));
    in.limit = value;
  }
  for (auto [name, target] :
       {std::pair{"starting_after", &in.starting_after},
        std::pair{"ending_before", &in.ending_before}, std::pair{"paymentId", &in.payment_id},
        std::pair{"payment", &in.payment_id}}) {
    auto v = f.String(name, 255);
    RETURN_IF_ERROR(v);
    if (v.value()) *target = *v.value();
  }
  return in;
}

}  // namespace refundd::dialects::rapyd
