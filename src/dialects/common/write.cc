#include "dialects/common/write.h"

#include "service/fingerprint.h"

namespace refundd::dialects::common {

void WriteOnce(service::Engine& engine, const std::string& merchant_id, std::string_view scope,
               std::string_view key, const http::Request& request, const boost::json::value& params,
               const service::DialectAnswers& answers, http::Reply reply, Run run,
               std::string lock_payment_id) {
  service::WriteCall w;
  w.merchant_id = merchant_id;
  if (!key.empty()) {
    w.idempotency_key = std::string(scope) + ":" + std::string(key);
    w.fingerprint = service::RequestFingerprint(request.method, request.path, params);
  }
  w.lock_payment_id = std::move(lock_payment_id);
  w.run = std::move(run);
  w.answers = &answers;
  w.reply = std::move(reply);
  engine.Write(std::move(w));
}

}  // namespace refundd::dialects::common
