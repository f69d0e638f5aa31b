import { rateLimitClient } from './client-address';

describe('rateLimitClient', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(rateLimitClient('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(rateLimitClient('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv6 address as its /64, however it is written', () => {
    const network = '2001:db8:a:b::/64';
    expect(rateLimitClient('2001:db8:a:b::1')).toBe(network);
    expect(rateLimitClient('2001:0db8:000a:000b:1234:5678:9abc:def0')).toBe(network);
    expect(rateLimitClient('2001:db8:a:b:0:0:192.0.2.1')).toBe(network);
    expect(rateLimitClient('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(rateLimitClient('::1')).toBe('0:0:0:0::/64');
  });

  it('keeps neighbouring /64s apart', () => {
    expect(rateLimitClient('2001:db8:a:b::1')).not.toBe(rateLimitClient('2001:db8:a:c::1'));
  });
});
