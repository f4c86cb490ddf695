#pragma once
// The write path every JSON-only dialect shares: a request's use case runs through the Engine's
// group-commit writer, once per idempotency key. Keys are scoped by dialect as well as by merchant
// (the stored key is "<scope>:<key>"), so one merchant's D24 and native keys never collide.

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "dialects/common/kit.h"
#include "http/message.h"
#include "service/engine.h"

namespace refundd::dialects::common {

using Run = std::function<http::Response(store::WriteTx& tx, int64_t now_ms, bool& keep)>;

// Runs `run` for `merchant_id`. `key` is the idempotency key as the client sent it ("" for none);
// with one, the request's fingerprint is its method, path and decoded `params`. `answers` must
// outlive the call (dialects keep them static). `reply` is called exactly once. `lock_payment_id`,
// when known, is the payment `run` will lock (a hint for the store: WriteCall::lock_payment_id).
void WriteOnce(service::Engine& engine, const std::string& merchant_id, std::string_view scope,
               std::string_view key, const http::Request& request, const boost::json::value& params,
               const service::DialectAnswers& answers, http::Reply reply, Run run,
               std::string lock_payment_id = "");

}  // namespace refundd::dialects::common
