#pragma once
// The lifecycle's CLI commands, run against the data directory (also while `serve` runs: SQLite
// serializes the writers). Each prints JSON lines on stdout and returns the process exit code;
// errors go to stderr.
//
//   webhooks set      --merchant M --dialect D --url U [--secret S] [--events a,b]
//                     sets the merchant's endpoint in dialect D (creates it, or replaces the URL,
//                     events and secret of the first one); prints it with its secret
//   webhooks list     --merchant M                       every endpoint, without secrets
//   webhooks delete   --merchant M --id we_...
//   webhooks rotate   --merchant M --id we_... [--previous-expires-in-s N]
//                     a new secret; the previous one keeps signing for N s (default 86400)
//   events show       --merchant M --event ID            the event, its deliveries and attempts
//   events redeliver  --merchant M --event ID            sends every delivery of it again
//   refunds settle    --merchant M --refund ID --to succeeded|failed|canceled [--reason R]
//                     moves a refund by hand (sandbox), with its webhooks; ID is refundd's id
//                     or the dialect's own (D24 refund_id, Kushki ticketNumber, UTGL
//                     refundTransactionId)
// M is a merchant's name or id.

#include <string>
#include <vector>

#include "store/store.h"

namespace refundd::app {

struct LifecycleCliArgs {
  std::string merchant;
  std::string dialect;
  std::string url;
  std::string secret;
  std::vector<std::string> events;
  std::string id;  // endpoint, event or refund id
  std::string to;
  std::string reason;
  int64_t previous_expires_in_s = 86400;
};

int WebhooksSet(store::Store& store, const LifecycleCliArgs& args, int64_t now_ms);
int WebhooksList(store::Store& store, const LifecycleCliArgs& args);
int WebhooksDelete(store::Store& store, const LifecycleCliArgs& args);
int WebhooksRotate(store::Store& store, const LifecycleCliArgs& args, int64_t now_ms);
int EventsShow(store::Store& store, const LifecycleCliArgs& args);
int EventsRedeliver(store::Store& store, const LifecycleCliArgs& args, int64_t now_ms);
int RefundsSettle(store::Store& store, const LifecycleCliArgs& args, int64_t now_ms);

}  // namespace refundd::app
