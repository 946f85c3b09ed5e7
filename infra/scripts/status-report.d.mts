// Types for status-report.mjs (imported by test/infra).
export type StatusInput = { app?: any; job?: any; logs?: any; logsError?: string };
export declare function summarize(input?: StatusInput): any;
export declare function formatReport(input: StatusInput, options?: { maxErrors?: number }): string;
