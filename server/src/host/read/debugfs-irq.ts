// sys/kernel/debug/irq/irqs/N: irq_debug_show(), kernel/irq/debugfs.c.
//
//   handler:  handle_edge_irq            desc->handle_irq (%ps)
//   device:   0000:01:00.0               desc->dev_name, '(null)' without one
//   status: / istate: / dstate: 0x...    each followed by its flag names, indented 12
//   node:     0                          irq_data_get_node(), -1 for none
//   affinity: / effectiv: / pending:     '%*pbl'; an empty value is an empty mask
//   domain:  NAME                        irq_debug_show_data(), once per hierarchy level,
//    hwirq:   0x80001                    each level indented 4 more than its child
//    chip:    IR-PCI-MSI                 irq_debug_show_chip(), then its flags
//    parent:                             the next level follows
// The VECTOR level adds x86_vector_debug_show() (arch/x86/kernel/apic/vector.c):
// 'Vector:', 'Target:', optionally 'Previous vector:'/'Previous target:', and
// in 6.1 move_in_progress, is_managed, can_reserve, has_reserved,
// cleanup_pending as 0/1. A legacy PIC IRQ prints 'Target: Legacy PIC all CPUs',
// an IRQ without a vector 'Vector: Not assigned'.
import type { DebugIrq, DebugIrqLevel, SnapshotProblem } from '../types.js';
import { parseBitList } from './cpulist.js';
import { MAX_CPU, MAX_IRQ, Reporter, baseName, looksBinary, parseDecimal, parseHex, parseSignedDecimal, quote, splitLines } from './report.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type Bits = 'status' | 'istate' | 'dstate' | 'chip';

const VECTOR_FLAGS: Readonly<Record<string, 'moveInProgress' | 'isManaged' | 'canReserve' | 'hasReserved' | 'cleanupPending'>> = {
  move_in_progress: 'moveInProgress',
  is_managed: 'isManaged',
  can_reserve: 'canReserve',
  has_reserved: 'hasReserved',
  cleanup_pending: 'cleanupPending',
};

interface LevelDraft {
  readonly domain: string;
  readonly line: number;
  hwirq?: number;
  fields: Partial<Mutable<Omit<DebugIrqLevel, 'domain' | 'hwirq' | 'origin'>>>;
}

