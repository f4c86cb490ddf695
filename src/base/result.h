#pragma once
// Result<T, E>: a value or an error, for expected outcomes (refusals, bad input, store failures).
// Exceptions are not used on the request path; a Result is checked with ok() before value().

#include <utility>
#include <variant>

#include "base/check.h"

namespace refundd {

template <typename E>
struct Err {
  E error;
};
template <typename E>
Err(E) -> Err<E>;

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  template <typename F>
  Result(Err<F> err) : v_(std::in_place_index<1>, E(std::move(err.error))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    CHECK(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    CHECK(ok());
    return std::get<0>(v_);
  }
  // By value, not T&&: in `for (auto& x : Load().value().items)` a reference into the temporary
  // Result would dangle once the full-expression ends; a returned value is kept alive instead.
  T value() && {
    CHECK(ok());
    return std::get<0>(std::move(v_));
  }
  const E& error() const {
    CHECK(!ok());
    return std::get<1>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

}  // namespace refundd
