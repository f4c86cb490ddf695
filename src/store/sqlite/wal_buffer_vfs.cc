#include "store/sqlite/wal_buffer_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace refundd::store::sqlite {
namespace {

constexpr std::size_t kMaxGathered = std::size_t{8} << 20;  // written out at 8 MiB regardless
constexpr sqlite3_int64 kWalHeaderSize = 32;                // the WAL file's own header
constexpr int kFrameHeaderSize = 24;                        // before each page
constexpr std::size_t kWriteOutPiece = std::size_t{64} << 10;
constexpr sqlite3_int64 kWritebackEvery = sqlite3_int64{1} << 20;

std::atomic<uint64_t> g_gathered{0};
std::atomic<uint64_t> g_issued{0};

// SetWalFaultsForTesting. g_fault_file is read only while g_have_fault_file.
std::atomic<int> g_write_failures{0};
std::atomic<int> g_sync_failures{0};
std::atomic<bool> g_have_fault_file{false};
std::mutex g_fault_file_mu;
std::string g_fault_file;

// Takes one injected failure from `counter`, if any is left.
bool TakeInjected(std::atomic<int>& counter) {
  int left = counter.load(std::memory_order_relaxed);
  while (left > 0) {
    if (counter.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

// The WAL-index lock that a connection holds for the whole of a write transaction (wal.c's
// WAL_WRITE_LOCK).
constexpr int kWalWriteLock = 0;

struct WalFile;

// A main database file: everything goes to the real file; shared-memory unlocks and barriers
// first write out the WAL frames its connection gathered.
struct DbFile {
  sqlite3_file base;
  sqlite3_file* real;
  const char* name;  // as SQLite opened it: the WAL's sqlite3_filename_database() points here
  WalFile* wal;      // this connection's WAL, while open
  int writeback_fd;  // the same file, for sync_file_range; -1 if it could not be opened
  sqlite3_int64 unflushed;  // bytes written since writeback was last started
};

struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  DbFile* db;
  std::string* gathered;  // the bytes of [start, start + size) not yet written
  sqlite3_int64 start;
  bool write_out_after_next;  // a commit frame's header was just gathered: its page follows
  bool broken;                // a write failed: every later call fails
};

constexpr std::size_t kHeadSize = (std::max(sizeof(DbFile), sizeof(WalFile)) + 7) & ~std::size_t{7};

sqlite3_file* RealPart(sqlite3_file* f) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kHeadSize);
}

std::mutex g_dbs_mu;
std::vector<DbFile*> g_dbs;  // open main databases, for their WAL to find

int WriteOut(WalFile* w) {
  if (w->broken) return SQLITE_IOERR_WRITE;
  w->write_out_after_next = false;
  if (w->gathered->empty()) return SQLITE_OK;
  int rc = TakeInjected(g_write_failures) ? SQLITE_FULL : SQLITE_OK;
  // In pieces: the default VFS writes at most 128 KiB - 1 bytes per call.
  for (std::size_t at = 0; at < w->gathered->size() && rc == SQLITE_OK; at += kWriteOutPiece) {
    const std::size_t n = std::min(kWriteOutPiece, w->gathered->size() - at);
    g_issued.fetch_add(1, std::memory_order_relaxed);
    rc = w->real->pMethods->xWrite(w->real, w->gathered->data() + at, static_cast<int>(n),
                                   w->start + static_cast<sqlite3_int64>(at));
  }
  w->gathered->clear();  // keeps its capacity for the next transaction
  if (rc != SQLITE_OK) w->broken = true;
  return rc;
}

bool Overlaps(const WalFile* w, sqlite3_int64 off, sqlite3_int64 amt) {
  const auto size = static_cast<sqlite3_int64>(w->gathered->size());
  return size > 0 && off < w->start + size && off + amt > w->start;
}

// A frame header's bytes 4..7 hold, for a commit frame, the database size in pages (big-endian),
// and zero for every other frame.
bool IsCommitFrameHeader(const void* data, int amt, sqlite3_int64 off) {
  if (amt != kFrameHeaderSize || off < kWalHeaderSize) return false;
  const auto* p = static_cast<const unsigned char*>(data);
  return (p[4] | p[5] | p[6] | p[7]) != 0;
}

// ---- WAL files ----

WalFile* AsWal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }

