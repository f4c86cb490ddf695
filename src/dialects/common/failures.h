#pragma once
// DialectSpec::failure (kit.h) for a dialect that answers each engine decision with one error of
// its own: in flight, key reused for another request, store unavailable (also when fresh ids ran
// out). Pure.

#include <functional>

#include "http/message.h"
#include "service/engine.h"

namespace refundd::dialects::common {

// `answer` renders the dialect's Error; the others make the error for each decision.
template <typename Error>
std::function<http::Response(service::WriteFailure)> Failures(
    http::Response (*answer)(const Error&), Error (*in_flight)(), Error (*key_reused)(),
    Error (*unavailable)()) {
  return [=](service::WriteFailure f) {
    switch (f) {
      case service::WriteFailure::kInFlight:
        return answer(in_flight());
      case service::WriteFailure::kKeyMismatch:
        return answer(key_reused());
      case service::WriteFailure::kUnavailable:
      case service::WriteFailure::kRetry:
        return answer(unavailable());
    }
    return answer(unavailable());
  };
}

}  // namespace refundd::dialects::common
