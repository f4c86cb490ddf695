#pragma once
// The SQL of the SQLite backend: row <-> core struct, used by the writer's transaction
// (SqliteWriteTx) and by the read connections alike. Not thread-safe: one Db per thread.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/sqlite/db.h"
#include "store/store.h"

namespace refundd::store::sqlite {

StoreResult<std::optional<core::Payment>> QueryPayment(Db& db, const std::string& merchant_id,
                                                       const std::string& payment_id);
StoreResult<std::optional<core::Refund>> QueryRefund(Db& db, const std::string& merchant_id,
                                                     const std::string& refund_id);
StoreResult<std::optional<std::string>> QueryAlias(Db& db, const std::string& merchant_id,
                                                   const std::string& kind,
                                                   const std::string& alias);
StoreResult<RefundPage> QueryRefundPage(Db& db, const RefundListQuery& query);
// The statement of one page of QueryRefundPage (exposed so that a test can check its plan).
const char* RefundPageSql(bool by_payment, bool backwards);
StoreResult<std::vector<PaymentWithRefunds>> QueryPaymentsWithRefunds(
    Db& db, const std::string& after_merchant_id, const std::string& after_payment_id, int limit);
StoreResult<std::vector<core::Refund>> QueryRefundsWithoutPayment(Db& db, int limit);

class SqliteWriteTx final : public WriteTx {
 public:
  explicit SqliteWriteTx(Db& db) : db_(db) {}

  StoreResult<std::optional<core::Payment>> LoadPaymentForUpdate(
      const std::string& merchant_id, const std::string& payment_id) override;
  StoreResult<bool> InsertPayment(const core::Payment& payment) override;
  StoreResult<bool> UpdatePayment(const core::Payment& payment) override;
  StoreResult<std::optional<core::Refund>> LoadRefund(const std::string& merchant_id,
                                                      const std::string& refund_id) override;
  StoreResult<bool> InsertRefund(const core::Refund& refund) override;
  StoreResult<bool> UpdateRefund(const core::Refund& refund) override;
  StoreResult<std::optional<std::string>> FindAlias(const std::string& merchant_id,
                                                    const std::string& kind,
                                                    const std::string& alias) override;
  StoreResult<bool> InsertAlias(const Alias& alias) override;
  StoreResult<std::optional<core::IdempotencyRecord>> LoadIdempotency(
      const std::string& merchant_id, const std::string& key) override;
  // The single writer holds the database lock: claiming is loading.
  StoreResult<std::optional<core::IdempotencyRecord>> ClaimIdempotency(
      const std::string& merchant_id, const std::string& key, int64_t now_ms) override;
  StoreResult<bool> PutIdempotency(const core::IdempotencyRecord& record) override;

  // The lifecycle (store/outbox.h), in sqlite_outbox.cc.
  StoreResult<bool> PutRefundAction(const RefundAction& action) override;
  StoreResult<bool> DeleteRefundAction(const std::string& merchant_id,
                                       const std::string& refund_id) override;
  StoreResult<bool> InsertEvent(const OutboxEvent& event) override;
  StoreResult<bool> InsertDelivery(const Delivery& delivery) override;
  StoreResult<std::vector<WebhookEndpoint>> LoadWebhookEndpoints(
      const std::string& merchant_id, const std::string& dialect) override;
  StoreResult<std::optional<WebhookEndpoint>> LoadWebhookEndpoint(
      const std::string& merchant_id, const std::string& endpoint_id) override;
  StoreResult<bool> InsertWebhookEndpoint(const WebhookEndpoint& endpoint) override;
  StoreResult<bool> UpdateWebhookEndpoint(const WebhookEndpoint& endpoint) override;
  StoreResult<bool> DeleteWebhookEndpoint(const std::string& merchant_id,
                                          const std::string& endpoint_id) override;

 private:
  Db& db_;
  // A merchant's endpoints for a dialect, as first loaded in this transaction (one per batch):
  // every refund change in a batch publishes, and the endpoints rarely change. Only while this
  // transaction has written no endpoint: a written one could be rolled back with its job's
  // savepoint, so after any endpoint write every load reads the table again.
  std::unordered_map<std::string, std::vector<WebhookEndpoint>> endpoints_;
  bool endpoints_written_ = false;
  void EndpointsWritten() {
    endpoints_written_ = true;
    endpoints_.clear();
  }
};

}  // namespace refundd::store::sqlite
