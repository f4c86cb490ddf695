#pragma once
// `refundd verify`: every payment's refunded and pending totals (whole and per part) recomputed
// from its refunds (store/verify.h), on either backend.

#include <ostream>

#include "store/store.h"

namespace refundd::app {

// Prints one JSON line per problem, then a summary line {"payments":N,"refunds":N,"problems":N}
// on `out`; store errors go to `err`. Returns 0 when every payment agrees with its refunds, 1 when
// any does not (or the store could not be read).
int RunVerify(store::Store& store, std::ostream& out, std::ostream& err);

}  // namespace refundd::app
