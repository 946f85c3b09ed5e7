// Parser for the SCIM filter language (RFC 7644 §3.4.2.2, Figure 1 ABNF, with errata 7322 for value filters).
//
// A hand-written tokenizer plus a recursive-descent parser with precedence `not` > `and` > `or`. Adversarial input is
// bounded: the text length is checked first, recursion only happens for `(`, `[` and `not` and is capped by maxDepth,
// and `and`/`or` chains are built in loops, so the parser runs in linear time and constant stack per nesting level.
//
// Tolerated beyond the ABNF (what Microsoft Entra ID and other real clients send):
// - operators, `and`/`or`/`not` and `true`/`false`/`null` in any case (ABNF literals are case-insensitive anyway);
// - unquoted values (`externalId eq jyoung`): one or more bare words up to `and`/`or`, `)`, `]` or the end;
// - `+` as the separator when the filter has no whitespace outside quoted strings (an undecoded query string such as
//   `userName+eq+"a+b@x.com"`); `+` inside quotes is always kept;
// - `attr[filter].sub op value` (the PATCH-path form Entra uses in filters), translated to
//   `attr[filter and sub op value]`;
// - `not` without parentheses (`not active eq true`), and no space before a quoted value (`userName eq"x"`);
// - unknown escape sequences in strings (`"DOMAIN\user"`) are kept literally instead of being rejected.
import { badRequest, type ScimError } from './errors.js';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;
export type FilterNode =
  | { op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { op: 'not'; filter: FilterNode }
  | { op: CompareOp; path: string; value: FilterValue } // path as written, e.g. "name.familyName" or "urn:...:User:department"
  | { op: 'pr'; path: string }
  | { op: 'valuePath'; path: string; filter: FilterNode }; // emails[type eq "work"]; inner paths are relative sub-attribute names

export interface FilterLimits {
  maxLength?: number;
  maxDepth?: number;
}

export const DEFAULT_MAX_FILTER_LENGTH = 4096;
export const DEFAULT_MAX_FILTER_DEPTH = 32;

export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const COMPARE_OP_SET: ReadonlySet<string> = new Set(COMPARE_OPS);

export function isCompareOp(op: string): op is CompareOp {
  return COMPARE_OP_SET.has(op);
}

/**
 * Parses a SCIM filter into an AST. Throws ScimError 400 `invalidFilter` naming the problem and its position
 * (0-based character offset into `text`).
 */
export function parseFilter(text: string, limits: FilterLimits = {}): FilterNode {
  if (typeof text !== 'string') throw invalid('the filter must be a string');
  const maxLength = positiveOr(limits.maxLength, DEFAULT_MAX_FILTER_LENGTH);
  const maxDepth = positiveOr(limits.maxDepth, DEFAULT_MAX_FILTER_DEPTH);
  if (text.length > maxLength) {
    throw invalid(`the filter is too long (${text.length} characters; at most ${maxLength} are allowed)`);
  }
  const plusIsSpace = usesPlusAsSpace(text);
  const parser = new Parser(new Lexer(text, plusIsSpace), maxDepth, plusIsSpace);
  return parser.parseWhole();
}

function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value > 0 ? value : fallback;
}

