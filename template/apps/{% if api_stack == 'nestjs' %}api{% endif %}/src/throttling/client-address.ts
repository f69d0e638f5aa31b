import { isIPv6 } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const DOTTED_TAIL = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** An IPv6 address's eight groups, as numbers ('::' expanded, a dotted IPv4 tail as two). */
function groupsOf(address: string): number[] {
  const hex = address.replace(DOTTED_TAIL, (_, a: string, b: string, c: string, d: string) => {
    const [high, low] = [Number(a) * 256 + Number(b), Number(c) * 256 + Number(d)];
    return `${high.toString(16)}:${low.toString(16)}`;
  });
  const [head = '', tail] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16));
}

/**
 * Who a rate limit counts: the request's address (Fastify's request.ip: from the socket, or
 * from X-Forwarded-For across TRUST_PROXY hops, so clients cannot pick their own), an
 * IPv4-mapped IPv6 address as IPv4, and an IPv6 address as its /64: one subscriber, host or
 * VM usually holds a whole /64 and picks addresses from it at will; keyed by full address,
 * one client would get 2^64 buckets.
 */
export function rateLimitClient(ip: string): string {
  if (!ip.includes(':') || !isIPv6(ip)) return ip;
  const mapped = MAPPED_IPV4.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const network = groupsOf(ip.split('%', 1)[0] ?? ip).slice(0, 4);
  return `${network.map((group) => group.toString(16)).join(':')}::/64`;
}
