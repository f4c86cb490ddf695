#pragma once
// Creating merchants and printing their credentials: shared by `serve` (the sandbox merchant of a
// new data dir) and `merchants create`. These prints are the only places secrets are shown.

#include <string>

#include "base/result.h"
#include "store/store.h"

namespace refundd::app {

// Creates a merchant with a fresh credential per dialect and returns the JSON line that shows
// them: {"id","name","credentials":{"native":{"secret_key"}}}.
Result<std::string, std::string> CreateMerchant(store::Store& store, const std::string& name,
                                                int64_t now_ms);

}  // namespace refundd::app
