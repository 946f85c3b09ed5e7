// How deeply a request body may nest objects and arrays. Checked once, right after parsing, because every later step
// (normalize, validate, PATCH, projection) walks documents recursively.
/** Deepest nesting of objects and arrays a body may have: SCIM documents need under 10, and every later step recurses. */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects/arrays deeper than `limit` (iterative, so a 10,000-deep body cannot overflow the stack). */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
