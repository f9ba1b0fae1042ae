// /proc/interrupts: show_interrupts(), kernel/irq/proc.c.
//
// The header names the CPUs online at read time ('CPU0 CPU3' after CPUs 1
// and 2 went offline), one column each. A numbered row is
//   '%*d: ' then '%10u ' per online CPU, then the chip (' %8s' or the chip's
//   irq_print_chip()), the hwirq (' %*lu', blank without a domain), on
//   CONFIG_GENERIC_IRQ_SHOW_LEVEL ' Level'/' Edge', then '-%-8s' the flow
//   name, then '  name' of each action joined by ', '.
// Named rows (NMI, LOC, ERR, MIS, ...: arch_show_interrupts()) are not IRQs
// and are skipped without comment; ERR and MIS have a single column.
import type { InterruptsRow, ProcInterrupts, SnapshotProblem } from '../types.js';
import { MAX_CPU, MAX_IRQ, Reporter, looksBinary, parseDecimal, quote, splitLines } from './report.js';

export function readProcInterrupts(text: string, file: string, problems: SnapshotProblem[]): ProcInterrupts | undefined {
  const rep = new Reporter(file, problems);
  if (looksBinary(text)) {
    rep.error(undefined, 'binary data, not /proc/interrupts text');
    return undefined;
  }
  const lines = splitLines(text, rep);
  const headerIndex = lines.findIndex((l) => l.text.trim() !== '');
  const header = headerIndex < 0 ? undefined : lines[headerIndex];
  const cpus = header === undefined ? undefined : parseHeader(header.text);
  if (header === undefined || typeof cpus === 'string' || cpus === undefined) {
    rep.error(header?.line ?? 1, `no CPU header line ('CPU0 CPU1 ...'): ${typeof cpus === 'string' ? cpus : 'the file is empty'}`);
    return undefined;
  }
  const rows = new Map<number, InterruptsRow>();
  for (const l of lines.slice(headerIndex + 1)) {
    if (l.text.trim() === '') continue;
    const m = /^\s*([^\s:]+):(.*)$/.exec(l.text);
    if (!m) {
      rep.warn(l.line, `${quote(l.text)} is not a '<irq>: counts...' row; skipped`);
      continue;
    }
    const label = m[1];
    if (!/^\d+$/.test(label)) {
      // arch_show_interrupts() rows such as NMI, LOC, PIN; arm64 prints IPI0..
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(label)) rep.warn(l.line, `${quote(label)} is neither an IRQ number nor a named counter row; skipped`);
      continue;
    }
    const irq = parseDecimal(label);
    if (irq === undefined || irq > MAX_IRQ) {
      rep.warn(l.line, `IRQ ${quote(label)} is beyond ${MAX_IRQ}; row skipped`);
      continue;
    }
    if (rows.has(irq)) {
      rep.warn(l.line, `IRQ ${irq} appears twice; the first row is kept`);
      continue;
    }
    const row = parseRow(irq, m[2], cpus, { file, line: l.line }, rep);
    if (row) rows.set(irq, row);
  }
  return { cpus, rows, origin: { file, line: header.line } };
}

function parseHeader(text: string): readonly number[] | string {
  const names = text.trim().split(/\s+/);
  const cpus: number[] = [];
  for (const n of names) {
    const m = /^CPU(\d{1,5})$/.exec(n);
    if (!m) return `${quote(n)} is not a CPU column name`;
    const cpu = Number(m[1]);
    if (cpu > MAX_CPU) return `CPU${cpu} is beyond CPU ${MAX_CPU}`;
    if (cpus.includes(cpu)) return `CPU${cpu} is named twice`;
    cpus.push(cpu);
  }
  return cpus;
}

function parseRow(irq: number, rest: string, cpus: readonly number[], origin: { file: string; line: number }, rep: Reporter): InterruptsRow | undefined {
  const counts = new Map<number, number>();
  let s = rest;
  for (const cpu of cpus) {
    const m = /^\s*(\d+)(?=\s|$)/.exec(s);
    if (!m) {
      rep.warn(origin.line, `IRQ ${irq}: expected ${cpus.length} counts (one per CPU of the header), found ${counts.size}; row skipped`);
      return undefined;
    }
    const n = parseDecimal(m[1]);
    if (n === undefined) {
      rep.warn(origin.line, `IRQ ${irq}: count ${quote(m[1])} on CPU${cpu} is beyond 2^53; row skipped`);
      return undefined;
    }
    counts.set(cpu, n);
    s = s.slice(m[0].length);
  }
  const tokens = s.trim() === '' ? [] : s.trim().split(/\s+/);
  const chip = tokens.shift();
  if (chip === undefined) {
    rep.warn(origin.line, `IRQ ${irq}: no chip column after the counts; row skipped`);
    return undefined;
  }
  // What follows the chip: the hwirq, the flow, then the actions. Rather than
  // rely on column widths, consume the tokens the kernel's format allows.
  let hwirq: number | undefined;
  let flow: string | undefined;
  let consumed = 0;
  const t0 = tokens[0];
  let m: RegExpExecArray | null;
  if (t0 !== undefined && (m = /^(\d+)-(\S+)$/.exec(t0))) {
    hwirq = hwirqValue(m[1], irq, origin.line, rep);
    flow = m[2];
    consumed = 1;
  } else if (t0 !== undefined && /^\d+$/.test(t0)) {
    hwirq = hwirqValue(t0, irq, origin.line, rep);
    consumed = 1;
    if (tokens[1] === 'Edge' || tokens[1] === 'Level') consumed = 2;
    const f = tokens[consumed];
    if (f !== undefined && /^-\S+$/.test(f)) {
      flow = f.slice(1);
      consumed++;
    }
  } else if (t0 !== undefined && /^-\S+$/.test(t0)) {
    flow = t0.slice(1);
    consumed = 1;
  }
  // Action names may contain spaces ('PCIe PME'), so they are cut from the
  // text after the consumed tokens, not from the tokens.
  let actionText = s.trim().slice(chip.length);
  for (let i = 0; i < consumed; i++) actionText = actionText.trimStart().slice(tokens[i].length);
  actionText = actionText.trim();
  const actions = actionText === '' ? [] : actionText.split(', ');
  return {
    irq,
    counts,
    chip,
    ...(hwirq !== undefined ? { hwirq } : {}),
    ...(flow !== undefined ? { flow } : {}),
    actions,
    origin,
  };
}

function hwirqValue(s: string, irq: number, line: number, rep: Reporter): number | undefined {
  const n = parseDecimal(s);
  if (n === undefined) rep.warn(line, `IRQ ${irq}: hwirq ${quote(s)} is beyond 2^53; left out`);
  return n;
}
