// Who may call the admin surface (manage/* and its automation twin), decided by the app itself and not only by the
// Functions host, because Core Tools (`func start`) lets every admin-level call in without a key.
//
// Every function registered with authLevel 'admin' is served twice (lib/http/register.ts):
//   manage/...      'operator' entry, anonymous at the host. In Azure it sits behind App Service Authentication
//                   (Entra ID sign-in, infra/app/api.bicep): the platform injects X-MS-CLIENT-PRINCIPAL (and strips any
//                   copy a client sends), and the principal must carry the operators' app role SCIM_ADMIN_ROLE.
//                   Elsewhere (npm start, func start) the local admin key SCIM_LOCAL_ADMIN_KEY is required.
//   automation/...  'automation' entry, authLevel 'function' at the host: in Azure the host has checked the function
//                   key (the dedicated named key deploy.sh creates, never _master). Elsewhere the local admin key again.
// Admin requests that carry a body must say application/json (415 otherwise): a cross-site HTML form cannot send that
// type, so a signed-in operator's browser cannot be made to create, reset or revoke anything.
import type { HttpRequest } from '@azure/functions';
import { sameToken } from './tokens.js';

export type AdminEntry = 'operator' | 'automation';

export interface AdminAccessSettings {
  /** App role the Entra principal must hold (SCIM_ADMIN_ROLE); when set, manage/* accepts only Entra sign-in. */
  entraRole?: string;
  /** The local admin key (SCIM_LOCAL_ADMIN_KEY): npm start and func start only, never honoured in Azure. */
  localKey?: string;
  /** Running on the App Service platform (WEBSITE_INSTANCE_ID is set there), where the host checks function keys. */
  onPlatform: boolean;
  /** App Service Authentication is on (the platform sets WEBSITE_AUTH_ENABLED=True). */
  easyAuthEnabled: boolean;
}

/** The placeholder local.settings.json.example carries for SCIM_LOCAL_ADMIN_KEY; refused like no key at all. */
export const EXAMPLE_LOCAL_ADMIN_KEY = 'replace-with-a-long-random-admin-key';

export function adminAccessFromEnv(env: NodeJS.ProcessEnv = process.env): AdminAccessSettings {
  const role = env.SCIM_ADMIN_ROLE?.trim();
  if (role && !/^[A-Za-z0-9._-]{1,120}$/.test(role)) throw new Error(`SCIM_ADMIN_ROLE must be an app role value (letters, digits, ".", "_", "-"; got "${role}")`);
  const localKey = env.SCIM_LOCAL_ADMIN_KEY || undefined;
  return {
    entraRole: role || undefined,
    localKey: localKey === EXAMPLE_LOCAL_ADMIN_KEY ? undefined : localKey,
    onPlatform: Boolean(env.WEBSITE_INSTANCE_ID),
    easyAuthEnabled: /^true$/i.test(env.WEBSITE_AUTH_ENABLED ?? ''),
  };
}

/** How the console signs the operator in: with Entra ID where SCIM_ADMIN_ROLE is set, else with the local key. */
export function adminAuthMode(settings: AdminAccessSettings = adminAccessFromEnv()): 'entra' | 'key' {
  return settings.entraRole ? 'entra' : 'key';
}

/** Who made an admin request, for the audit line. */
export interface AdminIdentity {
  via: 'entra' | 'function-key' | 'local-key';
  /** The Entra operator (user principal name or object id). */
  operator?: string;
}

export class AdminAccessError extends Error {
  constructor(
    readonly status: 401 | 403 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'AdminAccessError';
  }
}

const UNAUTHORIZED = 'Sign in (Microsoft Entra ID) or present the admin key.';

/** Allows the request or throws AdminAccessError (401 no credential, 403 signed in without the role, 415 body type). */
export function checkAdminAccess(request: HttpRequest, entry: AdminEntry, settings: AdminAccessSettings = adminAccessFromEnv()): AdminIdentity {
  // Who calls is decided first, so an anonymous caller learns nothing but 401; then the body type.
  const identity = identify(request, entry, settings);
  checkBodyType(request);
  return identity;
}

function identify(request: HttpRequest, entry: AdminEntry, settings: AdminAccessSettings): AdminIdentity {
  if (entry === 'automation' && settings.onPlatform) return { via: 'function-key' };
  if (entry === 'operator' && settings.entraRole) {
    // Without App Service Authentication in front, the principal header could come from anyone: fail closed.
    if (!settings.easyAuthEnabled) throw new AdminAccessError(401, 'App Service Authentication is not enabled for this app.');
    return entraOperator(request, settings.entraRole);
  }
  if (settings.localKey !== undefined && !settings.onPlatform) {
    const presented = request.headers.get('x-functions-key') ?? request.query.get('code');
    if (presented !== null && sameToken(presented, settings.localKey)) return { via: 'local-key' };
  }
  throw new AdminAccessError(401, UNAUTHORIZED);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function checkBodyType(request: HttpRequest): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  const contentType = request.headers.get('content-type');
  const length = Number(request.headers.get('content-length') ?? '0');
  const hasBody = length > 0 || request.headers.has('transfer-encoding');
  if (contentType === null ? hasBody : contentType.split(';')[0].trim().toLowerCase() !== 'application/json') {
    throw new AdminAccessError(415, 'Admin requests with a body must be Content-Type: application/json.');
  }
}

interface ClientPrincipal {
  auth_typ?: string;
  name_typ?: string;
  role_typ?: string;
  claims?: { typ?: string; val?: string }[];
}

/** Entra app roles arrive as `roles` claims (role_typ names the claim type App Service maps them to). */
function entraOperator(request: HttpRequest, role: string): AdminIdentity {
  const header = request.headers.get('x-ms-client-principal');
  if (!header) throw new AdminAccessError(401, UNAUTHORIZED);
  let principal: ClientPrincipal;
  try {
    principal = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as ClientPrincipal;
  } catch {
    throw new AdminAccessError(401, UNAUTHORIZED);
  }
  const claims = Array.isArray(principal.claims) ? principal.claims : [];
  const roleTypes = new Set(['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', principal.role_typ]);
  const operator = request.headers.get('x-ms-client-principal-name') ?? claims.find((c) => c.typ === 'http://schemas.microsoft.com/identity/claims/objectidentifier' || c.typ === 'oid')?.val;
  if (!claims.some((c) => roleTypes.has(c.typ) && c.val === role)) {
    throw new AdminAccessError(403, `Signed in, but without the "${role}" app role of this console.`);
  }
  return { via: 'entra', operator: operator ?? undefined };
}
