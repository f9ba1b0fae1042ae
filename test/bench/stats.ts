// Percentiles, formatting and the rows every case reports.

/** The value at or below which `p` percent of the samples lie (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

/** Milliseconds with three significant figures or so: 0.412, 12.3, 1,234. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v >= 1000) return `${Math.round(v).toLocaleString('en-US')} ms`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}

export function mb(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '—';
  return `${(bytes / (1024 * 1024)).toFixed(0)} MB`;
}

/** One line of a case's table, and of the Markdown block for BENCHMARKS.md. */
export interface Row {
  case: string;
  input: string;
  n: string;
  p50: string;
  p95: string;
  p99: string;
  rss: string;
  goal: string;
  /** true, false, or undefined when the row has no goal. */
  met: boolean | undefined;
  /** The case failed or timed out: the row says why instead of measuring. */
  failed?: boolean;
}

export function timingRow(kase: string, input: string, s: Summary, rss: number | undefined, goal: string, met: boolean | undefined): Row {
  return { case: kase, input, n: String(s.n), p50: ms(s.p50), p95: ms(s.p95), p99: ms(s.p99), rss: mb(rss), goal, met };
}

export function noteRow(kase: string, input: string, text: string): Row {
  return { case: kase, input, n: '—', p50: text, p95: '', p99: '', rss: '', goal: '', met: undefined };
}

const HEADER = ['case', 'input', 'n', 'p50', 'p95', 'p99', 'peak RSS', 'goal', 'met'];

function cells(r: Row): string[] {
  return [r.case, r.input, r.n, r.p50, r.p95, r.p99, r.rss, r.goal, r.met === undefined ? '' : r.met ? 'yes' : 'NO'];
}

/** A plain-text table, columns padded. */
export function textTable(rows: readonly Row[]): string {
  const all = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n');
}

export function markdownTable(rows: readonly Row[]): string {
  const line = (c: string[]): string => `| ${c.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...rows.map((r) => line(cells(r)))].join('\n');
}
