// The SQLite write path: one writer thread takes every job waiting (up to kMaxBatch), runs them
// in one transaction and commits; a syncer thread fdatasyncs the WAL and only then answers the
// jobs it covers; a checkpointer copies the WAL back into the database file on a connection of
// its own. Open, the reads and the administrative writes are in sqlite_store.cc.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/thread_name.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_tx.h"
#include "store/sqlite/wal_buffer_vfs.h"

namespace refundd::store::sqlite {

void SqliteStore::Submit(WriteJob job) {
  {
    std::lock_guard lock(queue_mu_);
    if (!closing_) {
      queue_.push_back(std::move(job));
      queue_cv_.notify_one();
      return;
    }
  }
  job.done(false);
}

// Switches the write connection to synchronous=NORMAL and opens the WAL file for the syncer.
// The directory is synced once, so that the WAL file's own entry is durable too. On any failure
// the writer stays at synchronous=FULL and answers after its own commits.
void SqliteStore::OpenWalForSync() {
  const std::string wal_path = path_ + "-wal";
  int fd = ::open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const std::size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string(".")
                          : slash == 0               ? std::string("/")
                                                     : path_.substr(0, slash);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool ok = dir_fd >= 0 && ::fsync(dir_fd) == 0 && ::fdatasync(fd) == 0 &&
            writer_db_->Exec("PRAGMA synchronous=NORMAL").ok();
  if (dir_fd >= 0) ::close(dir_fd);
  if (!ok) {
    ::close(fd);
    (void)writer_db_->Exec("PRAGMA synchronous=FULL");
    return;
  }
  wal_fd_ = fd;
  syncer_ = std::thread([this] { SyncLoop(); });
}

void SqliteStore::WriterLoop() {
  NameThisThread("sqlite-writer");
  std::vector<WriteJob> batch;
  batch.reserve(kMaxBatch);
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing and drained
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    AfterCommit(batch, RunBatch(batch));
    batch.clear();
    RestartWalIfLong();
  }
}

