#pragma once
// Which addresses a webhook may be sent to. Outbound requests to the merchant's URLs must not
// reach refundd's own network (server-side request forgery): unless private targets are allowed
// (--allow-private-webhook-targets, for tests and private deployments), a target whose name
// resolves to any address below is refused before connecting. Pure.

#include <boost/asio/ip/address.hpp>

namespace refundd::webhooks {

// false for loopback, private (RFC 1918, unique local fc00::/7), link-local, carrier-grade NAT
// (100.64.0.0/10), "this network" (0.0.0.0/8, ::), multicast, reserved and documentation ranges,
// and IPv4-mapped or NAT64 forms of those; true for everything else.
bool IsPublicAddress(const boost::asio::ip::address& address);

}  // namespace refundd::webhooks
