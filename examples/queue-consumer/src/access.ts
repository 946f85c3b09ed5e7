// What a SaaS app does with scim-functions' events: who may sign in, with which roles, in which groups. Pure code, so
// it runs the same under the queue trigger, a webhook handler or a test.

export interface ScimEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data: {
    tenantId: string;
    resourceType: 'User' | 'Group';
    id: string;
    version: number;
    userName?: string;
    displayName?: string;
    active?: boolean;
    resource?: { roles?: string[] };
    members?: { value: string; type: string }[];
  };
}

export interface Account {
  userName: string;
  active: boolean;
  roles: string[];
  /** The last version applied: events are delivered at least once, so replays and old versions are ignored. */
  version: number;
}

/** The app's own store, keyed by `<tenantId>/<user id>`. */
export type AccessList = Map<string, Account>;

/** Applies one event; returns what it did (for the log). */
export function applyEvent(access: AccessList, event: ScimEvent): string {
  const { data } = event;
  if (data.resourceType !== 'User') return `ignored ${event.type}`;
  const key = `${data.tenantId}/${data.id}`;
  const known = access.get(key);
  if (known && known.version >= data.version) return `duplicate ${event.id}`;
  if (event.type === 'scim.user.deleted') {
    access.delete(key);
    return `deleted ${key}`;
  }
  access.set(key, {
    userName: data.userName ?? known?.userName ?? '',
    // scim.user.deactivated carries active: false — revoke sessions here.
    active: data.active ?? known?.active ?? true,
    roles: data.resource?.roles ?? known?.roles ?? [],
    version: data.version,
  });
  return `${event.type} ${key}`;
}