export function readDebugIrq(text: string, file: string, problems: SnapshotProblem[]): DebugIrq | undefined {
  const rep = new Reporter(file, problems);
  const irq = parseDecimal(baseName(file));
  if (irq === undefined || irq > MAX_IRQ) {
    rep.error(undefined, `the file name ${quote(baseName(file))} is not an IRQ number`);
    return undefined;
  }
  if (looksBinary(text)) {
    rep.error(undefined, 'binary data, not an irq_debug_show() file');
    return undefined;
  }
  let handler: string | undefined;
  let device: string | undefined;
  let node: number | undefined;
  const masks: { affinity?: readonly number[]; effective?: readonly number[]; pending?: readonly number[] } = {};
  const dstate = new Set<string>();
  let bits: Bits | undefined;
  const levels: LevelDraft[] = [];
  let parentLine: number | undefined;
  let known = 0;
  let badMask = false;

  for (const { text: raw, line } of splitLines(text, rep)) {
    if (raw.trim() === '') continue;
    const flag = /^\s+([A-Z_][A-Z0-9_]*)\s*$/.exec(raw);
    if (flag) {
      if (bits === 'dstate') dstate.add(flag[1]);
      else if (bits === undefined) rep.warn(line, `flag name ${quote(flag[1])} outside a status/istate/dstate/flags block; ignored`);
      continue;
    }
    const m = /^\s*([A-Za-z_][A-Za-z_ ]*?):(?:\s(.*))?$/.exec(raw);
    if (!m) {
      rep.warn(line, `${quote(raw)} is not a 'key: value' line of irq_debug_show(); skipped`);
      continue;
    }
    const key = m[1];
    const value = (m[2] ?? '').trim();
    const level = levels[levels.length - 1];
    known++;
    bits = undefined;
    switch (key) {
      case 'handler':
        handler = value === '' ? undefined : value;
        break;
      case 'device':
        device = value === '' || value === '(null)' ? undefined : value;
        break;
      case 'status':
      case 'istate':
      case 'dstate':
        bits = key;
        break;
      case 'ddepth':
      case 'wdepth':
        break;
      case 'node': {
        const n = parseSignedDecimal(value);
        if (n === undefined || n < -1) rep.warn(line, `node ${quote(value)} is not a node number; left out`);
        else node = n;
        break;
      }
      case 'affinity':
      case 'effectiv':
      case 'pending': {
        const cpus = parseBitList(value);
        const name = key === 'effectiv' ? 'effective' : key;
        if (typeof cpus === 'string') {
          rep.error(line, `${key}: not a CPU list: ${cpus}`);
          badMask = true;
        } else masks[name] = cpus;
        break;
      }
      case 'domain':
        if (levels.length > 0 && parentLine === undefined) rep.warn(line, `a second 'domain:' without 'parent:' before it`);
        parentLine = undefined;
        levels.push({ domain: value, line, fields: {} });
        break;
      case 'parent':
        if (!level) rep.warn(line, `'parent:' before any 'domain:'; ignored`);
        else parentLine = line;
        break;
      case 'hwirq': {
        if (!level) {
          rep.warn(line, `'hwirq:' before any 'domain:'; ignored`);
          break;
        }
        const n = parseHex(value);
        if (n === undefined) rep.warn(line, `hwirq ${quote(value)} is not hex below 2^53; the level is left out`);
        else level.hwirq = n;
        break;
      }
      case 'chip':
        bits = 'chip';
        if (!level) {
          // irq_debug_show_chip() prints an unindented 'chip: None' when there is no chip.
          if (value !== 'None') rep.warn(line, `'chip:' before any 'domain:'; ignored`);
        } else if (value !== 'None' && value !== '') level.fields.chip = value;
        break;
      case 'flags':
        bits = 'chip';
        break;
      case 'Vector':
      case 'Target':
      case 'Previous vector':
      case 'Previous target': {
        if (!level) {
          rep.warn(line, `${quote(key)} before any 'domain:'; ignored`);
          break;
        }
        // 'Vector: Not assigned' and 'Target: Legacy PIC all CPUs' carry no number.
        if (value === 'Not assigned' || value === 'Legacy PIC all CPUs') break;
        const n = parseDecimal(value);
        const isCpu = key === 'Target' || key === 'Previous target';
        if (n === undefined || (isCpu ? n > MAX_CPU : n > 255)) {
          rep.warn(line, `${key} ${quote(value)} is not a ${isCpu ? 'CPU number' : 'vector (0..255)'}; left out`);
          break;
        }
        if (key === 'Vector') level.fields.vector = n;
        else if (key === 'Target') level.fields.target = n;
        else if (key === 'Previous vector') level.fields.prevVector = n;
        else level.fields.prevTarget = n;
        break;
      }
      default: {
        const flagName = VECTOR_FLAGS[key];
        if (flagName === undefined) {
          known--;
          rep.warn(line, `unknown field ${quote(key)}; skipped`);
          break;
        }
        if (!level) {
          rep.warn(line, `${quote(key)} before any 'domain:'; ignored`);
          break;
        }
        if (value !== '0' && value !== '1') {
          rep.warn(line, `${key} ${quote(value)} is not 0 or 1; left out`);
          break;
        }
        level.fields[flagName] = value === '1';
      }
    }
  }

  if (known === 0) {
    rep.error(undefined, 'nothing in the file is in the format of irq_debug_show()');
    return undefined;
  }
  if (badMask) return undefined;
  // 'domain:' is printed after the masks, so without one the file was cut
  // before the part that matters.
  if (levels.length === 0 || masks.affinity === undefined) {
    rep.error(undefined, `truncated: no ${masks.affinity === undefined ? "'affinity:'" : "'domain:'"} line`);
    return undefined;
  }
  if (parentLine !== undefined) rep.warn(parentLine, `'parent:' is the last line (truncated?): the parent level is missing`);

  const out: DebugIrqLevel[] = [];
  for (const l of levels) {
    // A chip without an irq domain (XT-PIC) prints an empty 'domain:'.
    if (l.domain === '') continue;
    if (l.hwirq === undefined) {
      rep.warn(l.line, `level ${quote(l.domain)} has no readable 'hwirq:'; left out`);
      continue;
    }
    out.push({ domain: l.domain, hwirq: l.hwirq, ...l.fields, origin: { file, line: l.line } });
  }
  return {
    irq,
    ...(handler !== undefined ? { handler } : {}),
    ...(device !== undefined ? { device } : {}),
    dstate,
    ...(node !== undefined ? { node } : {}),
    affinity: masks.affinity,
    // Kernels without CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK or
    // CONFIG_GENERIC_PENDING_IRQ (anything but x86 for the latter) print no
    // such line; the mask is then empty.
    effective: masks.effective ?? [],
    pending: masks.pending ?? [],
    levels: out,
    origin: { file },
  };
}
