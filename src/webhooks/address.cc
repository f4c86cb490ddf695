#include "webhooks/address.h"

#include <array>
#include <cstdint>

namespace refundd::webhooks {

namespace {

struct V4Range {
  uint32_t network;
  int prefix;
};
constexpr uint32_t Ip(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}
constexpr V4Range kNonPublicV4[] = {
    {Ip(0, 0, 0, 0), 8},        // "this network"
    {Ip(10, 0, 0, 0), 8},       // private
    {Ip(100, 64, 0, 0), 10},    // carrier-grade NAT
    {Ip(127, 0, 0, 0), 8},      // loopback
    {Ip(169, 254, 0, 0), 16},   // link-local (cloud metadata lives here)
    {Ip(172, 16, 0, 0), 12},    // private
    {Ip(192, 0, 0, 0), 24},     // IETF protocol assignments
    {Ip(192, 0, 2, 0), 24},     // documentation
    {Ip(192, 88, 99, 0), 24},   // 6to4 relay anycast
    {Ip(192, 168, 0, 0), 16},   // private
    {Ip(198, 18, 0, 0), 15},    // benchmarking
    {Ip(198, 51, 100, 0), 24},  // documentation
    {Ip(203, 0, 113, 0), 24},   // documentation
    {Ip(224, 0, 0, 0), 4},      // multicast
    {Ip(240, 0, 0, 0), 4},      // reserved, broadcast
};

bool PublicV4(uint32_t ip) {
  for (const V4Range& r : kNonPublicV4) {
    const uint32_t mask = r.prefix == 0 ? 0 : ~uint32_t(0) << (32 - r.prefix);
    if ((ip & mask) == r.network) return false;
  }
  return true;
}

bool PublicV6(const boost::asio::ip::address_v6& v6) {
  const std::array<unsigned char, 16> b = v6.to_bytes();
  if (v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() || v6.is_link_local() ||
      v6.is_site_local()) {
    return false;
  }
  if (v6.is_v4_mapped()) {
    return PublicV4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_uint());
  }
  if ((b[0] & 0xfe) == 0xfc) return false;  // unique local fc00::/7
  // NAT64 64:ff9b::/96 embeds an IPv4 address in the last four bytes.
  static constexpr unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  bool nat64 = true;
  for (int i = 0; i < 12; ++i) nat64 = nat64 && b[i] == kNat64[i];
  if (nat64) return PublicV4(Ip(b[12], b[13], b[14], b[15]));
  // IPv4-compatible ::a.b.c.d (deprecated) and documentation 2001:db8::/32.
  bool compatible = true;
  for (int i = 0; i < 12; ++i) compatible = compatible && b[i] == 0;
  if (compatible) return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;
  return true;
}

}  // namespace

bool IsPublicAddress(const boost::asio::ip::address& address) {
  if (address.is_v4()) return PublicV4(address.to_v4().to_uint());
  return PublicV6(address.to_v6());
}

}  // namespace refundd::webhooks
