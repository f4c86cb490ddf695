#pragma once
// CHECK(cond): an invariant that stays on in release builds. A failed CHECK means refundd's own
// state is broken (never bad input), so the process aborts before it can persist anything wrong.

#include <cstdio>
#include <cstdlib>

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) [[unlikely]] {                                                       \
      std::fprintf(stderr, "CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
