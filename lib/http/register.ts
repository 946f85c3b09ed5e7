// Registers an HTTP function with the Azure Functions runtime (when running inside it) and records the registration
// so the local development host can serve exactly the same functions and routes.
import { createRequire } from 'node:module';
import azureFunctions, { type HttpFunctionOptions, type TimerFunctionOptions } from '@azure/functions';
import { adminGate, automationRoute } from '../auth/admin-http.js';
import { setUpApp } from './app-setup.js';

export interface Registration {
  name: string;
  options: HttpFunctionOptions;
}

export const registrations: Registration[] = [];

/** The Functions worker provides the virtual module '@azure/functions-core'; outside the worker it does not exist. */
export function insideFunctionsWorker(): boolean {
  try {
    createRequire(import.meta.url)('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
}

const inWorker = insideFunctionsWorker();

export function registerHttp(name: string, options: HttpFunctionOptions): void {
  if (options.authLevel === 'admin') {
    // The admin surface is served twice (lib/auth/admin-access.ts): manage/* for operators (Entra ID sign-in in Azure,
    // checked by the app) and automation/* for scripts (a named function key, checked by the host). The app checks
    // both entries itself too, because `func start` lets admin-level calls in without any key.
    const route = options.route ?? name;
    add(name, { ...options, authLevel: 'anonymous', handler: adminGate('operator', options.handler) });
    add(`${name}-automation`, { ...options, authLevel: 'function', route: automationRoute(route), handler: adminGate('automation', options.handler) });
    return;
  }
  add(name, options);
}

function add(name: string, options: HttpFunctionOptions): void {
  setUpApp(inWorker);
  registrations.push({ name, options });
  // @azure/functions is CommonJS: from ES-module output only its default export is usable at runtime.
  if (inWorker) azureFunctions.app.http(name, options);
}

export interface TimerRegistration {
  name: string;
  options: TimerFunctionOptions;
}

export const timerRegistrations: TimerRegistration[] = [];

/** A timer-triggered function: registered with the runtime inside it, run on its schedule by the local host outside. */
export function registerTimer(name: string, options: TimerFunctionOptions): void {
  setUpApp(inWorker);
  timerRegistrations.push({ name, options });
  if (inWorker) azureFunctions.app.timer(name, options);
}
