// Reads settings from the environment (app settings in Azure, local.settings.json under `func start`, the shell
// locally) with one rule for every kind of value, so every malformed value stops startup with the same kind of message
// naming the setting. Every name read is recorded: the README's configuration table is tested against that list.
export type Env = Record<string, string | undefined>;

const read = new Set<string>();

/** Every setting name any reader has looked at in this process (see loadSettings in config.ts). */
export function settingNamesRead(): string[] {
  return [...read].sort();
}

export class SettingsReader {
  constructor(private readonly env: Env) {}

  /** The raw text, or undefined when unset or empty. */
  text(name: string): string | undefined {
    read.add(name);
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  }

  /** A whole number within [min, max]. */
  int(name: string, fallback: number, { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(max === Number.MAX_SAFE_INTEGER ? `${name} must be a whole number of at least ${min} (got "${raw}")` : `${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return n;
  }

  /** A number greater than 0 (or at least 0 when `allowZero`). */
  number(name: string, fallback: number, { allowZero = false }: { allowZero?: boolean } = {}): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
      throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number (got "${raw}")`);
    }
    return n;
  }

  /** A whole number, or undefined for "off" / 0 (a limit that can be switched off). */
  limit(name: string, fallback: number | undefined): number | undefined {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    if (raw === '0' || /^off$/i.test(raw)) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a positive integer or "off" (got "${raw}")`);
    return n;
  }

  /** true/false (also 1/0, yes/no, on/off). */
  flag(name: string, fallback = false): boolean {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new Error(`${name} must be true or false (got "${raw}")`);
  }

  /** A table name as Table Storage allows it (3-63 letters and digits, starting with a letter). */
  tableName(name: string, fallback: string): string {
    const value = this.text(name) ?? fallback;
    if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(value)) throw new Error(`${name} must be 3-63 letters and digits, starting with a letter (got "${value}")`);
    return value;
  }
}
