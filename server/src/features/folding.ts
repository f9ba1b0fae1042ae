// Folding ranges: every braced body, block comments, runs of line comments,
// and runs of `use` lines (as imports).
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type * as A from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';

function bodiesOf(items: readonly A.BodyItem[], out: A.Span[]): void {
  for (const item of items) {
    if ((item.kind === 'domain' || item.kind === 'device' || item.kind === 'pasid' || item.kind === 'state') && item.body) out.push(item.body);
    if (item.kind === 'guest') {
      if (item.body) out.push(item.body);
      bodiesOf(item.items, out);
    }
  }
}

function stepBodies(steps: readonly A.Step[], out: A.Span[]): void {
  for (const s of steps) {
    if (s.kind === 'guest') {
      if (s.body) out.push(s.body);
      stepBodies(s.steps, out);
    }
  }
}

/** Consecutive `use` lines at the top level, each run from its first line to its last. */
function useRuns(analysis: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  let run: A.UseDecl[] = [];
  const flush = (): void => {
    const first = run[0];
    const last = run[run.length - 1];
    if (first && last) {
      const start = analysis.lines.lineOf(first.span.start);
      const end = analysis.lines.lineOf(last.span.end);
      if (end > start) out.push({ startLine: start, endLine: end, kind: FoldingRangeKind.Imports });
    }
    run = [];
  };
  for (const item of analysis.parse.ast.items) {
    if (item.kind === 'use') run.push(item);
    else flush();
  }
  flush();
  return out;
}

export function foldingRanges(analysis: Analysis): FoldingRange[] {
  const bodies: A.Span[] = [];
  for (const item of analysis.parse.ast.items) {
    if (item.kind === 'use') continue;
    if (item.body) bodies.push(item.body);
    if (item.kind === 'system') bodiesOf(item.items, bodies);
    else stepBodies(item.steps, bodies);
  }
  const out: FoldingRange[] = useRuns(analysis);
  for (const b of bodies) {
    const start = analysis.lines.lineOf(b.start);
    // Fold up to the line before the closing brace, so '}' stays visible.
    const end = analysis.lines.lineOf(b.end) - 1;
    if (end > start) out.push({ startLine: start, endLine: end });
  }
  let runStart = -1;
  let runEnd = -1;
  const flush = (): void => {
    if (runEnd > runStart) out.push({ startLine: runStart, endLine: runEnd, kind: FoldingRangeKind.Comment });
    runStart = runEnd = -1;
  };
  for (const c of analysis.parse.comments) {
    const start = analysis.lines.lineOf(c.start);
    const end = analysis.lines.lineOf(c.end);
    if (analysis.text.startsWith('/*', c.start)) {
      flush();
      if (end > start) out.push({ startLine: start, endLine: end, kind: FoldingRangeKind.Comment });
      continue;
    }
    // Only comments that stand alone on their line join a run.
    const lineStart = analysis.lines.offset({ line: start, character: 0 });
    if (analysis.text.slice(lineStart, c.start).trim() !== '') continue;
    if (runStart >= 0 && start === runEnd + 1) runEnd = start;
    else {
      flush();
      runStart = runEnd = start;
    }
  }
  flush();
  return out.sort((a, b) => a.startLine - b.startLine);
}
