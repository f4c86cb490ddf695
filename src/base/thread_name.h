#pragma once
// Names the calling thread (as top -H, ps -L, perf and gdb show it): at most 15 characters, longer
// names are cut. Best effort: a failure changes nothing else.

#include <pthread.h>

#include <cstring>

namespace refundd {

inline void NameThisThread(const char* name) {
  char cut[16];
  std::strncpy(cut, name, sizeof cut - 1);
  cut[sizeof cut - 1] = '\0';
  (void)pthread_setname_np(pthread_self(), cut);
}

}  // namespace refundd
