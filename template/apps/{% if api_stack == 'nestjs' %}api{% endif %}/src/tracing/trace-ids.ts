import { isSpanContextValid, trace } from '@opentelemetry/api';

export interface TraceIds {
  trace_id?: string;
  span_id?: string;
}

/**
 * The trace and span ids of the span the caller runs in, as W3C Trace Context writes them:
 * on every log line (logging/pino-options.ts) and error report of a traced request, so the
 * trace backend, the logs and the error tracker find each other. Empty when tracing is off
 * (no span is ever active then) or outside a request.
 */
export function traceIds(): TraceIds {
  const context = trace.getActiveSpan()?.spanContext();
  if (context === undefined || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}
