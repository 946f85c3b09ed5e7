// Types for graph-json.mjs (imported by test/infra).
export declare const DEFAULT_ACCESS_ROLE_ID: string;
export declare function getPath(value: unknown, path: string): unknown;
export declare function findServicePrincipals(list: unknown, templateId: string): Array<{ id: string; appId: string }>;
export declare function findScimJob(list: unknown): { id: string; templateId?: string } | undefined;
export declare function pickAppRoleId(servicePrincipal: unknown): string;
export declare function findTenantId(list: unknown, name: string): string;
export declare function oauthClientIds(list: unknown, name: string): string[];
export declare function odataEq(property: string, value: string): string;