// SQLite starts the WAL from the beginning only when a write transaction begins with every frame
// checkpointed and no reader on it. The checkpointer's passes never get there while the writer
// keeps appending, so under sustained load the WAL would grow without bound (2 GB in 10 s of the
// refund benchmark, which then fell from 13,000 to 10,000 refunds/s as every write extended the
// file). So once the WAL is past kWalRestartFrames, the writer, between two batches, checkpoints
// what little the checkpointer has left and waits for readers to leave the WAL (RESTART), and its
// next transaction starts the WAL over. SQLite answers SQLITE_BUSY at once, without waiting, to a
// checkpoint while another runs, so the two threads take turns on checkpoint_mu_: the writer
// skips its turn while the checkpointer is in a pass (the next batch tries again), unless the WAL
// is past kWalLimitFrames (the writer outruns the checkpointer), when it waits for the pass.
void SqliteStore::RestartWalIfLong() {
  if (wal_frames_ < kWalRestartFrames) return;
  {
    std::lock_guard lock(queue_mu_);
    if (!writes_refused_.empty()) return;  // nothing more is copied out of the WAL
  }
  std::unique_lock pass(checkpoint_mu_, std::defer_lock);
  if (wal_frames_ < kWalLimitFrames) {
    if (!pass.try_lock()) return;
  } else {
    pass.lock();
  }
  (void)sqlite3_wal_checkpoint_v2(writer_db_->raw(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr,
                                  nullptr);
}

bool SqliteStore::RunBatch(std::vector<WriteJob>& batch) {
  Db& db = *writer_db_;
  {
    std::lock_guard lock(queue_mu_);
    if (!writes_refused_.empty()) return false;  // WritesRefused(): refuse every write
  }
  auto exec = [&db](const char* sql) { return db.Prepare(sql).Exec().ok(); };
  if (!exec("BEGIN IMMEDIATE")) return false;
  // First without a savepoint per job: a savepoint keeps a copy of every page its job changes,
  // ~10% of the writer's time. Jobs fail only on store errors; when one does, the transaction is
  // rolled back and the batch runs again with each job in its own savepoint, so the failed job
  // rolls back alone (apply() may run more than once: store.h).
  bool all_applied = true;
  {
    SqliteWriteTx tx(db);
    for (auto& job : batch) {
      if (!job.apply(tx)) {
        all_applied = false;
        break;
      }
    }
  }
  if (!all_applied) {
    (void)db.Exec("ROLLBACK");  // may fail: some errors end the transaction themselves
    if (!exec("BEGIN IMMEDIATE")) return false;
    SqliteWriteTx tx(db);
    for (auto& job : batch) {
      bool ok = exec("SAVEPOINT job");
      ok = ok && job.apply(tx);
      if (!ok) (void)exec("ROLLBACK TO job");
      (void)exec("RELEASE job");
    }
  }
  bool committed = exec("COMMIT");
  if (!committed) {
    // A full disk, most likely. The batch is undone (nothing of it exists) and the next one tries
    // again; said once, until a batch commits again.
    if (!commits_failing_) {
      std::fprintf(stderr,
                   "refundd: a write to %s failed (%s); its requests were answered 503 and nothing "
                   "of them was stored. Each new write tries again: free space on the disk if it "
                   "is full\n",
                   path_.c_str(), sqlite3_errmsg(db.raw()));
    }
    commits_failing_ = true;
    (void)db.Exec("ROLLBACK");
  } else if (commits_failing_) {
    commits_failing_ = false;
    std::fprintf(stderr, "refundd: writes to %s succeed again\n", path_.c_str());
  }
  {
    std::lock_guard lock(queue_mu_);
    commits_since_checkpoint_ += 1;
  }
  checkpoint_cv_.notify_one();
  return committed;
}

void SqliteStore::AfterCommit(std::vector<WriteJob>& batch, bool committed) {
  if (committed && wal_fd_ >= 0) {
    {
      std::lock_guard lock(queue_mu_);
      for (auto& job : batch) unsynced_.push_back(std::move(job.done));
    }
    sync_cv_.notify_one();
    return;
  }
  for (auto& job : batch) job.done(committed);
}

// One fdatasync of the WAL answers every job committed before it began. A failed fdatasync
// leaves the kernel's state of the file unknown (its dirty pages may be dropped), so the store
// answers those jobs as failed and refuses every later write, as PostgreSQL does; jobs committed
// after it are answered as failed too, even when a later fdatasync succeeds (their frames chain
// from frames that may be lost, so recovery would drop them).
void SqliteStore::SyncLoop() {
  NameThisThread("sqlite-syncer");
  std::vector<std::function<void(bool)>> answering;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      sync_cv_.wait(lock, [&] { return writer_stopped_ || !unsynced_.empty(); });
      if (unsynced_.empty()) return;  // the writer stopped and everything is answered
      answering.swap(unsynced_);
    }
    bool synced = SyncWal(wal_fd_) == 0;
    if (!synced) {
      const std::string why = std::strerror(errno);
      std::lock_guard lock(queue_mu_);
      if (writes_refused_.empty()) {
        writes_refused_ = "fdatasync of " + path_ + "-wal failed (" + why +
                          "): the last writes may not be on disk, so every write is refused; "
                          "check the disk, then restart refundd";
        std::fprintf(stderr,
                     "refundd: fdatasync of %s-wal failed (%s): the last writes may not be on "
                     "disk, so refundd now refuses every write (503) and /healthz answers 503; "
                     "reads go on. Check the disk, then restart refundd: it recovers from what is "
                     "on disk\n",
                     path_.c_str(), why.c_str());
      }
    } else {
      std::lock_guard lock(queue_mu_);
      synced = writes_refused_.empty();
    }
    for (auto& done : answering) done(synced);
    answering.clear();
  }
}

// Checkpoints copy the WAL back into the database file. Done here, on a connection of its own,
// so that the writer never pays for them inside a commit (wal_autocheckpoint is off for it). A
// pass follows every kCommitsPerCheckpoint commits: small passes keep each fsync of the database
// file short, and a long one delays the syncer's fsyncs of the WAL behind it (measured over 20 s
// of the refund benchmark: p99 10-11 ms with a pass per 8 commits, 23-28 ms per 64; a pass per
// commit costs the checkpointer ~25 us of CPU per refund on a 2-core machine).
void SqliteStore::CheckpointLoop() {
  NameThisThread("sqlite-ckpt");
  auto db = Db::Open(path_, Db::Wal::kGathered);
  if (!db.ok()) return;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      // An idle store still checkpoints its last few commits within 200 ms.
      checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] {
        return closing_ || commits_since_checkpoint_ >= kCommitsPerCheckpoint;
      });
      if (closing_) return;
      if (commits_since_checkpoint_ == 0 || !writes_refused_.empty()) continue;
      commits_since_checkpoint_ = 0;
    }
    std::lock_guard pass(checkpoint_mu_);
    sqlite3_wal_checkpoint_v2(db.value()->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
  }
}

}  // namespace refundd::store::sqlite
