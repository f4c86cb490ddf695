#pragma once
// The numbered schema migrations (src/store/migrations/NNNN_name.sql), embedded at build time.
// Every backend applies them in order, each once, recording the version it reached.

#include <string_view>
#include <vector>

namespace refundd::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// In ascending version order.
const std::vector<Migration>& Migrations();

}  // namespace refundd::store
