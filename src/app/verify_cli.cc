#include "app/verify_cli.h"

#include <boost/json.hpp>

#include "store/verify.h"

namespace refundd::app {

int RunVerify(store::Store& store, std::ostream& out, std::ostream& err) {
  auto summary = store::VerifyAll(store, [&out](const store::PaymentProblem& p) {
    boost::json::object line{{"merchant", p.merchant_id}, {"payment", p.payment_id},
                             {"problem", p.what}};
    out << boost::json::serialize(line) << "\n";
  });
  if (!summary.ok()) {
    err << "refundd: verify: " << summary.error().message << "\n";
    return 1;
  }
  const store::VerifySummary& s = summary.value();
  boost::json::object line{{"payments", s.payments}, {"refunds", s.refunds},
                           {"problems", s.problems}};
  out << boost::json::serialize(line) << std::endl;
  return s.problems == 0 ? 0 : 1;
}

}  // namespace refundd::app
