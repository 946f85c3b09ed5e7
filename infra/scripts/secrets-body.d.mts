// Types for secrets-body.mjs (imported by test/infra).
export type KeyValue = { key: string; value: string };
export declare function credentials(baseUrl: string, token: string): KeyValue[];
export declare function validateBody(baseUrl: string, token: string): { useSavedCredentials: false; credentials: KeyValue[] };
export declare function secretsBody(baseUrl: string, token: string, notifyEmail?: string): { value: KeyValue[] };
export type OAuthClientJson = { clientId: string; clientSecret: string; tokenEndpoint: string };
export declare const OAUTH_AUTHENTICATION_TYPE: 'OAuth2ClientCredentialsGrant';
export declare function oauthCredentials(baseUrl: string, client: OAuthClientJson): KeyValue[];
export declare function validateOAuthBody(baseUrl: string, client: OAuthClientJson): { useSavedCredentials: false; credentials: KeyValue[] };
export declare function oauthSecretsBody(baseUrl: string, notifyEmail?: string): { value: KeyValue[] };
export declare function connectivityBody(baseUrl: string, client: OAuthClientJson): { value: KeyValue[] };
