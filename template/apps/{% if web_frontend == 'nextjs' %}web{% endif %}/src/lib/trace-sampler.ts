import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

import type { Environment } from './settings';

/** Traefik probes it every 2 s per server: traces of it would drown the pages' own. */
const UNTRACED_PATHS = new Set(['/health']);

/** A variable's value, trimmed; undefined when unset or empty. */
function setting(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/** OTEL_TRACES_SAMPLER_ARG: the share of new traces kept, 0 to 1. */
function ratio(env: Environment): number {
  const value = setting(env, 'OTEL_TRACES_SAMPLER_ARG') ?? '1';
  const share = Number(value);
  if (!Number.isFinite(share) || share < 0 || share > 1) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got ${value}`);
  }
  return share;
}

/** The sampler OTEL_TRACES_SAMPLER names (OpenTelemetry's names; default: every trace,
 * following a caller's decision). */
export function samplerFromEnvironment(env: Environment): Sampler {
  const name = setting(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio(env));
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio(env)) });
    default:
      throw new Error(`OTEL_TRACES_SAMPLER: unknown sampler ${name}`);
  }
}

/** The environment's sampler, except that requests to the health endpoint make no trace. */
export class SkipHealthChecks implements Sampler {
  constructor(private readonly sampler: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const target = attributes['http.target'];
    if (typeof target === 'string' && UNTRACED_PATHS.has(target.split('?', 1)[0] ?? '')) {
      return { decision: SamplingDecision.NOT_RECORD };
    }
    return this.sampler.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `SkipHealthChecks{${this.sampler.toString()}}`;
  }
}
