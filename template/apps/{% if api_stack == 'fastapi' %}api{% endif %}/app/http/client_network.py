"""The network a client address stands for in rate limits: an IPv4 address, or an IPv6 /64.

One IPv6 subscriber, host or VM usually holds a whole /64 and picks from it at will (privacy
extensions rotate addresses by themselves): keyed by full address, one attacker would get
2**64 buckets. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports
for an IPv4 client) is that IPv4 client. Anything that is not an address is kept as it is.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

IPV6_SUBSCRIBER_PREFIX = 64


# Kept per address: the same clients come back request after request, and parsing the address
# was a tenth of the rate limiter's own time (2 % of a cached GET /notes). Bounded, so a
# flood of addresses only evicts.
@lru_cache(maxsize=4096)
def client_network(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    # From the integer: a scoped address (fe80::1%eth0) would otherwise keep its zone.
    return str(ipaddress.IPv6Network((int(ip), IPV6_SUBSCRIBER_PREFIX), strict=False))
