// jose is loaded on first use, not when the app is imported: only the JWT credentials (Entra-issued tokens, federated
// client assertions) need it, and the import of the function app should not pay for it (issue 18, cold start).
type Jose = typeof import('jose');

let loading: Promise<Jose> | undefined;

export function loadJose(): Promise<Jose> {
  loading ??= import('jose');
  return loading;
}
