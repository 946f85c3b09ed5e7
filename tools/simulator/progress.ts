// A one-line progress bar on a TTY (stderr), redrawn at most ten times a second; elsewhere nothing, or (for long
// unattended runs such as the benchmark) a plain status line every `lineIntervalMs`.
import type { ProgressEvent } from './engine.js';
import { formatInt } from './stats.js';

export interface ProgressRenderer {
  onProgress(event: ProgressEvent): void;
  finish(): void;
}

export interface ProgressOptions {
  /** When not on a TTY, print a status line this often (default: print nothing). */
  lineIntervalMs?: number;
}

export function createProgressBar(stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): ProgressRenderer {
  if (!stream.isTTY) {
    const interval = options.lineIntervalMs;
    if (!interval) return { onProgress: () => undefined, finish: () => undefined };
    let lastLine = performance.now();
    return {
      onProgress(event) {
        const now = performance.now();
        if (now - lastLine < interval) return;
        lastLine = now;
        const seconds = (now - event.startedAt) / 1000;
        stream.write(`  ${event.phase} › ${event.step}: ${formatInt(event.done)}/${formatInt(event.total)} · ${formatInt(event.requests)} requests in ${seconds.toFixed(0)} s · ${formatInt(event.errors)} errors\n`);
      },
      finish: () => undefined,
    };
  }
  let last = 0;
  let current: ProgressEvent | undefined;
  let shownPhase = '';
  const draw = (event: ProgressEvent): void => {
    const columns = stream.columns || 100;
    const fraction = event.total > 0 ? Math.min(1, event.done / event.total) : 1;
    const seconds = (performance.now() - event.startedAt) / 1000;
    const rate = seconds > 0 ? event.requests / seconds : 0;
    const text = ` ${formatInt(event.done)}/${formatInt(event.total)} · ${formatInt(event.requests)} req · ${formatInt(rate)} req/s · ${formatInt(event.errors)} errors`;
    const label = `${event.phase} › ${event.step} `;
    const barWidth = Math.max(10, Math.min(40, columns - label.length - text.length - 4));
    const filled = Math.round(fraction * barWidth);
    const line = `${label}[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]${text}`;
    stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
  };
  return {
    onProgress(event) {
      current = event;
      const now = performance.now();
      if (event.phase !== shownPhase) {
        if (shownPhase !== '') stream.write('\n');
        shownPhase = event.phase;
        last = 0;
      }
      if (now - last >= 100 || event.done === event.total) {
        last = now;
        draw(event);
      }
    },
    finish() {
      if (current) {
        draw(current);
        stream.write('\n');
      }
    },
  };
}
