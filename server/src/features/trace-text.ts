// A scenario's trace as text: what `irqd run` prints and what the editor's
// "Run Scenario" command shows in its output channel.
import type { Analysis } from '../analysis/analysis.js';
import type { StepRecord, Trace } from '../sim/engine.js';
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
    const mark = r.outcome === 'failed' ? '✗' : r.outcome === 'not-run' ? '·' : r.outcome === 'not-simulated' ? '~' : '✓';
    lines.push(`  ${mark} ${String(r.ordinal).padStart(3)}. line ${line}: ${stepLabel(analysis, r)}${r.summary ? `   ${r.summary}` : ''}`);
    if (!verbose) continue;
    // Long allocations repeat one line per IRQ: show the start and the warnings.
    const shown = r.events.filter((e, i) => i < MAX_EVENTS || e.warning);
    for (const e of shown) lines.push(`        ${e.warning ? 'WARNING ' : ''}${e.fn}: ${e.text}`);
    const more = r.events.length - shown.length + r.moreEvents;
    if (more > 0) lines.push(`        … ${more} more`);
  }
  const failed = trace.records.find((r) => r.outcome === 'failed');
  const failure = failed ? trace.diagnostics.find((d) => d.severity === 'error' && d.span.start >= failed.step.span.start && d.span.end <= failed.step.span.end) : undefined;
  lines.push(trace.passed ? '  passed' : `  FAILED at step ${failed?.ordinal ?? '?'}: ${failure?.message ?? ''}`);
  return lines;
}
