// Inlay hints: each simulated step's outcome in a few words at the end of its
// line (`→ CPU 1 vec 0x21`, `-ENOSPC`, `3 IRQs moved`), for the requested range.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';

export function inlayHints(analysis: Analysis, range: Range): InlayHint[] {
  const from = analysis.lines.offset(range.start);
  const to = analysis.lines.offset(range.end);
  const hints: InlayHint[] = [];
  for (const trace of analysis.traces.values()) {
    for (const r of trace.records) {
      if (r.step.span.end < from || r.step.span.start > to || !r.summary || r.summary === '✓') continue;
      const end = analysis.lines.position(r.step.span.end);
      const lineEnd = { line: end.line, character: analysis.lines.lineText(end.line).length };
      // Several steps on one line get their hints at their own ends.
      const restOfLine = analysis.lines.lineText(end.line).slice(end.character).trim();
      const position = restOfLine === '' || restOfLine.startsWith('//') ? lineEnd : end;
      hints.push({ position, label: ` ${r.summary}`, kind: InlayHintKind.Type, paddingLeft: true, tooltip: `step ${r.ordinal}: ${r.outcome}` });
    }
  }
  return hints.sort((a, b) => a.position.line - b.position.line || a.position.character - b.position.character);
}
