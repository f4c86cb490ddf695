#pragma once
// Random (version 4) UUIDs in lower-case text, for the dialects whose ids are UUIDs (UTGL) and
// for Rapyd's operation_id. Thread-safe.

#include <string>
#include <string_view>

namespace refundd::dialects::common {

// "fb1022e5-50d8-4ff8-bfd9-7df68e4541c2"
std::string RandomUuid();
// Whether `text` is a UUID in 8-4-4-4-12 hex form (any case, any version).
bool IsUuid(std::string_view text);

}  // namespace refundd::dialects::common
