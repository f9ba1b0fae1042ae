// Data-driven fixtures: an .irqd file whose expectations are written beside
// the line they check (architecture.md, "Tests").
//
//     request nvme0[70]
//   //             ^^ error IRQD028 device 'nvme0' has vectors 0-63; index 70 is outside its capability
//
// An annotation line is `//` followed by carets under the checked text of the
// nearest code line above, then what is expected there:
//
//   ^^^ error|warning|info|hint IRQDnnn [message]  a diagnostic with exactly that
//                                             range (a message ending in '...'
//                                             is matched as a prefix)
//   ^ hover: text                             the hover at the caret contains text
//   ^ completion: a, b, !c                    completion offers a and b, not c
//   ^ definition: line N                      go-to-definition lands on line N
//
// `//< error IRQDnnn message` marks a diagnostic that starts at column 0 of
// the line above (carets cannot sit under column 0). Every diagnostic of the
// file must be annotated, and every annotation must match.
import type { Analysis } from '../../server/src/analysis/analysis.js';
import { analyze } from '../../server/src/analysis/analysis.js';
import { completion } from '../../server/src/features/completion.js';
import { definition } from '../../server/src/features/definition.js';
import { hover } from '../../server/src/features/hover.js';

export interface Expectation {
  readonly line: number;
  /** Start column, or -1 for "anywhere on the line" (unused) */
  readonly column: number;
  readonly length: number;
  readonly anyLength: boolean;
  readonly kind: 'diagnostic' | 'hover' | 'completion' | 'definition';
  readonly severity?: string;
  readonly code?: string;
  readonly text?: string;
  /** The line of the annotation itself, for error messages. */
  readonly annotationLine: number;
}

const CARET = /^(\s*\/\/\s*)(\^+)\s+(.*)$/;
const LINE_START = /^\s*\/\/<\s+(.*)$/;
const DIAG = /^(error|warning|info|hint)\s+(IRQD\d{3})(?:\s+(.*))?$/;

function isAnnotation(line: string): boolean {
  return CARET.test(line) || LINE_START.test(line);
}

export function readExpectations(text: string): { expectations: Expectation[]; problems: string[] } {
  const lines = text.split(/\r?\n/);
  const expectations: Expectation[] = [];
  const problems: string[] = [];
  let target = -1;
  lines.forEach((line, i) => {
    const caret = CARET.exec(line);
    const start = LINE_START.exec(line);
    if (!caret && !start) {
      if (line.trim() !== '') target = i;
      return;
    }
    if (target < 0) {
      problems.push(`line ${i + 1}: annotation with no code line above it`);
      return;
    }
    const column = caret ? (caret[1] as string).length : 0;
    const length = caret ? (caret[2] as string).length : 0;
    const body = (caret ? caret[3] : start?.[1]) as string;
    const diag = DIAG.exec(body);
    const base = { line: target, column, length, anyLength: !caret, annotationLine: i };
    if (diag) {
      expectations.push({ ...base, kind: 'diagnostic', severity: diag[1], code: diag[2], text: diag[3]?.trim() });
      return;
    }
    const feature = /^(hover|completion|definition):\s*(.*)$/.exec(body);
    if (feature) {
      expectations.push({ ...base, kind: feature[1] as Expectation['kind'], text: (feature[2] as string).trim() });
      return;
    }
    problems.push(`line ${i + 1}: cannot read the annotation '${body}'`);
  });
  return { expectations, problems };
}

function messageMatches(expected: string | undefined, actual: string): boolean {
  if (expected === undefined || expected === '') return true;
  if (expected.endsWith('...')) return actual.startsWith(expected.slice(0, -3));
  return actual === expected;
}

/** Runs a fixture; returns the list of mismatches (empty when it passes). */
export function checkFixture(text: string, analysisOf: (t: string) => Analysis = (t) => analyze(t, 1)): string[] {
  const { expectations, problems } = readExpectations(text);
  const failures = [...problems];
  // Annotation lines are comments, so analysing the annotated text is the same
  // as analysing the plain text.
  const analysis = analysisOf(text);
  const unmatched = [...analysis.diagnostics];
  const describe = (d: (typeof unmatched)[number]): string => {
    const r = analysis.lines.range(d.span);
    return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${d.severity} ${d.code} ${d.message}`;
  };
  for (const e of expectations) {
    const where = `line ${e.line + 1} (annotation on line ${e.annotationLine + 1})`;
    if (e.kind === 'diagnostic') {
      const index = unmatched.findIndex((d) => {
        const r = analysis.lines.range(d.span);
        const startOk = r.start.line === e.line && r.start.character === e.column;
        const lengthOk = e.anyLength || (r.end.line === e.line && r.end.character - r.start.character === e.length);
        return startOk && lengthOk && d.severity === e.severity && d.code === e.code && messageMatches(e.text, d.message);
      });
      if (index < 0) {
        const near = unmatched.filter((d) => analysis.lines.range(d.span).start.line === e.line).map(describe);
        failures.push(`${where}: expected ${e.severity} ${e.code} ${e.text ?? ''} at column ${e.column + 1}` + (near.length ? `; on that line: ${near.join(' | ')}` : '; nothing reported on that line'));
      } else {
        unmatched.splice(index, 1);
      }
      continue;
    }
    const position = { line: e.line, character: e.column };
    if (e.kind === 'hover') {
      const h = hover(analysis, position);
      const value = h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
      if (!value.includes(e.text ?? '')) failures.push(`${where}: hover does not contain '${e.text}'; it is: ${JSON.stringify(value)}`);
    } else if (e.kind === 'completion') {
      const labels = new Set(completion(analysis, position).map((c) => c.label));
      for (const want of (e.text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
        const absent = want.startsWith('!');
        const label = absent ? want.slice(1) : want;
        if (absent === labels.has(label)) {
          failures.push(`${where}: completion ${absent ? 'offers' : 'lacks'} '${label}'; it offers: ${[...labels].join(', ')}`);
        }
      }
    } else if (e.kind === 'definition') {
      const loc = definition(analysis, 'file:///fixture.irqd', position);
      const want = /^line (\d+)$/.exec(e.text ?? '');
      if (!want || !loc || loc.range.start.line + 1 !== Number(want[1])) {
        failures.push(`${where}: definition expected ${e.text}, got ${loc ? `line ${loc.range.start.line + 1}` : 'nothing'}`);
      }
    }
  }
  for (const d of unmatched) failures.push(`unexpected diagnostic ${describe(d)}`);
  return failures;
}

export { isAnnotation };