int WalClose(sqlite3_file* f) {
  WalFile* w = AsWal(f);
  (void)WriteOut(w);
  {
    std::lock_guard lock(g_dbs_mu);
    if (w->db && w->db->wal == w) w->db->wal = nullptr;
  }
  int rc = w->real->pMethods ? w->real->pMethods->xClose(w->real) : SQLITE_OK;
  delete w->gathered;
  w->~WalFile();
  return rc;
}

int WalRead(sqlite3_file* f, void* out, int amt, sqlite3_int64 off) {
  WalFile* w = AsWal(f);
  if (w->broken) return SQLITE_IOERR_READ;
  if (Overlaps(w, off, amt)) {
    int rc = WriteOut(w);
    if (rc != SQLITE_OK) return rc;
  }
  return w->real->pMethods->xRead(w->real, out, amt, off);
}

int WalWrite(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
  WalFile* w = AsWal(f);
  if (w->broken) return SQLITE_IOERR_WRITE;
  g_gathered.fetch_add(1, std::memory_order_relaxed);
  std::string& g = *w->gathered;
  const sqlite3_int64 end = w->start + static_cast<sqlite3_int64>(g.size());
  if (g.empty() || off < w->start || off > end) {  // not next to (or inside) what is gathered
    int rc = WriteOut(w);
    if (rc != SQLITE_OK) return rc;
    w->start = off;
  }
  const auto at = static_cast<std::size_t>(off - w->start);
  const auto n = static_cast<std::size_t>(amt);
  const auto* bytes = static_cast<const char*>(data);
  if (at == g.size()) {  // the usual case: the next frame
    g.append(bytes, n);
  } else {  // a frame of this transaction written again, maybe past the end
    const std::size_t inside = std::min(n, g.size() - at);
    std::memcpy(g.data() + at, bytes, inside);
    g.append(bytes + inside, n - inside);
  }
  if (w->write_out_after_next || g.size() >= kMaxGathered) {
    int rc = WriteOut(w);
    if (rc != SQLITE_OK) return rc;
  }
  if (IsCommitFrameHeader(data, amt, off)) w->write_out_after_next = true;
  return SQLITE_OK;
}

int WalTruncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = AsWal(f);
  int rc = WriteOut(w);
  return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

