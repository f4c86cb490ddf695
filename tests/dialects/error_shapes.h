#pragma once
// The error shapes of refundd's dialects, for tests that check an answer is in the right one.

#include <boost/json/value.hpp>
#include <string>

namespace refundd::dialects::testing_shapes {

enum class Shape { kStripe, kKushki, kD24, kUtgl, kRapyd };

// The code field of `body` if it has `shape`'s form, else "(not <shape>)".
inline std::string CodeIn(const boost::json::value& body, Shape shape) {
  const auto* o = body.if_object();
  if (o == nullptr) return "(not an object)";
  switch (shape) {
    case Shape::kStripe: {
      const auto* error = o->if_contains("error");
      if (o->size() != 1 || !error || !error->is_object()) return "(not stripe)";
      const auto& e = error->as_object();
      if (!e.contains("message") || e.at("type") != "invalid_request_error") return "(not stripe)";
      return std::string(e.at("code").as_string());
    }
    case Shape::kKushki:
    case Shape::kUtgl: {
      if (o->size() != 2 || !o->contains("message") || !o->at("code").is_string()) {
        return "(not {code, message})";
      }
      if (o->at("message").as_string().empty()) return "(empty message)";
      return std::string(o->at("code").as_string());
    }
    case Shape::kD24: {
      if (o->size() != 3 || !o->contains("description") || !o->contains("type") ||
          !o->at("code").is_int64()) {
        return "(not d24)";
      }
      return std::to_string(o->at("code").as_int64());
    }
    case Shape::kRapyd: {
      const auto* status = o->if_contains("status");
      if (o->size() != 1 || !status || !status->is_object()) return "(not rapyd)";
      const auto& st = status->as_object();
      if (st.at("status") != "ERROR" || st.at("response_code") != st.at("error_code") ||
          st.at("message").as_string().empty() || st.at("operation_id").as_string().empty()) {
        return "(not a rapyd error)";
      }
      return std::string(st.at("error_code").as_string());
    }
  }
  return "(unknown shape)";
}

}  // namespace refundd::dialects::testing_shapes
