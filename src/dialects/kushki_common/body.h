#pragma once
// Decoding a Kushki request body, with Kushki's K001 for anything wrong. Pure and thread-safe.
//
// Kushki bodies are JSON. Terminals send coordinates with more digits than a double keeps
// (the seed's "latitude": -0.22480833333333333), which http::DecodeJson refuses so that no
// amount is ever rounded. Here such a number (plain decimal, more than 15 significant digits) is
// kept as a JSON string holding its exact text: stored as given, and refused where an amount is
// expected (no valid amount has that many digits).

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "dialects/common/fields.h"
#include "dialects/kushki_common/errors.h"
#include "http/message.h"

namespace refundd::dialects::kushki {

// The body as a JSON object: empty -> {}; otherwise it must be a JSON object, whatever the
// Content-Type says (curl's -d sends form's type with JSON in it). Anything else is K001.
Parsed<boost::json::value> DecodeBody(const http::Request& request);

// `json` with every valid plain-decimal number token of more than 15 significant digits turned
// into a string of the same text. Other text is left alone for the JSON decoder to judge.
std::string QuoteLongNumbers(std::string_view json);

// A field problem (from common::Fields) as K001 naming the field.
KError BadField(const common::FieldError& error);
KError BadField(std::string_view field, std::string_view what);
inline KError ToKError(const common::FieldError& error) { return BadField(error); }

// In a function returning Parsed<>: returns the error of a Parsed<> or of a FieldResult<> (as
// K001). For the Kushki translators.
#define RETURN_IF_ERROR(parsed) \
  if (!(parsed).ok()) return Err(kushki::ToKError((parsed).error()))

}  // namespace refundd::dialects::kushki