int WalSync(sqlite3_file* f, int flags) {
  WalFile* w = AsWal(f);
  int rc = WriteOut(w);
  return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

int WalFileSize(sqlite3_file* f, sqlite3_int64* size) {
  WalFile* w = AsWal(f);
  int rc = WriteOut(w);
  return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

int WalLock(sqlite3_file* f, int level) {
  return AsWal(f)->real->pMethods->xLock(AsWal(f)->real, level);
}
int WalUnlock(sqlite3_file* f, int level) {
  return AsWal(f)->real->pMethods->xUnlock(AsWal(f)->real, level);
}
int WalCheckReservedLock(sqlite3_file* f, int* out) {
  return AsWal(f)->real->pMethods->xCheckReservedLock(AsWal(f)->real, out);
}
int WalFileControl(sqlite3_file* f, int op, void* arg) {
  return AsWal(f)->real->pMethods->xFileControl(AsWal(f)->real, op, arg);
}
int WalSectorSize(sqlite3_file* f) { return AsWal(f)->real->pMethods->xSectorSize(AsWal(f)->real); }
int WalDeviceCharacteristics(sqlite3_file* f) {
  return AsWal(f)->real->pMethods->xDeviceCharacteristics(AsWal(f)->real);
}

const sqlite3_io_methods kWalMethods = {1,
                                        WalClose,
                                        WalRead,
                                        WalWrite,
                                        WalTruncate,
                                        WalSync,
                                        WalFileSize,
                                        WalLock,
                                        WalUnlock,
                                        WalCheckReservedLock,
                                        WalFileControl,
                                        WalSectorSize,
                                        WalDeviceCharacteristics,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr};

// ---- main database files ----

DbFile* AsDb(sqlite3_file* f) { return reinterpret_cast<DbFile*>(f); }
sqlite3_file* R(sqlite3_file* f) { return AsDb(f)->real; }

int DbClose(sqlite3_file* f) {
  DbFile* d = AsDb(f);
  {
    std::lock_guard lock(g_dbs_mu);
    g_dbs.erase(std::remove(g_dbs.begin(), g_dbs.end(), d), g_dbs.end());
    if (d->wal) d->wal->db = nullptr;
  }
  int rc = d->real->pMethods ? d->real->pMethods->xClose(d->real) : SQLITE_OK;
  if (d->writeback_fd >= 0) ::close(d->writeback_fd);
  d->~DbFile();
  return rc;
}
int DbRead(sqlite3_file* f, void* out, int amt, sqlite3_int64 off) {
  return R(f)->pMethods->xRead(R(f), out, amt, off);
}
// Checkpoints write pages here and fsync at their end. Starting the kernel's writeback every
// kWritebackEvery bytes keeps that fsync short; a long one holds up the syncer's fsyncs of the
// WAL, and with them every answer (PostgreSQL's checkpoint_flush_after does the same).
int DbWrite(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
  DbFile* d = AsDb(f);
  int rc = R(f)->pMethods->xWrite(R(f), data, amt, off);
  d->unflushed += amt;
  if (d->unflushed >= kWritebackEvery && d->writeback_fd >= 0) {
    d->unflushed = 0;
    (void)::sync_file_range(d->writeback_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  }
  return rc;
}
int DbTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return R(f)->pMethods->xTruncate(R(f), size);
}
int DbSync(sqlite3_file* f, int flags) { return R(f)->pMethods->xSync(R(f), flags); }
int DbFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return R(f)->pMethods->xFileSize(R(f), size);
}
int DbLock(sqlite3_file* f, int level) { return R(f)->pMethods->xLock(R(f), level); }
int DbUnlock(sqlite3_file* f, int level) { return R(f)->pMethods->xUnlock(R(f), level); }
int DbCheckReservedLock(sqlite3_file* f, int* out) {
  return R(f)->pMethods->xCheckReservedLock(R(f), out);
}
int DbFileControl(sqlite3_file* f, int op, void* arg) {
  return R(f)->pMethods->xFileControl(R(f), op, arg);
}
int DbSectorSize(sqlite3_file* f) { return R(f)->pMethods->xSectorSize(R(f)); }
int DbDeviceCharacteristics(sqlite3_file* f) {
  return R(f)->pMethods->xDeviceCharacteristics(R(f));
}
int DbShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return R(f)->pMethods->xShmMap(R(f), region, size, extend, out);
}
int DbShmLock(sqlite3_file* f, int offset, int n, int flags) {
  DbFile* d = AsDb(f);
  // Frames gathered under a lock reach the file before the lock is released. A failure marks the
  // WAL broken (its next call fails); the lock is released regardless.
  if ((flags & SQLITE_SHM_UNLOCK) && d->wal) {
    (void)WriteOut(d->wal);
    // The write transaction is over: SQLite has undone whatever a failed write belonged to, and
    // the next one writes its frames after the last commit again.
    if ((flags & SQLITE_SHM_EXCLUSIVE) && offset <= kWalWriteLock && kWalWriteLock < offset + n) {
      d->wal->broken = false;
    }
  }
  return R(f)->pMethods->xShmLock(R(f), offset, n, flags);
}
void DbShmBarrier(sqlite3_file* f) {
  DbFile* d = AsDb(f);
  if (d->wal) (void)WriteOut(d->wal);  // before a new WAL-index header becomes readable
  R(f)->pMethods->xShmBarrier(R(f));
}
int DbShmUnmap(sqlite3_file* f, int delete_flag) {
  return R(f)->pMethods->xShmUnmap(R(f), delete_flag);
}
int DbFetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** out) {
  return R(f)->pMethods->xFetch(R(f), off, amt, out);
}
int DbUnfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return R(f)->pMethods->xUnfetch(R(f), off, p);
}

const sqlite3_io_methods kDbMethods = {3,
                                       DbClose,
                                       DbRead,
                                       DbWrite,
                                       DbTruncate,
                                       DbSync,
                                       DbFileSize,
                                       DbLock,
                                       DbUnlock,
                                       DbCheckReservedLock,
                                       DbFileControl,
                                       DbSectorSize,
                                       DbDeviceCharacteristics,
                                       DbShmMap,
                                       DbShmLock,
                                       DbShmBarrier,
                                       DbShmUnmap,
                                       DbFetch,
                                       DbUnfetch};

