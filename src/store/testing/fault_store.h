#pragma once
// FaultStore: the in-memory store (store/memory/memory_store.h) with faults on demand, for tests
// and the seeded simulator (db/fault_injection_test.cc in LevelDB is the model).
//
// Making one:
//
//   std::shared_ptr<memory::MemoryDisk> disk = memory::NewDisk();
//   std::unique_ptr<memory::MemoryStore> inner = memory::MemoryStore::Open(disk);
//   faults::FaultStore store(*inner);  // a Store: hand it to the Engine, the worker, the tests
//
// Injecting a fault (each fires once, counting from the call; the next call re-arms it):
//
//   store.FailWrite(n);    // the n-th WriteTx write from now (1 = the next) answers kUnavailable;
//                          // the job sees the error and usually returns false (only it rolls back)
//   store.FailCommit(n);   // the n-th batch commit from now (batches of every kind: the store's
//                          // own claims too) fails: every job of that batch gets
//                          // done(false) and nothing it wrote exists; later batches go on
//   store.FailFsync(n);    // the n-th batch's fdatasync fails: its jobs get done(false) (their
//                          // outcome is unknown: the writes stay, as pages the kernel may have
//                          // written), and the store is fenced: every later write gets done(false)
//                          // until a store is opened on the disk again (MemoryStore::Open)
//   store.SlowCommits(ms); // every commit takes `ms` longer (reads wait meanwhile); 0 = off
//   store.Clear();         // disarms every fault
//
// Writes are the WriteTx calls that change something (inserts, updates, puts, deletes) made by
// jobs submitted through this FaultStore; the store's own claims and administrative writes are
// not counted, but they do fail once the store is fenced.
//
// Thread-safety: every method is thread-safe; faults may be armed while writes run. `inner` must
// outlive the FaultStore, and the FaultStore must outlive every write submitted through it.

#include <cstdint>
#include <mutex>
#include <optional>

#include "store/memory/memory_store.h"
#include "store/store_wrapper.h"

namespace refundd::store::faults {

class FaultStore final : public StoreWrapper {
 public:
  explicit FaultStore(memory::MemoryStore& inner);
  ~FaultStore() override;

  void FailWrite(int64_t n = 1);
  void FailCommit(int64_t n = 1);
  void FailFsync(int64_t n = 1);
  void SlowCommits(int64_t delay_ms);
  void Clear();

  bool fenced() const { return inner_.fenced(); }
  // Counts since construction: WriteTx writes seen, batches that reached their commit (every
  // batch of the inner store, its own claims and administrative writes too).
  int64_t writes() const;
  int64_t commits() const;

  void Submit(WriteJob job) override;

  // The error of the write just made, when it is the one armed (FaultTx calls it).
  std::optional<StoreError> OnWrite();

 private:
  memory::CommitOutcome OnCommit();

  memory::MemoryStore& inner_;
  mutable std::mutex mu_;
  int64_t writes_ = 0;
  int64_t commits_ = 0;
  int64_t fail_write_at_ = 0;   // 0: none armed
  int64_t fail_commit_at_ = 0;
  int64_t fail_fsync_at_ = 0;
  int64_t slow_commit_ms_ = 0;
};

}  // namespace refundd::store::faults
