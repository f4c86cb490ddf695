// Which webhook targets are refused unless private targets are allowed: a table of addresses.
#include "webhooks/address.h"

#include <gtest/gtest.h>

namespace refundd::webhooks {
namespace {

TEST(IsPublicAddress, RefusesLoopbackPrivateLinkLocalAndReservedRanges) {
  struct Row {
    const char* address;
    bool is_public;
  };
  const Row rows[] = {
      {"127.0.0.1", false},
      {"127.255.0.9", false},
      {"10.1.2.3", false},
      {"172.16.0.1", false},
      {"172.31.255.255", false},
      {"172.32.0.1", true},
      {"192.168.1.1", false},
      {"169.254.169.254", false},
      {"100.64.0.1", false},
      {"100.128.0.1", true},
      {"0.0.0.0", false},
      {"224.0.0.1", false},
      {"255.255.255.255", false},
      {"198.18.0.1", false},
      {"8.8.8.8", true},
      {"93.184.216.34", true},
      {"::1", false},
      {"::", false},
      {"fe80::1", false},
      {"fc00::1", false},
      {"fd12:3456::1", false},
      {"ff02::1", false},
      {"::ffff:127.0.0.1", false},
      {"::ffff:10.0.0.1", false},
      {"::ffff:8.8.8.8", true},
      {"64:ff9b::a00:1", false},
      {"64:ff9b::808:808", true},
      {"2001:db8::1", false},
      {"2606:4700:4700::1111", true},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(IsPublicAddress(boost::asio::ip::make_address(r.address)), r.is_public) << r.address;
  }
}

}  // namespace
}  // namespace refundd::webhooks
