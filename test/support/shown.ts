// Everything an analysis shows a user, positions included, as one comparable
// value: what an incremental analysis must equal (test/analysis/incremental.test.ts,
// the fuzzer's incremental check).
import type { Analysis } from '../../server/src/analysis/analysis.js';
import type { IrqdDiagnostic } from '../../server/src/model/diagnostic.js';

export function shown(a: Analysis): unknown {
  const diag = (d: IrqdDiagnostic): unknown => [d.code, d.severity, d.span.start, d.span.end, d.message, d.related?.map((r) => [r.span.start, r.span.end, r.message]) ?? null, d.unnecessary ?? false];
  return {
    diagnostics: a.diagnostics.map(diag),
    traces: a.model.scenarios.map((sc) => {
      const t = a.traces.get(sc);
      if (!t) return null;
      return {
        system: t.system.name,
        passed: t.passed,
        skipped: t.skipped ?? null,
        diagnostics: t.diagnostics.map(diag),
        records: t.records.map((r) => [r.ordinal, r.outcome, r.summary, r.step.kind, r.step.span.start, r.step.span.end, r.events.map((e) => [e.fn, e.text, e.warning ?? false]), JSON.stringify(r.views)]),
      };
    }),
  };
}
