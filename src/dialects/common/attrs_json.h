#pragma once
// Reading the JSON a dialect keeps in Payment::attrs and Refund::attrs (written by its own
// Encode*Attrs). The text was written by refundd, so a missing or mistyped field reads as empty
// (or 0, or false) instead of failing; an unparsable text reads as an empty object.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace refundd::dialects::common {

// `text` as a JSON object; {} when it is not one.
boost::json::object ParseObject(std::string_view text);
// The string at `key`; "" when absent or not a string.
std::string Text(const boost::json::object& o, std::string_view key);
// The integer at `key`; 0 when absent or not an int64.
int64_t Number(const boost::json::object& o, std::string_view key);
// The boolean at `key`; false when absent or not a boolean.
bool Flag(const boost::json::object& o, std::string_view key);
// The object at `key` (a copy); {} when absent or not an object.
boost::json::object Object(const boost::json::object& o, std::string_view key);

}  // namespace refundd::dialects::common
