#pragma once
// The numbered schema migrations, embedded at build time. Every backend applies its set in order,
// each once, recording the version it reached in schema_migrations.
//
// SQLite's set is src/store/migrations/NNNN_name.sql; PostgreSQL's is
// src/store/migrations/postgres/NNNN_name.sql, with the same numbers and names (a test checks it):
// a migration is one change of the schema, written once per SQL dialect.

#include <string_view>
#include <vector>

namespace refundd::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// SQLite's migrations, in ascending version order.
const std::vector<Migration>& Migrations();
// PostgreSQL's migrations, in ascending version order.
const std::vector<Migration>& PostgresMigrations();

}  // namespace refundd::store
