#pragma once
// A SQLite VFS for the store's one write connection: SQLite's default VFS, except that the frames
// a transaction appends to the WAL are gathered in memory and written with one pwrite, instead of
// two write(2) calls per page (a frame header, then the page). On this machine a write(2) costs a
// few microseconds of kernel time, and a batch of refunds appends a few hundred frames.
//
// When the gathered frames reach the file (nothing else changes: same bytes, same offsets):
//  - right after the page of a commit frame (a frame whose header carries the database size), so a
//    failed write fails that COMMIT, before SQLite publishes the frames to readers;
//  - before anything that looks at the file (a read overlapping the buffer, size, truncate, sync,
//    close) and before a write that is not next to the buffer;
//  - before the connection releases any WAL-index lock or publishes a WAL-index header (shared-
//    memory unlock and barrier), so no other connection or process ever sees the WAL without them.
// A failed write (a full disk: SQLITE_FULL) fails that transaction: after it, the file answers
// every call with SQLITE_IOERR (frames SQLite believes written may not be), so the transaction
// cannot commit, until the connection releases the WAL's write lock, i.e. the transaction is
// over and SQLite has dropped its frames (they lie past the last commit, where the next
// transaction writes its own). The next transaction then tries the disk again.
//
// Only files opened as a main database or a WAL through this VFS are wrapped; journals and temp
// files are SQLite's own. Other connections and processes keep using the default VFS: the file
// format and locking are unchanged.
#include <cstdint>
#include <string>

namespace refundd::store::sqlite {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on first use; nullptr if it
// could not be registered, in which case callers open with the default VFS.
const char* WalBufferVfsName();

// Process-wide counters, for tests and benchmarks.
struct WalBufferCounters {
  uint64_t writes_gathered = 0;  // xWrite calls on WAL files
  uint64_t writes_issued = 0;    // writes the buffered WAL files made to the real file
};
WalBufferCounters WalBufferStats();

// Test-only fault injection, process-wide. Each call replaces the previous faults.
struct WalFaults {
  int write_failures = 0;  // the next this many writes of gathered frames fail (SQLITE_FULL)
  int sync_failures = 0;   // the next this many SyncWal() calls fail (EIO)
  // While a file exists at this path, every SyncWal() fails (EIO); "" for none. Read once per
  // call, for an integration test that starts the real binary (see app/main.cc).
  std::string sync_failure_file;
};
void SetWalFaultsForTesting(const WalFaults& faults);

// fdatasync(fd) of the WAL file, for the store's syncer; fails as SetWalFaultsForTesting asked
// (-1 with errno EIO).
int SyncWal(int fd);

}  // namespace refundd::store::sqlite
