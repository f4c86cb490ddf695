#pragma once
// Decoding of request bodies and query strings into a JSON value, so that dialects read one shape
// whatever the client sent. Pure functions, thread-safe.
//
// JSON (application/json, or any body starting with '{' when no content type says otherwise):
//   - must be an object at the top level; nesting deeper than 32 levels is refused;
//   - numbers in exponent form (1e3, 2E-2) are refused, because amounts are never written that way
//     and a parsed exponent could silently round;
//   - a non-integer number with more than 15 significant digits is refused (it would not survive
//     the double that Boost.JSON stores; 15 digits always round-trip, see DecimalText());
//   - an integer outside int64/uint64 is refused (Boost.JSON would silently make it a double), and
//     so is any number token longer than 40 characters;
//   - the JSON must be valid UTF-8 (Boost.JSON's default).
// Form (application/x-www-form-urlencoded), as Stripe's clients send it:
//   a=1&metadata[order]=42&expand[]=x&expand[]=y&items[0][price]=5
//   -> {"a":"1","metadata":{"order":"42"},"expand":["x","y"],"items":[{"price":"5"}]}
//   All leaf values are strings. '+' is a space; %XX is decoded; bad escapes are refused.
//   "metadata[k]=" (empty value) stays an empty string (Stripe uses it to unset a key).
//   A name without '=' is an empty string; empty pairs ("a=1&&b=2") are skipped.
//   Refused, each with its own message: a bad %-escape or invalid UTF-8 after decoding; shapes
//   that conflict ("a=1&a[b]=2", "a[]=1&a[k]=2"); the same scalar twice ("a=1&a=2": which one
//   would be meant?); an index that skips positions ("items[1]" before "items[0]"); "[]" anywhere
//   but last; unbalanced brackets or an empty name; more than 32 levels of brackets.
// Errors are a human-readable message naming what is wrong, suitable for a 400 body.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"

namespace refundd::http {

Result<boost::json::value, std::string> DecodeJson(std::string_view body);
Result<boost::json::value, std::string> DecodeForm(std::string_view body);
// Picks the decoder from the Content-Type header (media type compared case-insensitively,
// parameters such as "; charset=utf-8" ignored); without one, JSON when the body starts with '{'
// after whitespace, else form. An empty (or all-whitespace) body decodes to an empty object,
// whatever the content type. An unsupported content type is an error naming it.
Result<boost::json::value, std::string> DecodeBody(const Request& request);
// Query strings use the form decoder.
Result<boost::json::value, std::string> DecodeQuery(std::string_view query);

// The decimal text of a JSON number as the client wrote it (for values accepted by DecodeJson):
// integers print exactly, doubles print as the shortest fixed-notation text that round-trips
// ("10.005", "0.1", "100.5"). Returns "" when `v` is not a number.
std::string DecimalText(const boost::json::value& v);

}  // namespace refundd::http
