// sys/kernel/debug/irq/domains/NAME: irq_domain_debug_show(), kernel/irq/irqdomain.c.
//
//   name:   INTEL-IR-MSI-0-3          irq_domain_debug_show_one(), indented 4 per level
//    size:   0
//    mapped: 22
//    flags:  0x00000013               (newer kernels list the flag names below it)
//    parent: INTEL-IR-0               then the parent's block, 4 deeper
// The VECTOR domain's debug_show (x86_vector_debug_show() with no irq_data)
// prints the vector matrix, irq_matrix_debug_show(), kernel/irq/matrix.c:
//   Online bitmaps:        4          these five lines are never indented
//   Global available:    771
//   Global reserved:      12
//   Total allocated:      31
//   System: 38: 0-19,32,50,128,236,240-242,244,246-255
//    | CPU | avl | man | mac | act | vectors      indented like the VECTOR level
//        0   192     3     2    8  33-36,38-40,48
// Any domain whose chain reaches VECTOR therefore prints the matrix too.
import type { DebugDomain, MatrixCpuRow, SnapshotProblem, VectorMatrixRecord } from '../types.js';
import { parseBitList } from './cpulist.js';
import { MAX_CPU, Reporter, baseName, looksBinary, parseDecimal, parseHex, quote, splitLines, type Line } from './report.js';

/** The vector space of irq_matrix_debug_show(): matrix_bits is NR_VECTORS (256) on x86. */
const MAX_VECTOR = 255;

type Counter = 'onlineBitmaps' | 'globalAvailable' | 'globalReserved' | 'totalAllocated';

const COUNTERS: Readonly<Record<string, Counter>> = {
  'Online bitmaps': 'onlineBitmaps',
  'Global available': 'globalAvailable',
  'Global reserved': 'globalReserved',
  'Total allocated': 'totalAllocated',
};

interface MatrixDraft {
  readonly line: number;
  counters: Partial<Record<Counter, number>>;
  systemVectors?: readonly number[];
  header: boolean;
  cpus: MatrixCpuRow[];
}

export function readDebugDomain(text: string, file: string, problems: SnapshotProblem[]): DebugDomain | undefined {
  const rep = new Reporter(file, problems);
  if (looksBinary(text)) {
    rep.error(undefined, 'binary data, not an irq_domain_debug_show() file');
    return undefined;
  }
  const lines = splitLines(text, rep);
  const first = lines.find((l) => l.text.trim() !== '');
  const firstName = first && /^\s*name:\s+(.*)$/.exec(first.text);
  if (!first || !firstName) {
    rep.error(first?.line, `the file does not start with 'name:' (not an irq_domain_debug_show() file)`);
    return undefined;
  }
  const name = firstName[1].trim();
  const top: { size?: number; mapped?: number; flags?: number } = {};
  const parents: string[] = [];
  let nested = false;
  let matrix: MatrixDraft | undefined;
  let matrixCount = 0;

  for (const l of lines) {
    if (l === first || l.text.trim() === '') continue;
    const t = l.text;
    let m: RegExpExecArray | null;
    if ((m = /^\s*name:\s+(.*)$/.exec(t))) {
      nested = true;
    } else if ((m = /^\s*(size|mapped):\s+(\S+)\s*$/.exec(t))) {
      const n = parseDecimal(m[2]);
      if (n === undefined) rep.warn(l.line, `${m[1]} ${quote(m[2])} is not a count; left out`);
      else if (!nested) top[m[1] as 'size' | 'mapped'] = n;
    } else if ((m = /^\s*flags:\s+(\S+)\s*$/.exec(t))) {
      const n = parseHex(m[1]);
      if (n === undefined) rep.warn(l.line, `flags ${quote(m[1])} is not hex; left out`);
      else if (!nested) top.flags = n;
    } else if (/^\s+IRQ_DOMAIN_[A-Z0-9_]+\s*$/.test(t)) {
      // The flag names newer kernels print under 'flags:'.
    } else if ((m = /^\s*parent:\s+(.*)$/.exec(t))) {
      parents.push(m[1].trim());
    } else if ((m = /^(Online bitmaps|Global available|Global reserved|Total allocated):\s+(\S+)\s*$/.exec(t))) {
      if (m[1] === 'Online bitmaps') {
        matrixCount++;
        // Every level that reaches VECTOR prints the same matrix once; only one is printed per file.
        if (matrix !== undefined) rep.warn(l.line, 'a second vector matrix in one file; the first is kept');
        else matrix = { line: l.line, counters: {}, header: false, cpus: [] };
      }
      if (matrix === undefined || matrixCount > 1) continue;
      const n = parseDecimal(m[2]);
      if (n === undefined) rep.warn(l.line, `${m[1]} ${quote(m[2])} is not a count; left out`);
      else matrix.counters[COUNTERS[m[1]]] = n;
    } else if ((m = /^System:\s+(\d+):\s*(.*)$/.exec(t))) {
      if (matrix === undefined || matrixCount > 1) continue;
      const v = parseBitList(m[2], MAX_VECTOR);
      if (typeof v === 'string') rep.warn(l.line, `system vectors: ${v}; left out`);
      else matrix.systemVectors = v;
    } else if (/^\s*\|\s*CPU\s*\|\s*avl\s*\|\s*man\s*\|\s*mac\s*\|\s*act\s*\|\s*vectors\s*$/.test(t)) {
      if (matrix === undefined) rep.warn(l.line, `the matrix CPU table before 'Online bitmaps:'; ignored`);
      else if (matrixCount === 1) matrix.header = true;
    } else if ((m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)(?:\s+(\S+))?\s*$/.exec(t))) {
      if (matrix === undefined || !matrix.header) {
        rep.warn(l.line, `${quote(t)} looks like a matrix row but there is no '| CPU | avl ...' header before it; skipped`);
        continue;
      }
      if (matrixCount > 1) continue;
      const row = matrixRow(m, l, file, rep);
      if (row) matrix.cpus.push(row);
    } else {
      rep.warn(l.line, `${quote(t)} is not a line of irq_domain_debug_show(); skipped`);
    }
  }

  const vm = matrix === undefined ? undefined : finishMatrix(matrix, file, rep);
  return {
    file: baseName(file),
    name,
    ...top,
    parents,
    ...(vm !== undefined ? { matrix: vm } : {}),
    origin: { file, line: first.line },
  };
}

