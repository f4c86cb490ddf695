#pragma once
// The Engine sequences I/O for every dialect: it authenticates credentials (cached in memory),
// and executes commands (service/command.h) once per idempotency key through the store's
// group-commit writer. It knows no dialect and no wire format: it hands back Outcomes, and each
// dialect renders its own answer from them (src/dialects/common/kit.h).
//
// Thread-safe. Submission::done is invoked from the store's threads (after the commit) or from the
// calling thread (in flight); it must only post work elsewhere.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "base/clock.h"
#include "core/merchant.h"
#include "service/command.h"
#include "service/reads.h"
#include "store/store.h"

namespace refundd::service {

class Lifecycle;  // service/lifecycle.h

struct EngineOptions {
  int64_t idempotency_ttl_ms = 24LL * 3600 * 1000;
  // When set (it must outlive the Engine), every write runs under a LifecycleTx: refunds get the
  // processor's answer and every refund change its outbox events, in the write's transaction.
  const Lifecycle* lifecycle = nullptr;
};

// Why a submitted command has no Outcome.
enum class WriteFailure {
  kInFlight,     // the same key's first request is still queued or running
  kKeyMismatch,  // the key was used for a different request
  kUnavailable,  // the store failed: nothing was written
  kRetry,        // a minted alias was taken: translate the request again (fresh ids) and resubmit
};
using WriteResult = Result<Outcome, WriteFailure>;

// An answer an earlier version of refundd stored for a key, as bytes: a replay sends them as is.
struct StoredAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
};

struct Submission {
  Command command;
  // The key as the client sent it ("" for none). Records are scoped by (merchant, dialect, key)
  // here and nowhere else.
  std::string idempotency_key;
  std::string fingerprint;  // RequestFingerprint() of the request (used with a key)
  // Called exactly once, from the store's threads or the caller's: keep it short (post elsewhere).
  // A replay's Outcome has `replayed` set; an answer stored by an earlier version comes as
  // `stored` (with an empty Outcome).
  std::function<void(const WriteResult& result, const StoredAnswer* stored)> done;
};

// The stored key for (dialect, key): "<dialect>:<key>".
std::string ScopedIdempotencyKey(std::string_view dialect, std::string_view key);

class Engine {
 public:
  Engine(store::Store& store, const Clock& clock, EngineOptions options);

  // The credential for (dialect, lookup), or nullopt. Positive answers are cached for the life
  // of the process (credentials are only ever added); misses go to the store each time.
  std::optional<core::Credential> Authenticate(const std::string& dialect,
                                               const std::string& lookup);

  // Executes `submission.command` once per idempotency key, in the writer's group commit: the
  // first time through Execute (service/execute.h); again with the same request, the stored
  // Outcome (replayed = true); with a different request, kKeyMismatch; while the first is still
  // queued or running, kInFlight. done() runs after the commit is durable.
  void Submit(Submission submission);

  store::Store& store() { return store_; }
  Reads& reads() { return reads_; }
  const Clock& clock() const { return clock_; }
  const EngineOptions& options() const { return options_; }

 private:
  store::Store& store_;
  const Clock& clock_;
  const EngineOptions options_;
  Reads reads_;

  std::shared_mutex credentials_mu_;
  std::unordered_map<std::string, core::Credential> credentials_;  // dialect + '\n' + lookup

  std::mutex in_flight_mu_;
  std::unordered_set<std::string> in_flight_;  // merchant_id + '\n' + idempotency key
};

}  // namespace refundd::service