function invalid(problem: string): ScimError {
  return badRequest('invalidFilter', `Invalid filter: ${problem}.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer

type TokenKind = 'word' | 'string' | '(' | ')' | '[' | ']' | 'eof';

interface Token {
  kind: TokenKind;
  /** Raw text for words and punctuation; the decoded value for strings. */
  text: string;
  /** 0-based offset of the token's first character. */
  pos: number;
  /** Offset just past the token. */
  end: number;
}

const SPACE = 0x20;
const PLUS = 0x2b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(c: number): boolean {
  return c === SPACE || (c >= 0x09 && c <= 0x0d);
}

/** True when the filter has `+` but no whitespace outside quoted strings: an undecoded form-encoded query value. */
function usesPlusAsSpace(text: string): boolean {
  let plus = false;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (isWhitespace(c)) return false;
    else if (c === PLUS) plus = true;
  }
  return plus;
}

class Lexer {
  private offset = 0;
  private peeked: Token | undefined;

  constructor(
    readonly source: string,
    private readonly plusIsSpace: boolean,
  ) {}

  peek(): Token {
    if (!this.peeked) this.peeked = this.read();
    return this.peeked;
  }

  next(): Token {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  private isSeparator(c: number): boolean {
    return isWhitespace(c) || (this.plusIsSpace && c === PLUS);
  }

  private read(): Token {
    const s = this.source;
    let i = this.offset;
    while (i < s.length && this.isSeparator(s.charCodeAt(i))) i++;
    if (i >= s.length) {
      this.offset = i;
      return { kind: 'eof', text: '', pos: i, end: i };
    }
    const ch = s[i];
    if (ch === '(' || ch === ')' || ch === '[' || ch === ']') {
      this.offset = i + 1;
      return { kind: ch, text: ch, pos: i, end: i + 1 };
    }
    if (ch === '"') return this.readString(i);
    let j = i;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (this.isSeparator(c) || c === QUOTE || c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d) break;
      j++;
    }
    this.offset = j;
    return { kind: 'word', text: s.slice(i, j), pos: i, end: j };
  }

  /** A JSON string literal starting at `start` (the opening quote). */
  private readString(start: number): Token {
    const s = this.source;
    // Find the closing quote first (escapes skip one character), so an unterminated literal costs one scan and no
    // allocation; decode only when the literal has escapes.
    let close = -1;
    let escapes = false;
    for (let j = start + 1; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === QUOTE) {
        close = j;
        break;
      }
      if (c === BACKSLASH) {
        escapes = true;
        j++;
      }
    }
    if (close < 0) throw invalid(`unterminated string starting at position ${start} (missing closing '"')`);
    this.offset = close + 1;
    const text = escapes ? decodeEscapes(s, start + 1, close) : s.slice(start + 1, close);
    return { kind: 'string', text, pos: start, end: close + 1 };
  }
}

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

/** Decodes JSON escapes in s[from, to). Not-JSON escapes (`DOMAIN\user`) keep the backslash and the character. */
function decodeEscapes(s: string, from: number, to: number): string {
  const parts: string[] = [];
  let chunk = from;
  let j = from;
  while (j < to) {
    if (s.charCodeAt(j) !== BACKSLASH) {
      j++;
      continue;
    }
    parts.push(s.slice(chunk, j));
    const e = s[j + 1];
    let decoded = SIMPLE_ESCAPES.get(e);
    let width = 2;
    if (e === 'u') {
      const hex = s.slice(j + 2, j + 6);
      if (j + 6 <= to && /^[0-9a-fA-F]{4}$/.test(hex)) {
        decoded = String.fromCharCode(parseInt(hex, 16));
        width = 6;
      }
    }
    parts.push(decoded ?? '\\' + e);
    j += width;
    chunk = j;
  }
  parts.push(s.slice(chunk, to));
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Parser

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'the end of the filter';
    case 'string':
      return `string "${clip(token.text)}"`;
    default:
      return `'${clip(token.text)}'`;
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function isKeyword(token: Token, ...words: string[]): boolean {
  if (token.kind !== 'word') return false;
  const lower = token.text.toLowerCase();
  return words.includes(lower);
}

/** Checks `[URN ":"] ATTRNAME ["." ATTRNAME]` (with `$` allowed in names for `$ref`). */
function checkAttributePath(path: string, pos: number): void {
  let rest = path;
  if (/^urn:/i.test(path)) {
    const colon = path.lastIndexOf(':');
    rest = path.slice(colon + 1);
    if (colon <= 'urn:'.length) throw invalid(`invalid attribute path '${clip(path)}' at position ${pos}`);
  }
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every((p) => NAME.test(p))) {
    throw invalid(`invalid attribute path '${clip(path)}' at position ${pos}`);
  }
}

/** JSON number grammar; numbers are only taken from bare words whose text survives a round trip (`1.50` stays text). */
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

function bareValue(text: string): FilterValue {
  const lower = text.toLowerCase();
  if (lower === 'null') return null;
  // `true`/`false` in lower case are the JSON literals. Other spellings (`True`) stay strings so that a string
  // attribute compares the exact text; boolean attributes coerce "True"/"False" anyway.
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n) && String(n) === text) return n;
  }
  return text;
}

class Parser {
  constructor(
    private readonly lexer: Lexer,
    private readonly maxDepth: number,
    private readonly plusIsSpace: boolean,
  ) {}

  parseWhole(): FilterNode {
    const first = this.lexer.peek();
    if (first.kind === 'eof') throw invalid('the filter is empty');
    const node = this.parseOr(0, false);
    const rest = this.lexer.peek();
    if (rest.kind === 'eof') return node;
    if (rest.kind === ')') throw invalid(`unbalanced parenthesis: ')' at position ${rest.pos} has no matching '('`);
    if (rest.kind === ']') throw invalid(`unbalanced bracket: ']' at position ${rest.pos} has no matching '['`);
    throw invalid(`unexpected ${describe(rest)} at position ${rest.pos}; expected 'and', 'or' or the end of the filter`);
  }

  private enter(depth: number, token: Token): void {
    if (depth > this.maxDepth) {
      throw invalid(
        `the filter is nested too deeply at position ${token.pos} (at most ${this.maxDepth} levels of parentheses, brackets and 'not')`,
      );
    }
  }

  private parseOr(depth: number, inBrackets: boolean): FilterNode {
    let left = this.parseAnd(depth, inBrackets);
    while (isKeyword(this.lexer.peek(), 'or')) {
      this.lexer.next();
      const right = this.parseAnd(depth, inBrackets);
      left = { op: 'or', left, right };
    }
    return left;
  }

  private parseAnd(depth: number, inBrackets: boolean): FilterNode {
    let left = this.parseNot(depth, inBrackets);
    while (isKeyword(this.lexer.peek(), 'and')) {
      this.lexer.next();
      const right = this.parseNot(depth, inBrackets);
      left = { op: 'and', left, right };
    }
    return left;
  }

  private parseNot(depth: number, inBrackets: boolean): FilterNode {
    const token = this.lexer.peek();
    if (isKeyword(token, 'not')) {
      this.lexer.next();
      this.enter(depth + 1, token);
      return { op: 'not', filter: this.parseNot(depth + 1, inBrackets) };
    }
    return this.parsePrimary(depth, inBrackets);
  }

  private parsePrimary(depth: number, inBrackets: boolean): FilterNode {
    const token = this.lexer.peek();
    if (token.kind === '(') {
      this.lexer.next();
      this.enter(depth + 1, token);
      const inner = this.parseOr(depth + 1, inBrackets);
      const close = this.lexer.next();
      if (close.kind !== ')') {
        throw invalid(
          `unbalanced parenthesis: the '(' at position ${token.pos} is not closed (found ${describe(close)} at position ${close.pos})`,
        );
      }
      return inner;
    }
    if (token.kind === 'word' && !isKeyword(token, 'and', 'or')) return this.parseAttributeExpression(depth, inBrackets);
    if (token.kind === 'eof') throw invalid(`the filter ends at position ${token.pos} where an attribute expression was expected`);
    throw invalid(`expected an attribute name at position ${token.pos} but found ${describe(token)}`);
  }

  private parseAttributeExpression(depth: number, inBrackets: boolean): FilterNode {
    const pathToken = this.lexer.next();
    const path = pathToken.text;
    checkAttributePath(path, pathToken.pos);
    const open = this.lexer.peek();
    if (open.kind !== '[') return this.parseOperation(path, pathToken);

    if (inBrackets) throw invalid(`value filters cannot be nested: '[' at position ${open.pos} inside another '[...]'`);
    this.lexer.next();
    this.enter(depth + 1, open);
    if (this.lexer.peek().kind === ']') throw invalid(`empty value filter '${clip(path)}[]' at position ${open.pos}`);
    const inner = this.parseOr(depth + 1, true);
    const close = this.lexer.next();
    if (close.kind !== ']') {
      throw invalid(
        `unbalanced bracket: the '[' at position ${open.pos} is not closed (found ${describe(close)} at position ${close.pos})`,
      );
    }
    // `emails[type eq "work"].value eq "x"`: the same element must satisfy both, so fold the comparison into the
    // value filter.
    const after = this.lexer.peek();
    if (after.kind === 'word' && after.text.startsWith('.')) {
      this.lexer.next();
      const sub = after.text.slice(1);
      if (!NAME.test(sub)) throw invalid(`invalid sub-attribute '${clip(after.text)}' at position ${after.pos}`);
      const comparison = this.parseOperation(sub, after);
      return { op: 'valuePath', path, filter: { op: 'and', left: inner, right: comparison } };
    }
    return { op: 'valuePath', path, filter: inner };
  }

  /** `op value` or `pr` after an attribute path. */
  private parseOperation(path: string, pathToken: Token): FilterNode {
    const opToken = this.lexer.next();
    if (opToken.kind === 'eof') throw invalid(`missing operator after '${clip(pathToken.text)}' at position ${opToken.pos}`);
    if (opToken.kind !== 'word') {
      throw invalid(`expected an operator after '${clip(pathToken.text)}' at position ${opToken.pos} but found ${describe(opToken)}`);
    }
    const op = opToken.text.toLowerCase();
    if (op === 'pr') return { op: 'pr', path };
    if (!isCompareOp(op)) {
      throw invalid(
        `unknown operator '${clip(opToken.text)}' at position ${opToken.pos} (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr)`,
      );
    }
    const value = this.parseValue(opToken);
    if (value === null && op !== 'eq' && op !== 'ne') {
      throw invalid(`'${opToken.text}' at position ${opToken.pos} cannot compare with null (only eq and ne can)`);
    }
    return { op, path, value };
  }

  private parseValue(opToken: Token): FilterValue {
    const token = this.lexer.peek();
    if (token.kind === 'string') {
      this.lexer.next();
      return token.text;
    }
    if (token.kind !== 'word' || isKeyword(token, 'and', 'or', 'not')) {
      throw invalid(`missing value after '${opToken.text}' at position ${token.pos} (found ${describe(token)})`);
    }
    // Unquoted value: one word, or several up to `and`/`or`/`)`/`]`/the end (`displayName eq Sales Team`), taken
    // from the source so that inner spacing survives. A following operator word stops it, so a forgotten `and`
    // (`userName eq x title eq y`) still fails instead of becoming one long value.
    this.lexer.next();
    let last = token;
    for (let t = this.lexer.peek(); t.kind === 'word' && !isKeyword(t, 'and', 'or', 'pr', ...COMPARE_OPS); t = this.lexer.peek()) {
      last = this.lexer.next();
    }
    if (last === token) return bareValue(token.text);
    const raw = this.lexer.source.slice(token.pos, last.end);
    return this.plusIsSpace ? raw.replace(/\+/g, ' ') : raw;
  }
}
