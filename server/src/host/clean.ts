// The last guard of `irqd import`: the file it writes must be clean. The
// interpretation (machine.ts) keeps every fact consistent with the others
// for any snapshot a kernel writes, but a damaged snapshot (a truncated
// file, a number changed, files from two different moments) can still
// carry a fact no kernel state has — an IRTE on an IRQ without remapping, a
// CPU past the last one. Rather than write a file with errors, the import
// analyses what it wrote and leaves out each line an error is on, saying
// why in a comment, until the file is clean; a file that does not get clean
// that way is a one-line problem.
import { analyze } from '../analysis/analysis.js';

/** How many rounds of leaving lines out before the snapshot is called inconsistent. */
const MAX_ROUNDS = 8;

/** The lines of the block a line opens (`device … {` to its `}`), or that line alone. */
function extentOf(lines: readonly string[], at: number): [number, number] {
  const code = (lines[at] ?? '').replace(/\s*\/\/.*$/, '');
  if (!code.trimEnd().endsWith('{')) return [at, at];
  let depth = 0;
  for (let i = at; i < lines.length; i++) {
    const c = (lines[i] ?? '').replace(/\s*\/\/.*$/, '');
    for (const ch of c) {
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
    }
    if (depth <= 0) return [at, i];
  }
  return [at, lines.length - 1];
}

/** A comment in place of a line: what it said and why it is left out. */
function leftOut(line: string, why: string): string {
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  const code = line.trim().replace(/\s*\/\/.*$/, '');
  return `${indent}// left out, the snapshot is inconsistent here (${why}): ${code}`;
}

/** The text with every line an error is on left out, or the first error that cannot be left out. */
export function leaveOutInconsistent(text: string, file?: string): { text: string; leftOut: number } | { problem: string } {
  let lines = text.split('\n');
  let count = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const a = analyze(lines.join('\n'), 0, file ? { file } : {});
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length === 0) return { text: lines.join('\n'), leftOut: count };
    const out = [...lines];
    const done = new Set<number>();
    for (const d of errors) {
      const line = a.lines.position(d.span.start).line;
      if (done.has(line)) continue;
      // The system's own header or its closing brace cannot go: nothing would be left.
      if (/^(system|\})/.test(lines[line] ?? '')) return { problem: `the snapshot is inconsistent: ${d.code} ${d.message}` };
      const [from, to] = extentOf(lines, line);
      for (let i = from; i <= to; i++) {
        if (done.has(i)) continue;
        done.add(i);
        out[i] = leftOut(lines[i] ?? '', i === line ? `${d.code} ${d.message}` : 'in a block left out');
        count++;
      }
    }
    lines = out;
  }
  const a = analyze(lines.join('\n'), 0, file ? { file } : {});
  const first = a.diagnostics.find((d) => d.severity === 'error');
  return first ? { problem: `the snapshot is inconsistent: ${first.code} ${first.message}` } : { text: lines.join('\n'), leftOut: count };
}
