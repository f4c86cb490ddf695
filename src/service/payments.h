#pragma once
// Use cases on payments, run inside a write transaction (see Engine::Write): load, decide with the
// core's rules, persist. Each returns the payment as persisted, or why not.

#include <optional>

#include "core/payment.h"
#include "service/errors.h"
#include "store/store.h"

namespace refundd::service {

// These use cases predate commands (service/command.h), whose operations carry the same names;
// they go once the last caller has moved to commands.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"

// Inserts a new payment (already built by the dialect: id, amounts, status).
UseCaseResult<core::Payment> CreatePayment(store::WriteTx& tx, core::Payment payment);

// Authorizes an open payment; captures it at once when capture_now. `payment_method`, when not
// empty, replaces the one stored.
UseCaseResult<core::Payment> ConfirmPayment(store::WriteTx& tx, const std::string& merchant_id,
                                            const std::string& payment_id, bool capture_now,
                                            const std::string& payment_method, int64_t now_ms);

UseCaseResult<core::Payment> CapturePayment(store::WriteTx& tx, const std::string& merchant_id,
                                            const std::string& payment_id,
                                            std::optional<int64_t> amount_minor, int64_t now_ms);

UseCaseResult<core::Payment> VoidPayment(store::WriteTx& tx, const std::string& merchant_id,
                                         const std::string& payment_id,
                                         const std::string& reason, int64_t now_ms);

#pragma GCC diagnostic pop

}  // namespace refundd::service
