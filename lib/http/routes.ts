// The route prefix set in host.json (extensions.http.routePrefix); a test keeps the two in step.
export const ROUTE_PREFIX = 'scim/v2';
