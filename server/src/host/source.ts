// Where a snapshot's files come from: a directory laid out like a host's
// root (what `irqd snapshot DIR` writes, or a lab dump), or a .tar/.tar.gz/
// .tgz of one (what `irqd snapshot OUT.tar.gz` writes). Either way the
// reader sees relative paths ('proc/interrupts'), UTF-8 text and symlink
// target names, and nothing is followed out of the snapshot: a directory is
// walked without following symlinks, and a symlink is only ever read as a
// name (sys/bus/pci/devices/X/driver).
import { closeSync, fstatSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, statSync, constants } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { SnapshotProblem } from './types.js';
import { readTar } from './tar.js';

/** Bounds on what a snapshot may hold, so that a wrong path cannot exhaust memory. */
export const MAX_SNAPSHOT_FILES = 1_000_000;
export const MAX_SNAPSHOT_BYTES = 512 * 2 ** 20;
/** The decompressed archive: content plus up to 1 KiB of header and padding per file. */
const MAX_ARCHIVE_BYTES = 1024 * 2 ** 20;

export interface SnapshotSource {
  /** The path it was opened from. */
  readonly path: string;
  readonly kind: 'directory' | 'archive';
  /** The regular files, relative paths, sorted. */
  readonly files: readonly string[];
  /** The symlinks, relative paths, sorted. */
  readonly links: readonly string[];
  /** The directories (an archive's explicit ones and every parent of an entry), relative paths, sorted. */
  readonly directories: readonly string[];
  /** A file's content as UTF-8 text; undefined when it is absent or not UTF-8 (then a problem says so). */
  readText(file: string): string | undefined;
  /** A symlink's target as written; undefined when there is no such symlink. */
  readLink(file: string): string | undefined;
  /** What opening and reading found wrong so far (entries ignored, files not UTF-8). */
  readonly problems: readonly SnapshotProblem[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function openSnapshot(path: string): SnapshotSource | { problem: string } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: `'${path}': no such file or directory` };
    return { problem: `'${path}': ${describeError(e)}` };
  }
  if (st.isDirectory()) return openDirectory(path);
  if (st.isFile() && /\.(tar|tar\.gz|tgz)$/i.test(path)) return openArchive(path, st.size);
  return { problem: `'${path}' is not a directory or a .tar.gz snapshot` };
}

function openDirectory(root: string): SnapshotSource | { problem: string } {
  const files: string[] = [];
  const links: string[] = [];
  const directories: string[] = [];
  const problems: SnapshotProblem[] = [];
  let bytes = 0;
  // An explicit stack rather than recursion: sysfs-like trees can be deep.
  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    let names: string[];
    try {
      names = readdirSync(join(root, rel));
    } catch (e) {
      problems.push({ file: rel === '' ? '.' : rel, message: `directory not readable: ${describeError(e)}`, severity: 'warning' });
      continue;
    }
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      let st;
      try {
        st = lstatSync(join(root, r));
      } catch (e) {
        problems.push({ file: r, message: `not readable: ${describeError(e)}`, severity: 'warning' });
        continue;
      }
      if (files.length + links.length >= MAX_SNAPSHOT_FILES) return { problem: `'${root}': more than ${MAX_SNAPSHOT_FILES} files (not a snapshot?)` };
      if (st.isDirectory()) {
        stack.push(r);
        directories.push(r);
      }
      else if (st.isSymbolicLink()) links.push(r);
      else if (st.isFile()) {
        bytes += st.size;
        if (bytes > MAX_SNAPSHOT_BYTES) return { problem: `'${root}': more than ${MAX_SNAPSHOT_BYTES / 2 ** 20} MiB of files (not a snapshot?)` };
        files.push(r);
      } else problems.push({ file: r, message: 'neither a file, a directory nor a symlink; ignored', severity: 'warning' });
    }
  }
  files.sort();
  links.sort();
  directories.sort();
  const fileSet = new Set(files);
  const linkSet = new Set(links);
  return {
    path: root,
    kind: 'directory',
    files,
    links,
    directories,
    problems,
    readText(file: string): string | undefined {
      if (!fileSet.has(file)) return undefined;
      const data = readWholeFile(join(root, file));
      if (typeof data === 'string') {
        problems.push({ file, message: `not readable: ${data}`, severity: 'error' });
        return undefined;
      }
      return decode(data, file, problems);
    },
    readLink(file: string): string | undefined {
      if (!linkSet.has(file)) return undefined;
      try {
        return readlinkSync(join(root, file));
      } catch (e) {
        problems.push({ file, message: `symlink not readable: ${describeError(e)}`, severity: 'warning' });
        return undefined;
      }
    },
  };
}

