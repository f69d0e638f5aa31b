import { isSpanContextValid, trace } from '@opentelemetry/api';

export interface TraceIds {
  trace_id?: string;
  span_id?: string;
}

/**
 * The trace and span ids of the span the caller runs in, as the API's log lines carry them:
 * empty when tracing is off (no span is ever active then) or outside a request.
 */
export function traceIds(): TraceIds {
  const context = trace.getActiveSpan()?.spanContext();
  if (context === undefined || !isSpanContextValid(context)) {
    return {};
  }
  return { trace_id: context.traceId, span_id: context.spanId };
}
