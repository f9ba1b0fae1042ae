// The kernel's two ways of printing a CPU mask: the list form of '%*pbl'
// (bitmap_print_to_pagebuf(true, ...): '0-3,8,10-11', used by
// smp_affinity_list, effective_affinity_list, sys/devices/system/cpu/online
// and the debugfs masks) and the hex form of '%*pb' (bitmap_print_to_pagebuf(
// false, ...): 'f' or 'ffffffff,ffffffff', 32-bit words most significant
// first, used by affinity_hint and default_smp_affinity).
import type { SnapshotProblem } from '../types.js';
import { MAX_CPU, Reporter, quote, singleValue } from './report.js';

/**
 * A '%*pbl' list bounded to 0..max: the sorted members, or a message saying
 * why the text is not one. An empty text is the empty mask, as the kernel
 * prints it.
 */
export function parseBitList(text: string, max: number = MAX_CPU): readonly number[] | string {
  const t = text.trim();
  if (t === '') return [];
  const members = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^(\d{1,7})(?:-(\d{1,7}))?$/.exec(part);
    if (!m) return `${quote(part)} is not a number or a range a-b`;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (first > max || last > max) return `${quote(part)} goes beyond ${max}`;
    if (last < first) return `${quote(part)} is a reversed range`;
    for (let i = first; i <= last; i++) members.add(i);
  }
  return [...members].sort((a, b) => a - b);
}

/**
 * A '%*pb' hex bitmap bounded to CPUs 0..MAX_CPU: the set bits, lowest first.
 * Words may be shorter than 8 digits (the first one is when nr_cpu_ids is not
 * a multiple of 32); a zero high word beyond the bound is harmless.
 */
export function parseHexMask(text: string, max: number = MAX_CPU): readonly number[] | string {
  const t = text.trim();
  if (t === '') return 'an empty hex mask (the kernel prints at least one digit)';
  const words = t.split(',');
  if (words.length > 4096) return 'too many 32-bit words for a CPU mask';
  const cpus: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!/^[0-9a-fA-F]{1,8}$/.test(w)) return `${quote(w)} is not a 32-bit hex word`;
    const value = parseInt(w, 16);
    const base = (words.length - 1 - i) * 32;
    for (let bit = 0; bit < 32; bit++) {
      if (value & (1 << bit)) {
        const cpu = base + bit;
        if (cpu > max) return `bit ${cpu} is beyond CPU ${max}`;
        cpus.push(cpu);
      }
    }
  }
  return cpus.sort((a, b) => a - b);
}

/** A one-line cpulist file (smp_affinity_list, sys/devices/system/cpu/online, nodeN/cpulist). */
export function readCpuListFile(text: string, file: string, problems: SnapshotProblem[]): readonly number[] | undefined {
  const rep = new Reporter(file, problems);
  const value = singleValue(text, rep);
  const cpus = parseBitList(value);
  if (typeof cpus === 'string') {
    rep.error(1, `not a CPU list: ${cpus}`);
    return undefined;
  }
  return cpus;
}

/** A one-line hex mask file (affinity_hint, default_smp_affinity). */
export function readHexMaskFile(text: string, file: string, problems: SnapshotProblem[]): readonly number[] | undefined {
  const rep = new Reporter(file, problems);
  const value = singleValue(text, rep);
  const cpus = parseHexMask(value);
  if (typeof cpus === 'string') {
    rep.error(1, `not a hex CPU mask: ${cpus}`);
    return undefined;
  }
  return cpus;
}