/** A snapshot file, without following a symlink that replaced it since the walk. */
function readWholeFile(path: string): Buffer | string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return describeError(e);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_SNAPSHOT_BYTES) return `larger than ${MAX_SNAPSHOT_BYTES / 2 ** 20} MiB`;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.max(65536, size - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_SNAPSHOT_BYTES) return `larger than ${MAX_SNAPSHOT_BYTES / 2 ** 20} MiB`;
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks);
  } catch (e) {
    return describeError(e);
  } finally {
    closeSync(fd);
  }
}

function openArchive(path: string, size: number): SnapshotSource | { problem: string } {
  if (size > MAX_SNAPSHOT_BYTES) return { problem: `'${path}': an archive larger than ${MAX_SNAPSHOT_BYTES / 2 ** 20} MiB` };
  const raw = readWholeFile(path);
  if (typeof raw === 'string') return { problem: `'${path}': ${raw}` };
  let tar: Buffer = raw;
  if (!/\.tar$/i.test(path)) {
    if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return { problem: `'${path}' is not gzip-compressed (not a .tar.gz snapshot)` };
    try {
      tar = gunzipSync(raw, { maxOutputLength: MAX_ARCHIVE_BYTES });
    } catch (e) {
      const tooBig = e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      return { problem: tooBig ? `'${path}': decompresses to more than ${MAX_ARCHIVE_BYTES / 2 ** 20} MiB` : `'${path}': not a readable gzip file (${describeError(e)})` };
    }
  }
  const result = readTar(tar, { maxEntries: MAX_SNAPSHOT_FILES, maxContentBytes: MAX_SNAPSHOT_BYTES });
  if ('error' in result) return { problem: `'${path}': ${result.error}` };
  const problems: SnapshotProblem[] = result.problems.map((message) => ({ file: path, message, severity: 'warning' }));
  if (result.entries.length === 0 && result.problems.length > 0) return { problem: `'${path}': ${result.problems[0]}` };
  const contents = new Map<string, Uint8Array>();
  const targets = new Map<string, string>();
  const directories = new Set<string>();
  for (const e of result.entries) {
    // A later entry replaces an earlier one of the same path, as tar extracts them.
    contents.delete(e.path);
    targets.delete(e.path);
    if (e.type === 'file') contents.set(e.path, e.content ?? new Uint8Array(0));
    else if (e.type === 'symlink') targets.set(e.path, e.target ?? '');
    else directories.add(e.path);
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) directories.add(parts.slice(0, i).join('/'));
  }
  return {
    path,
    kind: 'archive',
    files: [...contents.keys()].sort(),
    links: [...targets.keys()].sort(),
    directories: [...directories].filter((d) => !contents.has(d) && !targets.has(d)).sort(),
    problems,
    readText(file: string): string | undefined {
      const data = contents.get(file);
      return data === undefined ? undefined : decode(data, file, problems);
    },
    readLink(file: string): string | undefined {
      return targets.get(file);
    },
  };
}

function decode(data: Uint8Array, file: string, problems: SnapshotProblem[]): string | undefined {
  try {
    return utf8.decode(data);
  } catch {
    problems.push({ file, message: 'not UTF-8 text (binary data?); not read', severity: 'error' });
    return undefined;
  }
}

function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or directory';
    case 'ELOOP':
      return 'a symlink where a file was expected';
    case 'EISDIR':
      return 'a directory';
    default:
      return err.code ?? (e instanceof Error ? e.message : String(e));
  }
}
