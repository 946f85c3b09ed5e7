// The Entra ID provisioning simulator as a library (used by `npm run simulate`, `npm run bench` and the tests).
export { generateChanges, type ChangeOptions, type ChangeSet, type ChangeSummary } from './changes.js';
export { isSoftDeleted, loadDirectory, memberIds, parseDirectory, type Directory, type GraphGroup, type GraphUser } from './directory.js';
export { Simulator, userCreateBody, type Mismatch, type PhaseSummary, type ProgressEvent, type RequestError, type SimulatorOptions } from './engine.js';
export { encodeQueryValue, filterLiteral, runPool, ScimClient, type Exchange, type HttpReply } from './http.js';
export { DEFAULT_MAPPING, defaultMappingConfig, loadMappingConfig, Mappings, type AttributeMapping, type MappingConfig } from './mapping.js';
export { type PatchMode } from './patch-dialect.js';
export { createProgressBar } from './progress.js';
export { formatReport } from './report.js';
export { buildSource, COMPLIANCE_FLAG, resolveMode, runSimulation, type RunOptions, type SimulationReport, type SourceOptions } from './run.js';
export { percentile, PhaseStats, Samples, summarize, formatInt, formatMs, type LatencySummary } from './stats.js';
export { generateDirectory, type SyntheticOptions } from './synthetic.js';
export { renderTable } from './table.js';
