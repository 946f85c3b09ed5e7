// ajv is loaded before the first validation, not when the app is imported (issue 18, cold start). The verbs that
// validate are async and await loadAjv() first (resource-service.ts, the .search handler); validation itself stays
// synchronous, so a caller that skipped it gets a plain error, never an unvalidated write.
import type { Ajv, Options } from 'ajv';

let AjvClass: typeof Ajv | undefined;
let loading: Promise<void> | undefined;

export function loadAjv(): Promise<void> {
  // ajv is CommonJS: at run time the default export is its module.exports, the Ajv class, and the bundle's chunk for
  // it exports nothing else (no named `Ajv`). Its typings describe the default as the module namespace.
  loading ??= import('ajv').then((m) => {
    AjvClass = m.default as unknown as typeof Ajv;
  });
  return loading;
}

export function newAjv(options: Options): Ajv {
  if (!AjvClass) throw new Error('ajv is not loaded: await loadAjv() before validating.');
  return new AjvClass(options);
}
