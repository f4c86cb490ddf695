#include "service/engine.h"

#include <cstdio>
#include <memory>

#include "service/execute.h"
#include "service/lifecycle.h"

namespace refundd::service {

Engine::Engine(store::Store& store, const Clock& clock, EngineOptions options)
    : store_(store), clock_(clock), options_(options), reads_(store) {}

std::optional<core::Credential> Engine::Authenticate(const std::string& dialect,
                                                     const std::string& lookup) {
  std::string cache_key = dialect + '\n' + lookup;
  {
    std::shared_lock lock(credentials_mu_);
    auto it = credentials_.find(cache_key);
    if (it != credentials_.end()) return it->second;
  }
  auto found = store_.FindCredential(dialect, lookup);
  if (!found.ok() || !found.value()) return std::nullopt;
  std::unique_lock lock(credentials_mu_);
  credentials_.emplace(cache_key, *found.value());
  return *found.value();
}

}  // namespace refundd::service

namespace refundd::service {

std::string ScopedIdempotencyKey(std::string_view dialect, std::string_view key) {
  std::string scoped(dialect);
  scoped.push_back(':');
  scoped.append(key);
  return scoped;
}

namespace {

// The content type that marks an idempotency record holding an encoded Outcome (records written
// by earlier versions hold the answer's bytes and its real content type).
constexpr std::string_view kOutcomeRecord = "application/x-refundd-outcome";
// Such a record's status column: not an HTTP status (the answer is rendered from the Outcome);
// never 0, which the PostgreSQL store uses for a claim not yet answered.
constexpr int kOutcomeStatus = 1;

struct Submitted {
  Submission s;
  std::string key;  // scoped; "" without one
  std::optional<WriteResult> result;
  std::optional<StoredAnswer> stored;
  std::string in_flight_key;
};

}  // namespace

void Engine::Submit(Submission submission) {
  CHECK(submission.done);
  auto job_state = std::make_shared<Submitted>();
  Submitted& st = *job_state;
  if (!submission.idempotency_key.empty()) {
    st.key = ScopedIdempotencyKey(submission.command.dialect, submission.idempotency_key);
    st.in_flight_key = submission.command.merchant_id + '\n' + st.key;
    std::lock_guard lock(in_flight_mu_);
    if (!in_flight_.insert(st.in_flight_key).second) {
      submission.done(Err(WriteFailure::kInFlight), nullptr);
      return;
    }
  }
  st.s = std::move(submission);

  store::WriteJob job;
  job.apply = [this, job_state](store::WriteTx& tx) -> bool {
    Submitted& run = *job_state;
    const Command& c = run.s.command;
    const int64_t now_ms = c.now_ms.value_or(clock_.NowMs());
    run.result.reset();  // apply() may run again after a rollback (store.h)
    run.stored.reset();
    if (!run.key.empty()) {
      // Claimed, not just loaded: another node using the same key waits for this transaction.
      auto existing = tx.ClaimIdempotency(c.merchant_id, run.key, clock_.NowMs());
      if (!existing.ok()) return false;
      switch (core::DecideIdempotency(existing.value(), run.s.fingerprint, clock_.NowMs(),
                                      options_.idempotency_ttl_ms)) {
        case core::IdempotencyDecision::kReplay: {
          const core::IdempotencyRecord& r = *existing.value();
          if (r.content_type != kOutcomeRecord) {
            run.stored = StoredAnswer{r.status, r.content_type, r.body};
            run.result = WriteResult(Outcome{});
            return true;
          }
          std::optional<Outcome> replayed = DecodeOutcome(r.body);
          if (!replayed) {
            std::fprintf(stderr,
                         "refundd: idempotency record %s of merchant %s does not decode; "
                         "answering unavailable\n",
                         run.key.c_str(), c.merchant_id.c_str());
            return false;
          }
          replayed->replayed = true;
          run.result = WriteResult(std::move(*replayed));
          return true;
        }
        case core::IdempotencyDecision::kMismatch:
          run.result = WriteResult(Err(WriteFailure::kKeyMismatch));
          return true;
        case core::IdempotencyDecision::kExecute:
          break;
      }
    }
    std::optional<LifecycleTx> lifecycle_tx;
    if (options_.lifecycle) lifecycle_tx.emplace(tx, *options_.lifecycle);
    store::WriteTx& run_tx = lifecycle_tx ? static_cast<store::WriteTx&>(*lifecycle_tx) : tx;
    auto executed = Execute(run_tx, c, now_ms, lifecycle_tx ? &*lifecycle_tx : nullptr);
    if (!executed.ok()) {
      if (executed.error() == ExecError::kRetry) run.result = WriteResult(Err(WriteFailure::kRetry));
      return false;
    }
    if (lifecycle_tx && !lifecycle_tx->Flush(now_ms).ok()) return false;
    if (!run.key.empty()) {
      core::IdempotencyRecord record{c.merchant_id,
                                     run.key,
                                     run.s.fingerprint,
                                     kOutcomeStatus,
                                     std::string(kOutcomeRecord),
                                     EncodeOutcome(executed.value()),
                                     clock_.NowMs()};
      if (!tx.PutIdempotency(record).ok()) return false;
    }
    run.result = std::move(executed).value();
    return true;
  };
  job.done = [this, job_state](bool committed) {
    Submitted& fin = *job_state;
    if (!fin.in_flight_key.empty()) {
      std::lock_guard lock(in_flight_mu_);
      in_flight_.erase(fin.in_flight_key);
    }
    if (!committed || !fin.result) {
      fin.s.done(Err(WriteFailure::kUnavailable), nullptr);
      return;
    }
    fin.s.done(std::move(*fin.result), fin.stored ? &*fin.stored : nullptr);
  };
  job.claim_merchant_id = st.s.command.merchant_id;
  job.claim_key = st.key;
  std::string lock = LockHint(st.s.command);
  if (!lock.empty()) {
    job.lock_merchant_id = st.s.command.merchant_id;
    job.lock_payment_id = std::move(lock);
  }
  store_.Submit(std::move(job));
}

}  // namespace refundd::service
