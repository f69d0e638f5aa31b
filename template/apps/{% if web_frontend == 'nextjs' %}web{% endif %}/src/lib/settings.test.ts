import { describe, expect, it } from 'vitest';
import {
  apiUrl,
  appEnvironment,
  appName,
  appVersion,
  DEFAULT_APP_NAME,
  shutdownDelayMs,
  tracingEnabled,
} from './settings';

describe('appName', () => {
  it('is APP_NAME, else a default', () => {
    expect(appName({ APP_NAME: 'acme-shop' })).toBe('acme-shop');
    expect(appName({ APP_NAME: '  ' })).toBe(DEFAULT_APP_NAME);
    expect(appName({})).toBe(DEFAULT_APP_NAME);
  });
});

describe('appEnvironment and appVersion', () => {
  it('are APP_ENV and APP_VERSION, else local and dev', () => {
    expect(appEnvironment({ APP_ENV: 'staging' })).toBe('staging');
    expect(appEnvironment({ APP_ENV: ' ' })).toBe('local');
    expect(appVersion({ APP_VERSION: '1.4.0' })).toBe('1.4.0');
    expect(appVersion({})).toBe('dev');
  });
});

describe('apiUrl', () => {
  it('drops trailing slashes so paths join cleanly', () => {
    expect(apiUrl({ API_URL: 'http://api:3000/' })).toBe('http://api:3000');
    expect(apiUrl({ API_URL: 'https://api.example.com/base' })).toBe(
      'https://api.example.com/base',
    );
  });

  it('is undefined when unset', () => {
    expect(apiUrl({})).toBeUndefined();
    expect(apiUrl({ API_URL: '' })).toBeUndefined();
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => apiUrl({ API_URL: 'api:3000' })).toThrow(/http\(s\) URL/);
    expect(() => apiUrl({ API_URL: 'not a url' })).toThrow();
  });
});

describe('shutdownDelayMs', () => {
  it('defaults to 0 and reads whole milliseconds', () => {
    expect(shutdownDelayMs({})).toBe(0);
    expect(shutdownDelayMs({ SHUTDOWN_DELAY_MS: '5000' })).toBe(5000);
  });

  it('refuses anything else', () => {
    for (const value of ['-1', '1.5', '5s', 'soon']) {
      expect(() => shutdownDelayMs({ SHUTDOWN_DELAY_MS: value })).toThrow(/SHUTDOWN_DELAY_MS/);
    }
  });
});

describe('tracingEnabled', () => {
  it('is on only with an OTLP endpoint', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(
      true,
    );
  });

  it('is off when the SDK is disabled', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' };
    expect(tracingEnabled(env)).toBe(false);
  });
});
