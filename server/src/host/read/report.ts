// What every snapshot parser shares: a per-file problem reporter, line
// splitting that notices a cut-off last line, and number parsing that refuses
// values a JavaScript number cannot hold exactly. The parsers never throw;
// they report here and carry on with the next line.
import type { SnapshotProblem } from '../types.js';

/** At most this many warnings per file; a file of garbage must not bury the other problems. */
const MAX_WARNINGS_PER_FILE = 50;

/** The highest CPU number any parser accepts (NR_CPUS is at most 8192 on x86-64). */
export const MAX_CPU = 8191;
/** The highest IRQ number accepted: Linux allocates descriptors far below this. */
export const MAX_IRQ = 1_000_000;

export class Reporter {
  private warnings = 0;

  constructor(
    readonly file: string,
    private readonly problems: SnapshotProblem[],
  ) {}

  warn(line: number | undefined, message: string): void {
    this.warnings++;
    if (this.warnings > MAX_WARNINGS_PER_FILE) return;
    if (this.warnings === MAX_WARNINGS_PER_FILE) message = `${message} (further warnings for this file are not shown)`;
    this.problems.push(line === undefined ? { file: this.file, message, severity: 'warning' } : { file: this.file, line, message, severity: 'warning' });
  }

  error(line: number | undefined, message: string): void {
    this.problems.push(line === undefined ? { file: this.file, message, severity: 'error' } : { file: this.file, line, message, severity: 'error' });
  }
}

export interface Line {
  readonly text: string;
  /** 1-based. */
  readonly line: number;
}

/**
 * The lines of a kernel-printed file. seq_file output always ends in '\n', so
 * an unterminated last line is a read cut short: it is dropped with a warning
 * rather than parsed into a value that may have lost digits.
 */
export function splitLines(text: string, rep: Reporter): Line[] {
  const parts = text.split('\n');
  const last = parts.pop() ?? '';
  if (last !== '') rep.warn(parts.length + 1, 'the last line has no newline (the file looks truncated); it is skipped');
  return parts.map((t, i) => ({ text: t.endsWith('\r') ? t.slice(0, -1) : t, line: i + 1 }));
}

/**
 * The single value of a one-value file (cpulists, 'node', 'irq'): the first
 * line; a missing final newline is fine here because nothing follows it.
 */
export function singleValue(text: string, rep: Reporter): string {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() !== '') {
      rep.warn(i + 1, 'unexpected extra line in a one-value file; ignored');
      break;
    }
  }
  return (lines[0] ?? '').replace(/\r$/, '');
}

/** A decimal that fits a number exactly, else undefined. */
export function parseDecimal(s: string): number | undefined {
  if (!/^\d{1,16}$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A signed decimal ('-1' for NUMA_NO_NODE) that fits a number exactly. */
export function parseSignedDecimal(s: string): number | undefined {
  if (!/^-?\d{1,16}$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Hex with or without '0x' that fits a number exactly (at most 2^53 - 1). */
export function parseHex(s: string): number | undefined {
  const m = /^(?:0[xX])?([0-9a-fA-F]{1,16})$/.exec(s);
  if (!m) return undefined;
  const n = parseInt(m[1], 16);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Hex with or without '0x' of up to 64 bits, as a bigint. */
export function parseHexBig(s: string): bigint | undefined {
  const m = /^(?:0[xX])?0*([0-9a-fA-F]{1,16})$/.exec(s);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

/** The last component of a snapshot path. */
export function baseName(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? file : file.slice(i + 1);
}

/** A short quotation of a line for a problem message. */
export function quote(s: string): string {
  // Control characters and failed decodes would garble a terminal line.
  // eslint-disable-next-line no-control-regex
  const t = s.trim().replace(/[\u0000-\u001f\u007f-\u009f\uFFFD]/g, '?');
  return `'${t.length > 60 ? `${t.slice(0, 57)}...` : t}'`;
}

/** A text that cannot be kernel output: NUL bytes or U+FFFD from a failed decode. */
export function looksBinary(text: string): boolean {
  return text.includes('\u0000') || text.includes('\uFFFD');
}
