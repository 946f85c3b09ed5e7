// Secret tokens: 256 random bits shown once to the operator, stored only as their SHA-256.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 bytes from the CSPRNG (256 bits), base64url: 43 characters, safe in a header and in Entra's Secret Token field. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a token. A plain (unsalted) hash suffices: the token has 256 bits of entropy, so it cannot be guessed from its hash. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The stored form of a token, also its storage key. */
export function tokenHash(token: string): string {
  return tokenDigest(token).toString('base64url');
}

/** Constant-time equality of two tokens of any length (compares their digests). */
export function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(tokenDigest(a), tokenDigest(b));
}

/** Constant-time equality of two stored hashes (base64url SHA-256). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64url');
  const y = Buffer.from(b, 'base64url');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}
