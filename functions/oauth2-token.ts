import { TOKEN_ROUTE, tokenHandler } from '../lib/auth/oauth/token-endpoint.js';
import { registerHttp } from '../lib/http/register.js';

registerHttp('oauth2-token', { methods: ['POST'], authLevel: 'anonymous', route: TOKEN_ROUTE, handler: tokenHandler() });
