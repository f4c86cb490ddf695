// Both backends' migration sets move in lockstep: the same versions, the same names, in order,
// with no gaps, so `schema_migrations` means the same thing on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include "store/migrations.h"

namespace refundd::store {
namespace {

TEST(Migrations, BothBackendsHaveTheSameVersionsAndNames) {
  const auto& sqlite = Migrations();
  const auto& postgres = PostgresMigrations();
  ASSERT_FALSE(sqlite.empty());
  ASSERT_EQ(sqlite.size(), postgres.size())
      << "a migration was added for one backend only (src/store/migrations/ and its postgres/)";
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, postgres[i].version) << i;
    EXPECT_EQ(sqlite[i].name, postgres[i].name) << i;
  }
}

TEST(Migrations, VersionsAscendAndEachHasSql) {
  for (const auto* set : {&Migrations(), &PostgresMigrations()}) {
    for (std::size_t i = 0; i < set->size(); ++i) {
      if (i > 0) {
        EXPECT_GT((*set)[i].version, (*set)[i - 1].version) << (*set)[i].name;
      }
      EXPECT_FALSE((*set)[i].sql.empty()) << (*set)[i].name;
    }
  }
}

}  // namespace
}  // namespace refundd::store
