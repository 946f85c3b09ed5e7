// Types for secrets-body.mjs (imported by test/infra).
export type KeyValue = { key: string; value: string };
export declare function credentials(baseUrl: string, token: string): KeyValue[];
export declare function validateBody(baseUrl: string, token: string): { useSavedCredentials: false; credentials: KeyValue[] };
export declare function secretsBody(baseUrl: string, token: string, notifyEmail?: string): { value: KeyValue[] };
