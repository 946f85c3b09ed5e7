// Types for provisioning-schema.mjs (imported by test/infra).
export interface MappingSource {
  expression: string;
  name: string;
  type: 'Attribute' | 'Function' | 'Constant';
  parameters: Array<{ key: string; value: MappingSource }>;
}
export interface MappingSpec {
  user: { sourceObjectName: string; mappings: Array<{ target: string; source: string | string[]; matchingPriority?: number }> };
  userTargetAttributes: string[];
  group: { sourceObjectName: string; mappings: Array<{ target: string; source: string | string[]; matchingPriority?: number }> };
}
export declare const MAPPINGS_FILE: string;
export declare function loadMappingSpec(file?: string): MappingSpec;
export declare function parseSource(expression: string): MappingSource;
export declare function sourceAttributes(expression: string): string[];
export declare function applyMappings(current: any, spec?: MappingSpec): { schema: any; changed: boolean; warnings: string[] };
