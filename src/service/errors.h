#pragma once
// What a use case can answer besides success: a named refusal of the core, an object that does
// not exist for this merchant, or a store failure. Dialects map each to their provider's error.

#include <string>

#include "core/refusal.h"
#include "store/store.h"

namespace refundd::service {

struct UseCaseError {
  enum class Kind { kRefused, kNotFound, kStore };
  Kind kind;
  core::Refusal refusal{};   // kRefused
  std::string object;        // kNotFound: "payment", "refund"
  store::StoreError store{}; // kStore

  static UseCaseError Refused(core::Refusal r) { return {Kind::kRefused, r, "", {}}; }
  static UseCaseError NotFound(std::string what) {
    return {Kind::kNotFound, {}, std::move(what), {}};
  }
  static UseCaseError Store(store::StoreError e) { return {Kind::kStore, {}, "", std::move(e)}; }
};

template <typename T>
using UseCaseResult = Result<T, UseCaseError>;

}  // namespace refundd::service
