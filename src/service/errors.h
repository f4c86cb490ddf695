#pragma once
// What a use case can answer besides success: a named refusal of the core, an object that does
// not exist for this merchant, or a store failure. Dialects map each to their provider's error.

#include <memory>
#include <string>

#include "core/payment.h"

#include "core/refusal.h"
#include "store/store.h"

namespace refundd::service {

struct UseCaseError {
  enum class Kind { kRefused, kNotFound, kStore };
  Kind kind;
  core::Refusal refusal{};   // kRefused
  std::string object;        // kNotFound: "payment", "refund"
  store::StoreError store{}; // kStore
  // kRefused by a refund rule: the payment as it stood, so the answer can say what remains.
  std::shared_ptr<const core::Payment> payment;

  static UseCaseError Refused(core::Refusal r, std::shared_ptr<const core::Payment> p = nullptr) {
    return {Kind::kRefused, r, "", {}, std::move(p)};
  }
  static UseCaseError NotFound(std::string what) {
    return {Kind::kNotFound, {}, std::move(what), {}, nullptr};
  }
  static UseCaseError Store(store::StoreError e) {
    return {Kind::kStore, {}, "", std::move(e), nullptr};
  }
};

template <typename T>
using UseCaseResult = Result<T, UseCaseError>;

}  // namespace refundd::service
