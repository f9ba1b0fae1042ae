// A scenario's trace as text: what `irqd run` prints and what the editor's
// "Run Scenario" command shows in its output channel.
import type { Analysis } from '../analysis/analysis.js';
import { failedExpectations, kernelFailure, type StepRecord, type Trace } from '../sim/engine.js';
import type { IrqdDiagnostic } from '../model/diagnostic.js';
import { counted } from '../sim/kernel.js';
import type { IrqView } from '../sim/views.js';

/** Events shown per step in the text trace. */
const MAX_EVENTS = 12;

export function stepLabel(analysis: Analysis, r: StepRecord): string {
  const text = analysis.text.slice(r.step.span.start, r.step.span.end).replace(/\s+/g, ' ');
  return text.length > 70 ? text.slice(0, 67) + '...' : text;
}

export function irqViewLines(v: IrqView, indent = ''): string[] {
  const lines = [`${indent}${v.label} = IRQ ${v.virq}: ${v.state}`];
  lines.push(`${indent}  hierarchy: ${v.levels.map((l) => `${l.domain} (${l.kernelName}, hwirq ${l.hwirq})`).join(' → ')}`);
  if (v.vector !== undefined) lines.push(`${indent}  CPU ${v.cpu} vector 0x${v.vector.toString(16)}; hardware: ${v.hardware}`);
  else lines.push(`${indent}  no vector; hardware: ${v.hardware}`);
  if (v.prev) lines.push(`${indent}  previous: ${v.prev}`);
  lines.push(`${indent}  affinity: ${v.affinity}`);
  if (v.irte) lines.push(`${indent}  IRTE ${v.irte}`);
  if (v.message) lines.push(`${indent}  message${v.host ? ' (guest view)' : ''}: ${v.message} — ${v.messageDecoded ?? ''}`);
  if (v.host) lines.push(`${indent}  host view: ${v.host}`);
  lines.push(`${indent}  /proc/interrupts: ${v.procInterrupts}`);
  if (v.lastFire) lines.push(`${indent}  last interrupt: ${v.lastFire}`);
  return lines;
}

export function traceLines(analysis: Analysis, trace: Trace, verbose = true): string[] {
  const s = trace.system;
  const lines = [`scenario "${trace.scenario.name}" on ${s.name} (${s.arch}, Linux ${s.kernel.text}, ${s.cpus} CPUs)`];
  if (trace.skipped) {
    lines.push(`  not simulated: ${trace.skipped}`);
    return lines;
  }
  for (const r of trace.records) {
    const line = analysis.lines.position(r.step.span.start).line + 1;
    const mark = r.outcome === 'failed' || r.outcome === 'expectation-failed' ? '✗' : r.outcome === 'not-run' ? '·' : r.outcome === 'not-simulated' ? '~' : '✓';
    lines.push(`  ${mark} ${String(r.ordinal).padStart(3)}. line ${line}: ${stepLabel(analysis, r)}${r.summary ? `   ${r.summary}` : ''}`);
    if (!verbose) continue;
    // Long allocations repeat one line per IRQ: show the start and the warnings.
    const shown = r.events.filter((e, i) => i < MAX_EVENTS || e.warning);
    for (const e of shown) lines.push(`        ${e.warning ? 'WARNING ' : ''}${e.fn}: ${e.text}`);
    const more = r.events.length - shown.length + r.moreEvents;
    if (more > 0) lines.push(`        … ${more} more`);
  }
  if (trace.passed) {
    lines.push('  passed');
    return lines;
  }
  const failed = kernelFailure(trace);
  if (failed) lines.push(`  FAILED at step ${failed.ordinal}: ${failureOf(trace, failed)?.message ?? ''}`);
  const expectations = failedExpectations(trace);
  if (expectations.length > 0) {
    lines.push(`  FAILED: ${counted(expectations.length, 'expectation')} not met`);
    for (const r of expectations) lines.push(`    step ${r.ordinal}, line ${analysis.lines.position(r.step.span.start).line + 1}: ${failureOf(trace, r)?.message ?? ''}`);
  }
  return lines;
}

/** The error diagnostic of a failed step (a kernel failure or a false expectation). */
export function failureOf(trace: Trace, r: StepRecord): IrqdDiagnostic | undefined {
  return trace.diagnostics.find((d) => d.severity === 'error' && d.span.start >= r.step.span.start && d.span.end <= r.step.span.end);
}

/**
 * How a scenario that did not pass failed, in a few words: "fails at step 3
 * of 9 (-ENOSPC)", "fails: 2 expectations not met (9 steps)", or both.
 */
export function failureText(trace: Trace): string {
  const failed = kernelFailure(trace);
  const expectations = failedExpectations(trace).length;
  const unmet = `${counted(expectations, 'expectation')} not met`;
  if (!failed) return `fails: ${unmet} (${trace.records.length} steps)`;
  const at = `fails at step ${failed.ordinal} of ${trace.records.length}${failed.summary ? ` (${failed.summary})` : ''}`;
  return expectations > 0 ? `${at}; ${unmet}` : at;
}
