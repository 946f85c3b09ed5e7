// A small seeded pseudo-random generator (sfc32 seeded through splitmix32) so a synthetic directory and its change
// sets are the same on every machine for the same --seed. Not for anything security-related.

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    let s = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** `k` distinct items (k capped at the list length), in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const n = items.length;
    const count = Math.max(0, Math.min(k, n));
    if (count === 0) return [];
    if (count * 3 < n) {
      const chosen = new Set<number>();
      while (chosen.size < count) chosen.add(Math.floor(this.next() * n));
      return [...chosen].map((i) => items[i]);
    }
    const copy = items.slice();
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, count);
  }

  /** A random-looking (version 4 layout) UUID drawn from this generator. */
  uuid(): string {
    const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0').slice(-digits);
    const a = this.nextUint32();
    const b = this.nextUint32();
    const c = this.nextUint32();
    const d = this.nextUint32();
    return `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(b & 0xfff, 3)}-${hex(0x8000 | (c & 0x3fff), 4)}-${hex(c >>> 16, 4)}${hex(d, 8)}`;
  }

  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += this.nextUint32().toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }
}

export function hashString(text: string): number {
  // FNV-1a 32-bit
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
