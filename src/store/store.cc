#include "store/store.h"

#include <future>

namespace refundd::store {

bool Store::SubmitAndWait(std::function<bool(WriteTx&)> apply) {
  auto promise = std::make_shared<std::promise<bool>>();
  std::future<bool> result = promise->get_future();
  auto applied = std::make_shared<bool>(false);
  Submit(WriteJob{
      [apply = std::move(apply), applied](WriteTx& tx) { return *applied = apply(tx); },
      [promise, applied](bool committed) { promise->set_value(committed && *applied); }});
  return result.get();
}

}  // namespace refundd::store
