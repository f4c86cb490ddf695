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
// After a failed write the file answers every later call with SQLITE_IOERR: what is on disk is no
// longer known, and the store then refuses writes, as it does when an fsync fails.
//
// Only files opened as a main database or a WAL through this VFS are wrapped; journals and temp
// files are SQLite's own. Other connections and processes keep using the default VFS: the file
// format and locking are unchanged.
#include <cstdint>

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

}  // namespace refundd::store::sqlite
