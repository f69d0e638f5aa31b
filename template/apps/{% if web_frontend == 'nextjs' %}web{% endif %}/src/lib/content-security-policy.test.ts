import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, newNonce } from './content-security-policy';

function directive(policy: string, name: string): string | undefined {
  return policy
    .split('; ')
    .find((entry) => entry.startsWith(`${name} `))
    ?.slice(name.length + 1);
}

describe('contentSecurityPolicy', () => {
  it('lets only scripts with the nonce run, and nothing be framed or embedded', () => {
    const policy = contentSecurityPolicy('abc123', false);
    expect(directive(policy, 'script-src')).toBe("'self' 'nonce-abc123' 'strict-dynamic'");
    expect(directive(policy, 'style-src')).toBe("'self' 'nonce-abc123'");
    expect(directive(policy, 'default-src')).toBe("'self'");
    expect(directive(policy, 'object-src')).toBe("'none'");
    expect(directive(policy, 'frame-ancestors')).toBe("'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
  });

  it('lets the page connect to its own origin and the ones named only', () => {
    expect(directive(contentSecurityPolicy('n', false), 'connect-src')).toBe("'self'");
    const policy = contentSecurityPolicy('n', false, ['https://o1.ingest.sentry.io']);
    expect(directive(policy, 'connect-src')).toBe("'self' https://o1.ingest.sentry.io");
  });

  it("allows eval in development only (React's dev tools)", () => {
    expect(directive(contentSecurityPolicy('n', true), 'script-src')).toContain("'unsafe-eval'");
  });
});

describe('newNonce', () => {
  it('differs on every call and is base64', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => newNonce()));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]+=*$/);
    }
  });
});
