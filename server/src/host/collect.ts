// `irqd snapshot [--root DIR] [OUT]`: copy, read-only, the files irqd reads
// about a host's interrupts into OUT, laid out like the host (same relative
// paths), so that load.ts can read OUT later or elsewhere exactly as it
// would read the host.
//
// What it copies from ROOT (default '/'):
//   proc/interrupts, proc/irq/N/{smp_affinity_list,effective_affinity_list,node,affinity_hint},
//   proc/irq/default_smp_affinity, proc/cmdline, proc/version, proc/sys/kernel/osrelease,
//   sys/devices/system/cpu/{online,offline,possible,present}, sys/devices/system/node/nodeN/cpulist,
//   sys/kernel/debug/irq/{irqs,domains}/*, sys/kernel/debug/iommu/intel/ir_translation_struct,
//   the read-only files under sys/kernel/debug/iommu/amd/,
//   sys/bus/pci/devices/X/{msi_irqs/N,numa_node,irq} and the X/driver symlink.
// The driver symlink is written as a symlink with the host's relative target
// ('../../../bus/pci/drivers/nvme'); in OUT it dangles, and the reader only
// takes the last component of its target, never follows it.
//
// Tools: with ROOT '/', `lspci -vvv -nn` (when on PATH; stdout then stderr)
// into lspci-vvv-nn.txt and the APIC/IOMMU lines of `dmesg` into dmesg.txt.
// With --root no tool runs (it would describe this machine, not DIR);
// DIR/lspci-vvv-nn.txt, DIR/msix-tables.txt and DIR/dmesg.txt (filtered) are
// copied instead, so that a lab dump used as a fake root gives the same
// snapshot. irqd-snapshot-meta.json records the tool, the root and every
// file that could not be read.
//
// Safety: nothing is ever written to ROOT (debugfs files are opened
// O_RDONLY, and under iommu/amd only files without any write permission are
// opened at all, since some of those select what a later read shows); every
// read resolves symlinks first and refuses a path that leaves ROOT; OUT must
// be new or empty; everything is read into memory (bounded) before the
// first byte is written, so a run that stops leaves nothing behind.
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { META_FILE } from './load.js';
import { TarFormatError, writeTar, type TarEntry } from './tar.js';

export const USAGE = `usage: irqd snapshot [--root DIR] [OUT]

Copies, read-only, the files irqd reads about this host's interrupts
(/proc/interrupts, /proc/irq, debugfs irq and IOMMU files, PCI MSI sysfs,
lspci and dmesg) into OUT: a new directory, or OUT.tar.gz / OUT.tgz.
Run it as root for vectors, IRTEs and the vector matrix (debugfs).
  OUT          default ./irqd-snapshot-<hostname>
  --root DIR   read DIR as if it were / (a copy of a host's files); runs no tools`;

/** Bounds on one run: the host's files are small, so more means something is wrong. */
export const MAX_COLLECT_FILES = 300_000;
export const MAX_COLLECT_BYTES = 256 * 2 ** 20;
/** Per file: /proc and /sys report a size of 0 or 4096, so reads go to EOF up to this. */
export const MAX_FILE_BYTES = 4 * 2 ** 20;
const READ_CHUNK = 64 * 1024;
/** How long a tool may run before it is abandoned. */
const TOOL_TIMEOUT_MS = 30_000;

/** The kernel-log lines dmesg.txt keeps: what fixes the APIC and remapping setup. */
const DMESG_FILTER = /apic|dmar|iommu|amd-vi|remapping|smpboot|int_src_ovr/i;

export interface CollectOptions {
  /** The host root to read (default '/'). */
  readonly root?: string;
  /** A new directory, or a path ending in .tar.gz/.tgz. */
  readonly out: string;
  /** Run lspci and dmesg; done only when root is '/' (default true). */
  readonly runTools?: boolean;
  readonly maxFiles?: number;
  readonly maxBytes?: number;
}

export interface Unreadable {
  readonly path: string;
  readonly reason: string;
}

export type CollectResult =
  | {
      readonly ok: true;
      readonly out: string;
      /** Files and symlinks written, irqd-snapshot-meta.json included. */
      readonly written: number;
      readonly paths: readonly string[];
      readonly unreadable: readonly Unreadable[];
      /** One line per area that could not be read fully, for stderr. */
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly exitCode: 1 | 2; readonly message: string };

class LimitError extends Error {}

type ReadResult = { readonly data: Buffer } | { readonly reason: string; readonly absent: boolean };

