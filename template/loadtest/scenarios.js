// The load test's scenarios (SCENARIO=smoke|load|stress|soak) and the thresholds that decide
// whether a run passes: k6 exits 99 when one is crossed, so CI and `make loadtest` fail.
// RATE (iterations per second at the plateau; each iteration is 2 or 3 requests), DURATION
// (the plateau, or the smoke run) and RAMP (up to the plateau) size a run without editing this
// file; the defaults suit one staging server.

const rate = positiveNumber('RATE', 10);

function positiveNumber(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, not '${raw}'`);
  }
  return value;
}

function duration(name, fallback) {
  const raw = __ENV[name] || fallback;
  if (!/^(\d+(ms|s|m|h))+$/.test(raw)) {
    throw new Error(`${name} must be a k6 duration such as 30s, 5m or 1h30m, not '${raw}'`);
  }
  return raw;
}

// Virtual users: enough for the rate at a few hundred milliseconds per iteration, few enough
// that their logins (one each, then one every few minutes) stay under the API's per-client
// limit on auth routes (AUTH_RATE_LIMIT_MAX a minute).
function arrival(rate, plateau) {
  const target = Math.ceil(rate);
  return {
    executor: 'ramping-arrival-rate',
    startRate: 0,
    timeUnit: '1s',
    preAllocatedVUs: Math.min(50, Math.ceil(target)),
    maxVUs: 50,
    stages: [
      { target, duration: duration('RAMP', '30s') },
      { target, duration: plateau },
      { target: 0, duration: '10s' },
    ],
  };
}

const SCENARIOS = {
  // Does every route answer? One iteration a second: about 72 requests a minute to the
  // rate-limited routes, under a server's per-client limit (RATE_LIMIT_MAX, 100).
  smoke: {
    executor: 'constant-arrival-rate',
    rate: 1,
    timeUnit: '1s',
    duration: duration('DURATION', '30s'),
    preAllocatedVUs: 2,
    maxVUs: 5,
  },
  // The traffic the server is sized for.
  load: arrival(rate, duration('DURATION', '5m')),
  // Four times that: where does it bend? Looser thresholds: it may slow, not fail.
  stress: arrival(rate * 4, duration('DURATION', '5m')),
  // The load rate for an hour: leaks, pools that drain, tokens that expire.
  soak: arrival(rate, duration('DURATION', '1h')),
};

// Only the routes' requests count (tag traffic:routes): not the account's registration and
// logins, whose password hashing is slow on purpose.
function limits(failedRate, p95, p99) {
  return {
    'http_req_failed{traffic:routes}': [`rate<${failedRate}`],
    'http_req_duration{traffic:routes}': [`p(95)<${p95}`, `p(99)<${p99}`],
    'checks{traffic:routes}': [`rate>${1 - failedRate}`],
  };
}

const THRESHOLDS = {
  smoke: limits(0.01, 500, 1000),
  load: limits(0.01, 500, 1000),
  stress: limits(0.05, 1500, 3000),
  soak: limits(0.01, 500, 1000),
};

export function scenarioOptions(name) {
  if (!Object.hasOwn(SCENARIOS, name)) {
    throw new Error(`SCENARIO must be one of ${Object.keys(SCENARIOS).join(', ')}, not '${name}'`);
  }
  return {
    scenarios: { [name]: SCENARIOS[name] },
    thresholds: THRESHOLDS[name],
    // p(99) too in the summary (and its JSON export), beside k6's default figures.
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  };
}
