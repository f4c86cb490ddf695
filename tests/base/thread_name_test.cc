#include "base/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace refundd {
namespace {

std::string NameOf(pthread_t thread) {
  char name[64] = {};
  EXPECT_EQ(pthread_getname_np(thread, name, sizeof name), 0);
  return name;
}

TEST(NameThisThread, NamesTheCallingThreadAndCutsLongNames) {
  std::string short_name, long_name;
  std::thread([&] {
    NameThisThread("sqlite-writer");
    short_name = NameOf(pthread_self());
    NameThisThread("a-name-longer-than-fifteen");
    long_name = NameOf(pthread_self());
  }).join();
  EXPECT_EQ(short_name, "sqlite-writer");
  EXPECT_EQ(long_name, "a-name-longer-t");
}

}  // namespace
}  // namespace refundd