/** The reads of one run, all under one root, gathered in memory. */
class Collector {
  readonly entries = new Map<string, TarEntry>();
  readonly unreadable: Unreadable[] = [];
  private bytes = 0;

  constructor(
    private readonly root: string,
    private readonly rootReal: string,
    private readonly maxFiles: number,
    private readonly maxBytes: number,
  ) {}

  /** A path under ROOT with every symlink resolved, or why not (it left ROOT, it is absent). */
  private real(rel: string): { path: string } | { reason: string; absent: boolean } {
    let real: string;
    try {
      real = realpathSync(join(this.root, rel));
    } catch (e) {
      return { reason: errnoReason(e), absent: isAbsent(e) };
    }
    const inside = this.rootReal === sep || real === this.rootReal || real.startsWith(this.rootReal + sep);
    return inside ? { path: real } : { reason: 'a symlink that leaves the root; not followed', absent: false };
  }

  /** What a path under ROOT is, symlinks resolved inside ROOT only. */
  kind(rel: string): 'file' | 'directory' | undefined {
    const r = this.real(rel);
    if ('reason' in r) return undefined;
    try {
      const st = statSync(r.path);
      return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : undefined;
    } catch {
      return undefined;
    }
  }

  note(path: string, reason: string): void {
    this.unreadable.push({ path, reason });
  }

  /** The names in a directory, or undefined (noted unless it is absent and `quiet`). */
  list(rel: string, quiet: boolean): string[] | undefined {
    const r = this.real(rel);
    if ('reason' in r) {
      if (!(quiet && r.absent)) this.note(rel, r.reason);
      return undefined;
    }
    try {
      return readdirSync(r.path).sort();
    } catch (e) {
      if (!(quiet && isAbsent(e))) this.note(rel, errnoReason(e));
      return undefined;
    }
  }

  /** One file's bytes with bounded reads, never following a symlink out of ROOT. */
  read(rel: string, onlyReadOnly = false): ReadResult {
    const r = this.real(rel);
    if ('reason' in r) return r;
    let fd: number;
    try {
      if (onlyReadOnly && (statSync(r.path).mode & 0o222) !== 0) return { reason: 'writable debugfs file; not opened', absent: true };
      // O_NONBLOCK: a FIFO planted in a fake root must not hang the run.
      fd = openSync(r.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      return { reason: errnoReason(e), absent: isAbsent(e) };
    }
    try {
      if (!fstatSync(fd).isFile()) return { reason: 'not a regular file', absent: false };
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const chunk = Buffer.alloc(READ_CHUNK);
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        total += n;
        if (total > MAX_FILE_BYTES) return { reason: `larger than ${MAX_FILE_BYTES / 2 ** 20} MiB; not copied`, absent: false };
        chunks.push(chunk.subarray(0, n));
      }
      return { data: Buffer.concat(chunks) };
    } catch (e) {
      return { reason: errnoReason(e), absent: isAbsent(e) };
    } finally {
      closeSync(fd);
    }
  }

  /** Copy a file; an absent one is noted unless `quiet`. */
  copy(rel: string, quiet: boolean, onlyReadOnly = false): boolean {
    const r = this.read(rel, onlyReadOnly);
    if ('reason' in r) {
      if (!(quiet && r.absent)) this.note(rel, r.reason);
      return false;
    }
    this.add({ path: rel, type: 'file', content: r.data });
    return true;
  }

  add(e: TarEntry): void {
    if (!this.entries.has(e.path)) {
      if (this.entries.size + 1 > this.maxFiles) throw new LimitError(`more than ${this.maxFiles} files to copy`);
      this.bytes += e.content?.length ?? 0;
      if (this.bytes > this.maxBytes) throw new LimitError(`more than ${this.maxBytes / 2 ** 20} MiB to copy`);
    }
    this.entries.set(e.path, e);
  }

  /** Copy a symlink as a symlink with the same target, when the target is a plain relative path. */
  copyLink(dirRel: string, name: string): void {
    const dir = this.real(dirRel);
    if ('reason' in dir) return;
    const rel = `${dirRel}/${name}`;
    let target: string;
    try {
      if (!lstatSync(join(dir.path, name)).isSymbolicLink()) return;
      target = readlinkSync(join(dir.path, name));
    } catch (e) {
      if (!isAbsent(e)) this.note(rel, errnoReason(e));
      return;
    }
    if (target.startsWith('/') || !/^(\.\.\/)*[A-Za-z0-9_.+:/-]{1,100}$/.test(target) || Buffer.byteLength(target) > 100) {
      this.note(rel, `link target '${target.slice(0, 60)}' is not a short relative path; not copied`);
      return;
    }
    this.add({ path: rel, type: 'symlink', target });
  }
}

