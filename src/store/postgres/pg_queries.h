#pragma once
// The SQL of the PostgreSQL backend that reads: rows <-> core structs, shared by the writers'
// transactions (PgWriteTx) and the read connections. Not thread-safe: one Conn per thread.

#include "store/postgres/pg_conn.h"
#include "store/store.h"

namespace refundd::store::postgres {

// How a read inside a write transaction locks the row it finds.
enum class Lock {
  kNone,  // a plain read
  kWait,  // FOR UPDATE: wait for another transaction holding the row
  kSkip,  // FOR UPDATE SKIP LOCKED: a row held elsewhere reads as absent (see RowHeldElsewhere)
};

StoreResult<std::optional<core::Payment>> QueryPayment(Conn& conn, const std::string& merchant_id,
                                                       const std::string& payment_id, Lock lock);
// QueryPayment as a statement for Conn::Pipeline, and its result read back.
Conn::Piped PaymentStatement(const std::string& merchant_id, const std::string& payment_id,
                             Lock lock);
std::optional<core::Payment> PaymentOf(const Rows& rows);
// Locks the payments (merchants[i], ids[i]) that no other transaction holds (FOR UPDATE SKIP
// LOCKED), in (merchant_id, id) order; PaymentsOf() reads back those it locked (same columns as
// PaymentStatement). A pair naming no payment is ignored.
Conn::Piped PaymentsSkipLockedStatement(const ArrayLiteral& merchants, const ArrayLiteral& ids);
std::vector<core::Payment> PaymentsOf(const Rows& rows);
StoreResult<std::optional<core::Refund>> QueryRefund(Conn& conn, const std::string& merchant_id,
                                                     const std::string& refund_id, Lock lock);
// After a kSkip read found nothing: whether the row exists (so another transaction holds it).
StoreResult<bool> PaymentExists(Conn& conn, const std::string& merchant_id,
                                const std::string& payment_id);
StoreResult<bool> RefundExists(Conn& conn, const std::string& merchant_id,
                               const std::string& refund_id);
StoreResult<std::optional<std::string>> QueryAlias(Conn& conn, const std::string& merchant_id,
                                                   const std::string& kind,
                                                   const std::string& alias);
StoreResult<std::optional<core::IdempotencyRecord>> QueryIdempotency(
    Conn& conn, const std::string& merchant_id, const std::string& key);
StoreResult<RefundPage> QueryRefundPage(Conn& conn, const RefundListQuery& query);
// The statement of one page of QueryRefundPage (exposed so that a test can check its plan).
const char* RefundPageSql(bool by_payment, bool backwards);
StoreResult<std::vector<PaymentWithRefunds>> QueryPaymentsWithRefunds(
    Conn& conn, const std::string& after_merchant_id, const std::string& after_payment_id,
    int limit);
StoreResult<std::vector<core::Refund>> QueryRefundsWithoutPayment(Conn& conn, int limit);

// Column lists in the order the row readers expect.
extern const char* const kPaymentColumns;
extern const char* const kRefundColumns;

}  // namespace refundd::store::postgres
