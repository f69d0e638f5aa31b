import { securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it("holds helmet's headers as configured for this API", () => {
    const headers = securityHeaders();
    expect(headers).toMatchObject({
      'X-Frame-Options': 'DENY',
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(headers['Content-Security-Policy']).toContain("default-src 'self'");
    expect(headers['Content-Security-Policy']).not.toContain('upgrade-insecure-requests');
  });
});
