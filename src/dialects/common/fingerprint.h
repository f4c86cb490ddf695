#pragma once
// The fingerprint of a request for idempotency: SHA-256 over the method, the path and the
// parameters in a canonical form (object keys sorted, scalars as their text), so that a retry
// sent as form or JSON, in any key order, matches the first request.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace refundd::dialects::common {

std::string RequestFingerprint(std::string_view method, std::string_view path,
                               const boost::json::value& params);

}  // namespace refundd::dialects::common
