// Spans to LSP ranges and our diagnostics to LSP diagnostics.
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type Range } from 'vscode-languageserver';
import type { Span } from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
import type { Severity } from '../model/catalog.js';
import type { IrqdDiagnostic } from '../model/diagnostic.js';

export function toRange(analysis: Analysis, span: Span): Range {
  return analysis.lines.range(span);
}

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostics(analysis: Analysis, uri: string): Diagnostic[] {
  return analysis.diagnostics.map((d) => toLspDiagnostic(analysis, uri, d));
}

/** One diagnostic as LSP has it (a code action names the diagnostics it fixes). */
export function toLspDiagnostic(analysis: Analysis, uri: string, d: IrqdDiagnostic): Diagnostic {
  const out: Diagnostic = {
    range: toRange(analysis, d.span),
    severity: severities[d.severity],
    code: d.code,
    source: 'irqd',
    message: d.message,
  };
  if (d.related) {
    out.relatedInformation = d.related.map((r) => ({ location: { uri, range: toRange(analysis, r.span) }, message: r.message }));
  }
  if (d.unnecessary) out.tags = [DiagnosticTag.Unnecessary];
  return out;
}