export function collectSnapshot(options: CollectOptions): CollectResult {
  const root = resolve(options.root ?? '/');
  let rootReal: string;
  try {
    rootReal = realpathSync(root);
    if (!statSync(rootReal).isDirectory()) return { ok: false, exitCode: 2, message: `--root '${options.root ?? '/'}' is not a directory` };
  } catch (e) {
    return { ok: false, exitCode: 2, message: `--root '${options.root ?? '/'}': ${isAbsent(e) ? 'no such directory' : errnoReason(e)}` };
  }
  const out = resolve(options.out);
  const archive = /\.(tar\.gz|tgz)$/i.test(out);
  const refused = checkOut(out, archive);
  if (refused) return { ok: false, exitCode: 2, message: refused };

  const c = new Collector(root, rootReal, options.maxFiles ?? MAX_COLLECT_FILES, options.maxBytes ?? MAX_COLLECT_BYTES);
  try {
    collectProc(c);
    collectCpus(c);
    collectDebugfs(c);
    collectPci(c);
    if (rootReal === sep) {
      if (options.runTools ?? true) runTools(c);
    } else {
      c.copy('lspci-vvv-nn.txt', true);
      c.copy('msix-tables.txt', true);
      const d = c.read('dmesg.txt');
      if ('data' in d) c.add({ path: 'dmesg.txt', type: 'file', content: Buffer.from(filterDmesg(d.data.toString('utf8'))) });
      else if (!d.absent) c.note('dmesg.txt', d.reason);
    }
  } catch (e) {
    if (e instanceof LimitError) return { ok: false, exitCode: 1, message: `${e.message} under '${root}'; stopped, nothing written` };
    throw e;
  }
  const meta = { tool: 'irqd snapshot', format: 1, root, unreadable: c.unreadable };
  c.entries.set(META_FILE, { path: META_FILE, type: 'file', content: Buffer.from(`${JSON.stringify(meta, null, 2)}\n`) });

  const entries = [...c.entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const failed = archive ? writeArchive(out, entries) : writeDirectory(out, entries);
  if (failed) return { ok: false, exitCode: 1, message: failed };
  return { ok: true, out, written: entries.length, paths: entries.map((e) => e.path), unreadable: c.unreadable, notes: areaNotes(c.unreadable) };
}

/** Why OUT cannot be written, or undefined: it must be new, an empty directory, or (archives) an empty file. */
function checkOut(out: string, archive: boolean): string | undefined {
  let st;
  try {
    st = lstatSync(out);
  } catch (e) {
    if (!isAbsent(e)) return `'${out}': ${errnoReason(e)}`;
    try {
      if (!statSync(dirname(out)).isDirectory()) return `'${dirname(out)}' is not a directory`;
    } catch {
      return `'${dirname(out)}': no such directory (OUT's parent must exist)`;
    }
    return undefined;
  }
  let empty: boolean;
  try {
    empty = archive ? st.isFile() && st.size === 0 : st.isDirectory() && readdirSync(out).length === 0;
  } catch (e) {
    return `'${out}': ${errnoReason(e)}`;
  }
  if (empty) return undefined;
  return `'${out}' already exists and is not empty; give a new ${archive ? 'file' : 'directory'}`;
}

function collectProc(c: Collector): void {
  c.copy('proc/interrupts', false);
  for (const f of ['proc/cmdline', 'proc/version', 'proc/sys/kernel/osrelease', 'proc/irq/default_smp_affinity']) c.copy(f, false);
  for (const name of c.list('proc/irq', false) ?? []) {
    if (!/^\d+$/.test(name)) continue;
    // A file a kernel lacks (effective_affinity_list needs
    // CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK) is absent, not unreadable.
    for (const f of ['smp_affinity_list', 'effective_affinity_list', 'node', 'affinity_hint']) c.copy(`proc/irq/${name}/${f}`, true);
  }
}

function collectCpus(c: Collector): void {
  for (const f of ['online', 'offline', 'possible', 'present']) c.copy(`sys/devices/system/cpu/${f}`, false);
  for (const name of c.list('sys/devices/system/node', true) ?? []) {
    if (/^node\d+$/.test(name)) c.copy(`sys/devices/system/node/${name}/cpulist`, true);
  }
}

function collectDebugfs(c: Collector): void {
  const debug = 'sys/kernel/debug';
  // debugfs is mode 0700: without root the listing itself is refused, which
  // says more than one 'permission denied' per file would.
  const names = c.list(debug, true);
  if (names === undefined) {
    if (!c.unreadable.some((u) => u.path === debug)) c.note(`${debug}/irq`, 'not present');
    return;
  }
  if (!names.includes('irq')) c.note(`${debug}/irq`, 'not present');
  else {
    for (const sub of ['irqs', 'domains']) {
      for (const name of c.list(`${debug}/irq/${sub}`, false) ?? []) c.copy(`${debug}/irq/${sub}/${name}`, false);
    }
  }
  // The IOMMU files exist only on a host with that IOMMU: absent is normal.
  c.copy(`${debug}/iommu/intel/ir_translation_struct`, true);
  collectReadOnlyTree(c, `${debug}/iommu/amd`, 0);
}

function collectReadOnlyTree(c: Collector, rel: string, depth: number): void {
  if (depth > 4) return;
  for (const name of c.list(rel, true) ?? []) {
    const path = `${rel}/${name}`;
    const kind = c.kind(path);
    if (kind === 'directory') collectReadOnlyTree(c, path, depth + 1);
    else if (kind === 'file') c.copy(path, true, true);
  }
}

function collectPci(c: Collector): void {
  const devices = 'sys/bus/pci/devices';
  for (const name of c.list(devices, true) ?? []) {
    if (!/^[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(name)) continue;
    const dir = `${devices}/${name}`;
    for (const irq of c.list(`${dir}/msi_irqs`, true) ?? []) {
      if (/^\d+$/.test(irq)) c.copy(`${dir}/msi_irqs/${irq}`, false);
    }
    c.copy(`${dir}/numa_node`, true);
    c.copy(`${dir}/irq`, true);
    c.copyLink(dir, 'driver');
  }
}

function runTools(c: Collector): void {
  const lspci = onPath('lspci');
  if (lspci === undefined) c.note('lspci-vvv-nn.txt', 'lspci is not on PATH');
  else {
    const r = spawnSync(lspci, ['-vvv', '-nn'], { env: { ...process.env, LC_ALL: 'C' }, timeout: TOOL_TIMEOUT_MS, maxBuffer: MAX_FILE_BYTES, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) c.note('lspci-vvv-nn.txt', `lspci failed: ${r.error.message}`);
    else c.add({ path: 'lspci-vvv-nn.txt', type: 'file', content: Buffer.concat([r.stdout, r.stderr]) });
  }
  const dmesg = onPath('dmesg');
  if (dmesg === undefined) {
    c.note('dmesg.txt', 'dmesg is not on PATH');
    return;
  }
  const r = spawnSync(dmesg, [], { env: { ...process.env, LC_ALL: 'C' }, timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.toString('utf8').split('\n')[0].trim() || `exit status ${r.status ?? 'none'}`);
    c.note('dmesg.txt', `dmesg failed: ${why}`);
    return;
  }
  c.add({ path: 'dmesg.txt', type: 'file', content: Buffer.from(filterDmesg(r.stdout.toString('utf8'))) });
}

export function filterDmesg(text: string): string {
  const kept = text.split('\n').filter((l) => DMESG_FILTER.test(l));
  const out = kept.length === 0 ? '' : `${kept.join('\n')}\n`;
  return out.length > MAX_FILE_BYTES ? out.slice(0, out.lastIndexOf('\n', MAX_FILE_BYTES) + 1) : out;
}

function onPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, tool);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

function writeDirectory(out: string, entries: readonly TarEntry[]): string | undefined {
  const made = new Set<string>();
  const ensureDir = (abs: string): void => {
    if (made.has(abs)) return;
    const parent = dirname(abs);
    if (parent !== abs && parent.startsWith(out)) ensureDir(parent);
    try {
      mkdirSync(abs, { mode: 0o755 });
    } catch (e) {
      // OUT itself may be an existing empty directory; nothing else can exist yet.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || abs !== out) throw e;
    }
    made.add(abs);
  };
  try {
    ensureDir(out);
    for (const e of entries) {
      const abs = join(out, ...e.path.split('/'));
      ensureDir(dirname(abs));
      // 'wx' (O_CREAT|O_EXCL) never follows or overwrites anything already there.
      if (e.type === 'file') writeFileSync(abs, e.content ?? new Uint8Array(0), { flag: 'wx', mode: 0o644 });
      else if (e.type === 'symlink') symlinkSync(e.target ?? '', abs);
      else ensureDir(abs);
    }
  } catch (e) {
    return `writing '${out}' failed: ${errnoReason(e)} (what was written so far is left in place)`;
  }
  return undefined;
}

function writeArchive(out: string, entries: readonly TarEntry[]): string | undefined {
  let data: Buffer;
  try {
    data = gzipSync(writeTar(entries));
  } catch (e) {
    if (e instanceof TarFormatError) return `cannot archive: ${e.message}`;
    throw e;
  }
  try {
    // An existing OUT was checked to be an empty regular file.
    writeFileSync(out, data, { flag: existsEmpty(out) ? 'w' : 'wx', mode: 0o644 });
  } catch (e) {
    return `writing '${out}' failed: ${errnoReason(e)}`;
  }
  return undefined;
}

function existsEmpty(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size === 0;
  } catch {
    return false;
  }
}

/** Each area's unreadable files as one line, with what would help. */
function areaNotes(unreadable: readonly Unreadable[]): string[] {
  const areas = ['sys/kernel/debug/irq', 'sys/kernel/debug/iommu', 'sys/kernel/debug', 'proc/irq', 'sys/bus/pci/devices', 'sys/devices/system/node', 'sys/devices/system/cpu'];
  const groups = new Map<string, Unreadable[]>();
  for (const u of unreadable) {
    const area = areas.find((a) => u.path === a || u.path.startsWith(`${a}/`)) ?? u.path;
    groups.set(area, [...(groups.get(area) ?? []), u]);
  }
  const notes: string[] = [];
  for (const [area, list] of groups) {
    const first = list[0];
    const hint = hintFor(area, first.reason);
    if (list.length === 1) notes.push(`${first.path}: ${first.reason}${hint}`);
    else notes.push(`${area}: ${list.length} files not read (${first.reason}, e.g. ${first.path})${hint}`);
  }
  return notes;
}

function hintFor(area: string, reason: string): string {
  if (area.startsWith('sys/kernel/debug') && reason === 'permission denied') return ' (run as root for vectors, IRTEs and the vector matrix)';
  if (area === 'sys/kernel/debug/irq' && reason === 'not present') return ' (kernel without CONFIG_GENERIC_IRQ_DEBUGFS, or debugfs not mounted)';
  if (area === 'lspci-vvv-nn.txt' && reason.includes('not on PATH')) return ' (install pciutils for MSI/MSI-X capability details)';
  if (reason === 'permission denied') return ' (run as root)';
  return '';
}

function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function errnoReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'not present';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EINVAL':
      return 'invalid argument';
    case 'EIO':
      return 'input/output error';
    case 'ENODEV':
    case 'ENXIO':
      return 'no such device';
    case 'ELOOP':
      return 'a symlink where a file was expected';
    case 'EISDIR':
      return 'a directory, not a file';
    case 'EAGAIN':
      return 'would block (not a plain file)';
    case 'EEXIST':
      return 'already exists';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return err.code ?? (e instanceof Error ? e.message : String(e));
  }
}

