// /proc/irq/N/: the per-IRQ files of kernel/irq/proc.c.
//   smp_affinity_list        show_irq_affinity(AFFINITY_LIST): '%*pbl' of the affinity
//   effective_affinity_list  show_irq_affinity(EFFECTIVE_LIST): '%*pbl'; empty line = empty mask
//   node                     irq_node_proc_show(): '%d', -1 for NUMA_NO_NODE
//   affinity_hint            irq_affinity_hint_proc_show(): '%*pb' hex, '0' when there is none
import type { ProcIrqRecord, SnapshotProblem } from '../types.js';
import { readCpuListFile, readHexMaskFile } from './cpulist.js';
import { Reporter, parseSignedDecimal, quote, singleValue } from './report.js';

/** The highest node number accepted (MAX_NUMNODES is 1024 on x86-64). */
const MAX_NODE = 4095;

/** A 'node' file (proc/irq/N/node, sys/bus/pci/devices/X/numa_node): a node number or -1. */
export function readNodeFile(text: string, file: string, problems: SnapshotProblem[]): number | undefined {
  const rep = new Reporter(file, problems);
  const value = singleValue(text, rep).trim();
  const n = parseSignedDecimal(value);
  if (n === undefined || n < -1 || n > MAX_NODE) {
    rep.error(1, `${quote(value)} is not a NUMA node number (-1..${MAX_NODE})`);
    return undefined;
  }
  return n;
}

/**
 * One /proc/irq/N directory. `read` gives a file's text by name within the
 * directory (undefined when it is missing); the record has a field for each
 * file that was present and readable.
 */
export function readProcIrq(irq: number, dir: string, read: (name: string) => string | undefined, problems: SnapshotProblem[]): ProcIrqRecord {
  const field = <T>(name: string, parse: (text: string, file: string, problems: SnapshotProblem[]) => T | undefined): T | undefined => {
    const text = read(name);
    return text === undefined ? undefined : parse(text, `${dir}/${name}`, problems);
  };
  const affinity = field('smp_affinity_list', readCpuListFile);
  const effective = field('effective_affinity_list', readCpuListFile);
  const node = field('node', readNodeFile);
  const hint = field('affinity_hint', readHexMaskFile);
  return {
    irq,
    ...(affinity !== undefined ? { affinity } : {}),
    ...(effective !== undefined ? { effective } : {}),
    ...(node !== undefined ? { node } : {}),
    ...(hint !== undefined ? { hint } : {}),
    origin: { file: dir },
  };
}
