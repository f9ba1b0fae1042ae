// What the fuzzer starts from: the repository's samples and fixtures (for the
// mutator), the files a generated program may `use` (the libraries), and the
// lab's real-machine dumps (for the snapshot mutator).
//
// Every input is analysed as if it were the file `test/fuzz/found/input.irqd`,
// where a failure is kept, so a `use` path that works during the run works in
// the kept file too. The corpus files' own `use` paths are rewritten to be
// relative to that directory.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { analyze } from '../../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import type { DeviceSym, SystemSym } from '../../server/src/model/types.js';
import type { DeviceDesc, Library, SystemDesc } from './generate.js';

/** The repository, from out/fuzz/ or out/test/fuzz/ (both bundles), or from the sources. */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'samples'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

export const root = repoRoot();
/** Where failures are kept, and where every input pretends to live. */
export const foundDir = join(root, 'test', 'fuzz', 'found');
export const regressionsDir = join(root, 'test', 'fuzz', 'regressions');
export const inputFile = join(foundDir, 'input.irqd');

export interface CorpusFile {
  /** Relative to the repository. */
  readonly path: string;
  readonly text: string;
}

function irqdFiles(dir: string, skip: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!skip.has(name)) out.push(...irqdFiles(p, skip));
    } else if (name.endsWith('.irqd')) out.push(p);
  }
  return out;
}

/** `use "x"` in a file at `from`, rewritten to the same file as seen from the found directory. */
function rebaseUses(text: string, from: string): string {
  return text.replace(/^(\s*use\s+)"((?:[^"\\\n]|\\.)*)"/gm, (all, head: string, path: string) => {
    const target = resolve(dirname(from), path);
    if (!existsSync(target)) return all;
    return `${head}"${relative(foundDir, target).split('\\').join('/')}"`;
  });
}

/** The samples and every .irqd file under test/ (the fuzzer's own files aside). */
export function corpus(): CorpusFile[] {
  const files = [...irqdFiles(join(root, 'samples'), new Set()), ...irqdFiles(join(root, 'test'), new Set(['fuzz']))];
  return files.map((f) => ({ path: relative(root, f), text: rebaseUses(readFileSync(f, 'utf8'), f) }));
}

function deviceDesc(d: DeviceSym): DeviceDesc {
  const bars = new Map<number, number>();
  for (const [i, b] of d.bars) bars.set(i, b.size);
  return {
    name: d.name,
    bus: d.bus,
    bars,
    pasid: d.pasid,
    migration: d.migration !== undefined,
    ioapic: d.ioapicPin !== undefined,
    ...(d.caps.msix ? { msix: d.caps.msix.count } : {}),
    ...(d.caps.msi ? { msi: d.caps.msi.count } : {}),
    ...(d.caps.ims ? { ims: d.caps.ims.count } : {}),
  };
}

/** What a system's state has allocated and requested, per device. */
function declaredOf(s: SystemSym): Map<string, { count: number; requested: number[] }> {
  const out = new Map<string, { count: number; requested: number[] }>();
  for (const irq of s.state?.irqs ?? []) {
    const d = out.get(irq.device.name) ?? { count: 0, requested: [] };
    d.count = Math.max(d.count, irq.index + 1);
    if (irq.status === 'requested') d.requested.push(irq.index);
    out.set(irq.device.name, d);
  }
  return out;
}

function systemDesc(s: SystemSym): SystemDesc {
  return {
    name: s.name,
    arch: s.arch,
    cpus: s.cpus,
    devices: [...s.scope.devices.values()].map(deviceDesc),
    guests: [...s.guests.values()].map((g) => ({
      name: g.name,
      cpus: g.cpus,
      devices: [...g.visible.values()].map((v) => (v.kind === 'device' ? deviceDesc(v) : { name: v.name, bus: 'pci' as const, ims: v.parentDevice?.caps.ims?.count ?? 1, bars: new Map<number, number>() })),
    })),
    pasidSets: s.pasid ? [...s.pasid.sets.keys()] : [],
    irqs: s.state ? s.state.irqs.map((i) => i.virq) : [],
    declared: declaredOf(s),
    scenarios: [],
  };
}

/** Files on disk a generated program may `use`, with the systems they declare. */
export function libraries(): Library[] {
  const out: Library[] = [];
  for (const rel of ['samples/lab-q35-vtd.irqd', 'samples/quickstart.irqd', 'samples/siov-guests.irqd', 'samples/pasid-quotas.irqd', 'test/features/new-syntax-base.irqd', 'test/sim/declared-state.irqd']) {
    const file = join(root, rel);
    if (!existsSync(file)) continue;
    const a = analyze(readFileSync(file, 'utf8'), 0, { file, uses: new DiskUseResolver() });
    const systems = [...a.model.systems.values()].map(systemDesc);
    if (systems.length) out.push({ path: relative(foundDir, file).split('\\').join('/'), systems });
  }
  return out;
}

/** The lab's dumps: test/lab/<boot>/<NN-name>/ directories. */
export function labDumps(): string[] {
  const lab = join(root, 'test', 'lab');
  if (!existsSync(lab)) return [];
  const out: string[] = [];
  for (const boot of readdirSync(lab).sort()) {
    const b = join(lab, boot);
    if (!statSync(b).isDirectory()) continue;
    for (const dump of readdirSync(b).sort()) if (/^\d\d-/.test(dump) && statSync(join(b, dump)).isDirectory()) out.push(join(b, dump));
  }
  return out;
}