function defaultOut(): string {
  const name = hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'host';
  return `irqd-snapshot-${name}`;
}

/** The command: argv is what follows 'snapshot'. Exit 0 done, 1 stopped or failed, 2 usage or refused. */
export function snapshotMain(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let root: string | undefined;
  let target: string | undefined;
  const usage = (message: string): number => {
    err(`irqd snapshot: ${message}`);
    err(USAGE);
    return 2;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      out(USAGE);
      return 0;
    }
    if (a === '--root' || a.startsWith('--root=')) {
      const value = a === '--root' ? argv[++i] : a.slice('--root='.length);
      if (value === undefined || value === '') return usage('--root takes a directory');
      if (root !== undefined) return usage('--root given twice');
      root = value;
    } else if (a === '--') {
      const rest = argv.slice(i + 1);
      if (rest.length > 1 || (rest.length === 1 && target !== undefined)) return usage('only one OUT may be given');
      target = rest[0] ?? target;
      break;
    } else if (a.startsWith('-') && a !== '-') {
      return usage(`unknown option '${a}'`);
    } else {
      if (target !== undefined) return usage('only one OUT may be given');
      target = a;
    }
  }
  const result = collectSnapshot({ out: target ?? defaultOut(), ...(root !== undefined ? { root } : {}) });
  if (!result.ok) {
    err(`irqd snapshot: ${result.message}`);
    return result.exitCode;
  }
  for (const n of result.notes) err(`irqd snapshot: ${n}`);
  out(`snapshot: ${result.written} files written to ${result.out}`);
  return 0;
}
