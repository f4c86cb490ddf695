// The WAL-gathering VFS (store/sqlite/wal_buffer_vfs.h) changes how many writes reach the WAL,
// never what is in it: every committed transaction is in the file when COMMIT returns (a process
// that dies right after still has it), other connections on the default VFS read it, rollbacks of
// spilled and savepointed work leave nothing behind, WAL restarts work, and a write that fails
// fails the COMMIT that needed it and no later one.
#include "store/sqlite/wal_buffer_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <random>
#include <string>

namespace refundd::store::sqlite {
namespace {

class Conn {
 public:
  Conn(const std::string& path, const char* vfs) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
              SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=NORMAL");
  }
  ~Conn() { sqlite3_close_v2(db_); }
  int Try(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  void Exec(const std::string& sql) {
    ASSERT_EQ(Try(sql), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db_);
  }
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return v;
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    std::string v;
    if (sqlite3_step(s) == SQLITE_ROW) v = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

class WalBufferVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(WalBufferVfsName(), nullptr);
    dir_ = std::filesystem::temp_directory_path() /
           ("refundd-walbuf-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `rows` rows of ~600 bytes in one transaction, random keys so that index pages scatter.
  static void InsertRows(Conn& c, int rows, int first) {
    c.Exec("BEGIN IMMEDIATE");
    for (int i = first; i < first + rows; ++i) {
      c.Exec("INSERT INTO t (id, k, body) VALUES (" + std::to_string(i) + ", hex(randomblob(8)), " +
             "hex(randomblob(300)))");
    }
    c.Exec("COMMIT");
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(WalBufferVfsTest, CommitsAreReadableByDefaultVfsConnectionsWithFewWrites) {
  Conn writer(path_, WalBufferVfsName());
  writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, body TEXT NOT NULL)");
  writer.Exec("CREATE INDEX t_k ON t (k)");
  Conn reader(path_, nullptr);
  const WalBufferCounters before = WalBufferStats();
  for (int batch = 0; batch < 5; ++batch) {
    InsertRows(writer, 200, batch * 200);
    EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), (batch + 1) * 200);
  }
  const WalBufferCounters after = WalBufferStats();
  const uint64_t gathered = after.writes_gathered - before.writes_gathered;
  const uint64_t issued = after.writes_issued - before.writes_issued;
  EXPECT_GT(gathered, 200u);         // two per frame
  EXPECT_LT(issued * 10, gathered);  // pieces of 64 KiB, one run per commit
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalBufferVfsTest, ACommitIsInTheFileWhenCommitReturns) {
  {
    Conn setup(path_, nullptr);
    setup.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, body TEXT NOT NULL)");
  }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // commits, then dies without closing anything
    Conn writer(path_, WalBufferVfsName());
    InsertRows(writer, 300, 0);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  Conn reader(path_, nullptr);  // recovers the WAL the child left
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), 300);
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalBufferVfsTest, SpilledAndSavepointedWorkRolledBackLeavesNothing) {
  Conn writer(path_, WalBufferVfsName());
  writer.Exec("PRAGMA cache_size=10");  // a small cache spills frames before COMMIT
  writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, body TEXT NOT NULL)");
  writer.Exec("CREATE INDEX t_k ON t (k)");
  InsertRows(writer, 100, 0);
  Conn reader(path_, nullptr);

  writer.Exec("BEGIN IMMEDIATE");
  for (int i = 1000; i < 1400; ++i) {
    writer.Exec("INSERT INTO t VALUES (" + std::to_string(i) +
                ", hex(randomblob(8)), hex(randomblob(300)))");
  }
  writer.Exec("ROLLBACK");
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), 100);

  writer.Exec("BEGIN IMMEDIATE");
  for (int i = 2000; i < 2300; ++i) {
    writer.Exec("SAVEPOINT job");
    writer.Exec("INSERT INTO t VALUES (" + std::to_string(i) +
                ", hex(randomblob(8)), hex(randomblob(300)))");
    writer.Exec(i % 3 == 0 ? "ROLLBACK TO job" : "UPDATE t SET body = 'x' || body WHERE id = 5");
    writer.Exec("RELEASE job");
  }
  writer.Exec("COMMIT");
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), 100 + 200);
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t WHERE id >= 2000 AND id % 3 = 0"), 0);
  EXPECT_EQ(reader.Int("SELECT length(body) FROM t WHERE id = 5"), 600 + 200);
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalBufferVfsTest, TheWalRestartsAfterACheckpointByAnotherConnection) {
  Conn writer(path_, WalBufferVfsName());
  writer.Exec("PRAGMA wal_autocheckpoint=0");
  writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, body TEXT NOT NULL)");
  Conn other(path_, nullptr);
  for (int round = 0; round < 4; ++round) {
    InsertRows(writer, 150, round * 150);
    other.Exec("PRAGMA wal_checkpoint(PASSIVE)");  // the writer's next transaction restarts the WAL
  }
  EXPECT_EQ(other.Int("SELECT count(*) FROM t"), 600);
  other.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  InsertRows(writer, 10, 600);
  EXPECT_EQ(other.Int("SELECT count(*) FROM t"), 610);
  EXPECT_EQ(other.Text("PRAGMA integrity_check"), "ok");
}

// A file size limit makes the WAL writes of a large transaction fail with EFBIG, as a full disk
// makes them fail with ENOSPC: COMMIT fails, readers never see the transaction, and the next
// transaction, which fits, commits on the same connection (a failed write fences nothing).
TEST_F(WalBufferVfsTest, AFailedWriteFailsTheCommit) {
  {
    Conn setup(path_, nullptr);
    setup.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, body TEXT NOT NULL)");
    InsertRows(setup, 10, 0);
    setup.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit {
      256 * 1024, 256 * 1024
    };
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(10);
    Conn writer(path_, WalBufferVfsName());
    if (writer.Try("BEGIN IMMEDIATE") != SQLITE_OK) ::_exit(11);
    for (int i = 100; i < 1100; ++i) {  // ~600 KB of rows, well past the limit
      if (writer.Try("INSERT INTO t VALUES (" + std::to_string(i) +
                     ", hex(randomblob(8)), hex(randomblob(300)))") != SQLITE_OK) {
        ::_exit(12);  // the cache is large: nothing is written before COMMIT
      }
    }
    if (writer.Try("COMMIT") == SQLITE_OK) ::_exit(13);
    (void)writer.Try("ROLLBACK");
    ::_exit(writer.Try("INSERT INTO t VALUES (5000, 'k', 'b')") == SQLITE_OK ? 0 : 14);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  Conn reader(path_, nullptr);
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), 11);
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t WHERE id >= 100 AND id < 1100"), 0);
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t WHERE id = 5000"), 1);
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace refundd::store::sqlite
