import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';

import { samplerFromEnvironment, SkipHealthChecks } from './trace-sampler';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function decide(env: Record<string, string>, target: string): SamplingDecision {
  const sampler = new SkipHealthChecks(samplerFromEnvironment(env));
  const attributes = { 'http.method': 'GET', 'http.target': target };
  return sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, 'GET', SpanKind.SERVER, attributes, [])
    .decision;
}

describe('samplerFromEnvironment', () => {
  it('reads OpenTelemetry sampler names and ratios', () => {
    expect(decide({}, '/')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide({ OTEL_TRACES_SAMPLER: 'always_off' }, '/')).toBe(SamplingDecision.NOT_RECORD);
    const none = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
    expect(decide(none, '/')).toBe(SamplingDecision.NOT_RECORD);
    const all = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.0' };
    expect(decide(all, '/')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('refuses an unknown sampler or a ratio outside 0 to 1, naming the variable', () => {
    expect(() => samplerFromEnvironment({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(
      /OTEL_TRACES_SAMPLER: unknown sampler sometimes/,
    );
    const env = { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10%' };
    expect(() => samplerFromEnvironment(env)).toThrow(/OTEL_TRACES_SAMPLER_ARG must be/);
  });
});

describe('SkipHealthChecks', () => {
  it('makes no trace of health checks, whatever their query', () => {
    expect(decide({ OTEL_TRACES_SAMPLER: 'always_on' }, '/health')).toBe(
      SamplingDecision.NOT_RECORD,
    );
    expect(decide({ OTEL_TRACES_SAMPLER: 'always_on' }, '/health?probe=1')).toBe(
      SamplingDecision.NOT_RECORD,
    );
    expect(decide({ OTEL_TRACES_SAMPLER: 'always_on' }, '/healthy')).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
  });
});
