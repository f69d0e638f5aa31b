/**
 * The `route` label of a request: its route template in OpenAPI style
 * ("/api/v1/notes/:id" -> "/api/v1/notes/{id}"), or "unmatched" when no route matched, so
 * scanners probing random paths cannot blow up the label cardinality.
 */
export function routeLabel(template: string | undefined): string {
  if (!template) return 'unmatched';
  return template.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Probes and scrapes are not traffic: they stay out of the request histogram. */
export function isInfrastructureRoute(template: string | undefined, prefix: string): boolean {
  return template === `${prefix}/metrics` || (template?.startsWith(`${prefix}/health`) ?? false);
}