function matrixRow(m: RegExpExecArray, l: Line, file: string, rep: Reporter): MatrixCpuRow | undefined {
  const [cpu, available, managed, managedAllocated, allocated] = [m[1], m[2], m[3], m[4], m[5]].map((s) => parseDecimal(s));
  if (cpu === undefined || cpu > MAX_CPU) {
    rep.warn(l.line, `matrix row for CPU ${quote(m[1])}: beyond CPU ${MAX_CPU}; skipped`);
    return undefined;
  }
  if (available === undefined || managed === undefined || managedAllocated === undefined || allocated === undefined) {
    rep.warn(l.line, `matrix row for CPU ${cpu}: a count beyond 2^53; skipped`);
    return undefined;
  }
  const vectors = parseBitList(m[6] ?? '', MAX_VECTOR);
  if (typeof vectors === 'string') {
    rep.warn(l.line, `matrix row for CPU ${cpu}: vectors ${vectors}; skipped`);
    return undefined;
  }
  return { cpu, available, managed, managedAllocated, allocated, vectors, origin: { file, line: l.line } };
}

function finishMatrix(d: MatrixDraft, file: string, rep: Reporter): VectorMatrixRecord | undefined {
  const c = d.counters;
  const missing = [
    c.onlineBitmaps === undefined ? "'Online bitmaps:'" : undefined,
    c.globalAvailable === undefined ? "'Global available:'" : undefined,
    c.globalReserved === undefined ? "'Global reserved:'" : undefined,
    c.totalAllocated === undefined ? "'Total allocated:'" : undefined,
    d.systemVectors === undefined ? "'System:'" : undefined,
    !d.header ? "the '| CPU |' header" : undefined,
    d.header && d.cpus.length === 0 ? 'any CPU row' : undefined,
  ].filter((s) => s !== undefined);
  if (missing.length > 0 || c.onlineBitmaps === undefined || c.globalAvailable === undefined || c.globalReserved === undefined || c.totalAllocated === undefined || d.systemVectors === undefined) {
    rep.error(d.line, `the vector matrix is incomplete (truncated?): no ${missing.join(', ')}; left out`);
    return undefined;
  }
  return {
    onlineBitmaps: c.onlineBitmaps,
    globalAvailable: c.globalAvailable,
    globalReserved: c.globalReserved,
    totalAllocated: c.totalAllocated,
    systemVectors: d.systemVectors,
    cpus: d.cpus,
    origin: { file, line: d.line },
  };
}