// ---- the VFS ----

sqlite3_vfs* Base(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* base = Base(vfs);
  const bool main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  const bool wal = (flags & SQLITE_OPEN_WAL) != 0;
  if ((!main_db && !wal) || name == nullptr) return base->xOpen(base, name, f, flags, out_flags);
  sqlite3_file* real = RealPart(f);
  int rc = base->xOpen(base, name, real, flags, out_flags);
  if (rc != SQLITE_OK) {
    f->pMethods = nullptr;  // nothing for SQLite to close
    return rc;
  }
  if (main_db) {
    auto* d =
        new (f) DbFile{{&kDbMethods}, real, name, nullptr, ::open(name, O_RDONLY | O_CLOEXEC), 0};
    std::lock_guard lock(g_dbs_mu);
    g_dbs.push_back(d);
    return SQLITE_OK;
  }
  auto* w = new (f) WalFile{{&kWalMethods}, real, nullptr, new std::string, 0, false, false};
  const char* db_name = sqlite3_filename_database(name);
  std::lock_guard lock(g_dbs_mu);
  for (DbFile* d : g_dbs) {
    if (d->name == db_name && d->wal == nullptr) {
      d->wal = w;
      w->db = d;
      break;
    }
  }
  return SQLITE_OK;
}

int Delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  return Base(v)->xDelete(Base(v), name, sync_dir);
}
int Access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return Base(v)->xAccess(Base(v), name, flags, out);
}
int FullPathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return Base(v)->xFullPathname(Base(v), name, n, out);
}
void* DlOpen(sqlite3_vfs* v, const char* name) { return Base(v)->xDlOpen(Base(v), name); }
void DlError(sqlite3_vfs* v, int n, char* out) { Base(v)->xDlError(Base(v), n, out); }
void (*DlSym(sqlite3_vfs* v, void* h, const char* sym))(void) {
  return Base(v)->xDlSym(Base(v), h, sym);
}
void DlClose(sqlite3_vfs* v, void* h) { Base(v)->xDlClose(Base(v), h); }
int Randomness(sqlite3_vfs* v, int n, char* out) { return Base(v)->xRandomness(Base(v), n, out); }
int Sleep(sqlite3_vfs* v, int us) { return Base(v)->xSleep(Base(v), us); }
int CurrentTime(sqlite3_vfs* v, double* out) { return Base(v)->xCurrentTime(Base(v), out); }
int GetLastError(sqlite3_vfs* v, int n, char* out) {
  return Base(v)->xGetLastError(Base(v), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* out) {
  return Base(v)->xCurrentTimeInt64(Base(v), out);
}

}  // namespace

const char* WalBufferVfsName() {
  static const char* const name = []() -> const char* {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    if (base == nullptr || base->iVersion < 2 || base->xCurrentTimeInt64 == nullptr) return nullptr;
    static sqlite3_vfs vfs{};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(kHeadSize) + base->szOsFile;
    vfs.mxPathname = base->mxPathname;
    vfs.zName = "refundd-walbuf";
    vfs.pAppData = base;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    return sqlite3_vfs_register(&vfs, 0) == SQLITE_OK ? vfs.zName : nullptr;
  }();
  return name;
}

WalBufferCounters WalBufferStats() {
  return {g_gathered.load(std::memory_order_relaxed), g_issued.load(std::memory_order_relaxed)};
}

void SetWalFaultsForTesting(const WalFaults& faults) {
  g_write_failures.store(faults.write_failures, std::memory_order_relaxed);
  g_sync_failures.store(faults.sync_failures, std::memory_order_relaxed);
  std::lock_guard lock(g_fault_file_mu);
  g_fault_file = faults.sync_failure_file;
  g_have_fault_file.store(!g_fault_file.empty(), std::memory_order_release);
}

int SyncWal(int fd) {
  bool fail = TakeInjected(g_sync_failures);
  if (!fail && g_have_fault_file.load(std::memory_order_acquire)) {
    std::lock_guard lock(g_fault_file_mu);
    fail = ::access(g_fault_file.c_str(), F_OK) == 0;
  }
  if (fail) {
    errno = EIO;
    return -1;
  }
  return ::fdatasync(fd);
}

}  // namespace refundd::store::sqlite
