#pragma once
// Executes one Command (service/command.h) inside a write transaction: load, decide with the
// dialect's hooks and the core's rules, then write. Runs on the store's writer thread; renders
// nothing.

#include <cstdint>

#include "base/result.h"
#include "service/command.h"
#include "store/store.h"

namespace refundd::service {

class LifecycleTx;  // service/lifecycle.h

enum class ExecError {
  kStore,  // the store failed: roll this job back; the caller answers "unavailable"
  kRetry,  // a minted alias was taken: roll back, translate again with fresh ids
};

// The outcome of `command` at `now_ms` (a refusal is an Outcome: nothing was written). With
// `lifecycle` (the job's LifecycleTx, wrapping `tx`), new refunds get the processor's answer.
Result<Outcome, ExecError> Execute(store::WriteTx& tx, const Command& command, int64_t now_ms,
                                   LifecycleTx* lifecycle);

}  // namespace refundd::service
