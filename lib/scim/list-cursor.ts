// The RFC 9865 cursor of a list: the 1-based index of the next page's first resource and the id it follows, as
// opaque base64url text. Decoding checks the shape, so a forged cursor is a 400 invalidCursor, never a crash.
import { badRequest } from './errors.js';

export interface CursorPosition {
  index: number;
  afterId: string;
}

export function encodeCursor(c: CursorPosition): string {
  return Buffer.from(JSON.stringify([c.index, c.afterId])).toString('base64url');
}

export function decodeCursor(text: string): CursorPosition {
  try {
    const [index, afterId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if (Number.isInteger(index) && (index as number) >= 1 && typeof afterId === 'string' && afterId.length < 100) return { index: index as number, afterId };
  } catch {
    // fall through
  }
  throw badRequest('invalidCursor', 'The cursor is not valid.');
}
