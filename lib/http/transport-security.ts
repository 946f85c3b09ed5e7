// HTTP Strict Transport Security on every response the app builds (SCIM, admin API, console): browsers that have seen
// the function app over https never try plain http to it again. Azure serves only https (httpsOnly in the Bicep);
// browsers ignore the header on plain-http localhost responses, so local development is unaffected.
export const HSTS = 'max-age=31536000; includeSubDomains';

export const TRANSPORT_SECURITY: Record<string, string> = { 'Strict-Transport-Security': HSTS };
