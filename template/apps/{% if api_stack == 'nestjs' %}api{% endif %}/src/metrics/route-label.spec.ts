import { isInfrastructureRoute, routeLabel } from './route-label';

describe('routeLabel', () => {
  it('turns path parameters into OpenAPI style', () => {
    expect(routeLabel('/api/v1/notes/:id')).toBe('/api/v1/notes/{id}');
  });

  it('labels requests that matched no route "unmatched"', () => {
    expect(routeLabel(undefined)).toBe('unmatched');
  });
});

describe('isInfrastructureRoute', () => {
  it.each(['/api/v1/metrics', '/api/v1/health', '/api/v1/health/ready'])('excludes %s', (route) => {
    expect(isInfrastructureRoute(route, '/api/v1')).toBe(true);
  });

  it('keeps application routes and unmatched requests', () => {
    expect(isInfrastructureRoute('/api/v1/notes', '/api/v1')).toBe(false);
    expect(isInfrastructureRoute(undefined, '/api/v1')).toBe(false);
  });
});
