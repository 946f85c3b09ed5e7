// Plain-text and Markdown tables for terminal reports.

export type Align = 'left' | 'right';

export interface TableOptions {
  align?: Align[];
  /** Markdown pipe table instead of aligned columns. */
  markdown?: boolean;
}

function width(text: string): number {
  // Code points, not UTF-16 units (≥, ×, – are one column each).
  return [...text].length;
}

function padCell(text: string, w: number, align: Align): string {
  const gap = ' '.repeat(Math.max(0, w - width(text)));
  return align === 'right' ? gap + text : text + gap;
}

export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const align = headers.map((_, i) => options.align?.[i] ?? (i === 0 ? 'left' : 'right'));
  if (options.markdown) {
    headers = headers.map((c) => c.replace(/\|/g, '\\|'));
    rows = rows.map((r) => r.map((c) => c.replace(/\|/g, '\\|')));
  }
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  if (options.markdown) {
    const line = (cells: string[]): string => `| ${cells.map((c, i) => padCell(c, widths[i], align[i])).join(' | ')} |`;
    const rule = `|${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
    return [line(headers), rule, ...rows.map((r) => line(headers.map((_, i) => r[i] ?? '')))].join('\n');
  }
  const line = (cells: string[]): string => cells.map((c, i) => padCell(c, widths[i], align[i])).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map((r) => line(headers.map((_, i) => r[i] ?? '')))].join('\n');
}
