// The API under load, with k6: `make loadtest ENVIRONMENT=staging SCENARIO=smoke`
// (docs/runbooks/load-testing.md). BASE_URL is the API's address (scripts/loadtest reads it
// from the environment's PUBLIC_API_URL); SCENARIO, RATE and DURATION: scenarios.js.
import http from 'k6/http';
import { check } from 'k6';

import { scenarioOptions } from './scenarios.js';
import { account, authHeaders } from './session.js';

const baseUrl = (__ENV.BASE_URL || '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(baseUrl)) {
  throw new Error(
    `BASE_URL must be the API's scheme and host, such as https://api.staging.example.com, not '${__ENV.BASE_URL || ''}'`,
  );
}
const api = `${baseUrl}/api/v1`;

export const options = scenarioOptions(__ENV.SCENARIO || 'smoke');

const JSON_BODY = { 'Content-Type': 'application/json' };

// Named by route template, so the summary has one line per route and not per note.
function routes(name, headers = {}) {
  return { headers, tags: { traffic: 'routes', name } };
}

export function setup() {
  return account(api);
}

export default function (user) {
  const health = http.get(`${api}/health`, routes('GET /api/v1/health'));
  check(health, { 'health answers 200': (r) => r.status === 200 }, { traffic: 'routes' });

  const headers = authHeaders(api, user);
  const list = http.get(`${api}/notes?page=1&pageSize=20`, routes('GET /api/v1/notes', headers));
  check(list, { 'notes list answers 200': (r) => r.status === 200 }, { traffic: 'routes' });

  // One iteration in five writes: reads outnumber writes, as for most APIs.
  if (__ITER % 5 === 0) {
    const note = JSON.stringify({ title: `load test ${__VU}-${__ITER}`, body: 'written by k6' });
    const created = http.post(`${api}/notes`, note, routes('POST /api/v1/notes', { ...headers, ...JSON_BODY }));
    check(created, { 'note created 201': (r) => r.status === 201 }, { traffic: 'routes' });
  }
}
