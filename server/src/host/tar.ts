// A minimal POSIX ustar writer and reader (POSIX.1-1988 'ustar' headers, as
// GNU tar and bsdtar read and write them), so that a snapshot can travel as
// one .tar.gz without a dependency. The writer emits regular files,
// directories and symlinks only, deterministically: every mtime, uid and gid
// is 0, files are 0444, directories 0555, symlinks 0777, and entries are
// sorted by path (a directory therefore precedes what it holds). The reader
// also understands what other tools add to the same kind of archive: pax
// 'x' headers and GNU 'L'/'K' long names.

export interface TarEntry {
  /** Relative, '/'-separated, no leading or trailing slash. */
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink';
  /** The content of a file. */
  readonly content?: Uint8Array;
  /** The target of a symlink, as written. */
  readonly target?: string;
}

const BLOCK = 512;
/** The largest size the 11 octal digits of the size field hold. */
const MAX_SIZE = 8 ** 11 - 1;

export class TarFormatError extends Error {}

const encoder = new TextEncoder();

/**
 * The ustar archive of `entries` (without gzip). Missing parent directories
 * are added so that an extracted tree has every directory. Throws
 * TarFormatError for a path or target the format cannot hold: a name over
 * 100 bytes that no '/' splits into a 155-byte prefix and a 100-byte name, a
 * link target over 100 bytes, or a file over 8 GiB.
 */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const byPath = new Map<string, TarEntry>();
  const implied = new Set<string>();
  for (const e of entries) {
    const path = normalizeWritePath(e.path);
    byPath.set(path, { ...e, path });
    implied.delete(path);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!byPath.has(dir)) {
        byPath.set(dir, { path: dir, type: 'directory' });
        implied.add(dir);
      }
    }
  }
  // An added parent whose name ustar cannot hold (one component over 100
  // bytes) is left out: extractors create missing parents themselves.
  for (const dir of implied) {
    if (!nameFits(`${dir}/`)) byPath.delete(dir);
  }
  const sorted = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks: Buffer[] = [];
  for (const e of sorted) {
    const content = e.type === 'file' ? Buffer.from(e.content ?? new Uint8Array(0)) : Buffer.alloc(0);
    if (content.length > MAX_SIZE) throw new TarFormatError(`${e.path}: larger than the 8 GiB a ustar entry can hold`);
    chunks.push(headerBlock(e, content.length));
    if (content.length > 0) {
      chunks.push(content);
      const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
      if (pad > 0) chunks.push(Buffer.alloc(pad));
    }
  }
  // The end of the archive: two zero blocks.
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

function normalizeWritePath(path: string): string {
  const p = path.replace(/\/+$/, '');
  if (p === '' || p.startsWith('/') || p.split('/').some((c) => c === '' || c === '.' || c === '..')) {
    throw new TarFormatError(`'${path}' is not a relative path without '.', '..' or empty components`);
  }
  if (p.includes('\u0000')) throw new TarFormatError(`'${path}' contains a NUL byte`);
  return p;
}

function headerBlock(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const name = e.type === 'directory' ? `${e.path}/` : e.path;
  const [prefix, base] = splitName(name);
  writeString(h, 0, 100, base);
  writeOctal(h, 100, 8, e.type === 'file' ? 0o444 : e.type === 'directory' ? 0o555 : 0o777);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0);
  h.write('        ', 148, 8, 'latin1');
  h.write(e.type === 'file' ? '0' : e.type === 'directory' ? '5' : '2', 156, 1, 'latin1');
  if (e.type === 'symlink') {
    const target = e.target ?? '';
    if (target === '' || encoder.encode(target).length > 100) throw new TarFormatError(`${e.path}: the link target must be 1 to 100 bytes`);
    writeString(h, 157, 100, target);
  }
  h.write('ustar\u0000', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  writeOctal(h, 329, 8, 0);
  writeOctal(h, 337, 8, 0);
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  writeOctal(h, 148, 7, sum);
  return h;
}

function nameFits(name: string): boolean {
  try {
    splitName(name);
    return true;
  } catch {
    return false;
  }
}

/** ustar keeps a long name as prefix (155 bytes) + '/' + name (100 bytes). */
function splitName(name: string): [string, string] {
  const bytes = encoder.encode(name);
  if (bytes.length <= 100) return ['', name];
  // The split must fall at a '/', and the name part may keep a trailing '/' (directories).
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (rest === '' || rest === '/') break;
    if (encoder.encode(prefix).length <= 155 && encoder.encode(rest).length <= 100) return [prefix, rest];
  }
  throw new TarFormatError(`'${name}' is too long for a ustar header (at most a 155-byte directory part and a 100-byte name)`);
}

function writeString(h: Buffer, offset: number, length: number, s: string): void {
  const b = Buffer.from(s, 'utf8');
  if (b.length > length) throw new TarFormatError(`'${s}' is longer than ${length} bytes`);
  b.copy(h, offset);
}

function writeOctal(h: Buffer, offset: number, length: number, n: number): void {
  h.write(`${n.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

export interface TarReadLimits {
  readonly maxEntries: number;
  readonly maxContentBytes: number;
}

export type TarReadResult = { readonly entries: readonly TarEntry[]; readonly problems: readonly string[] } | { readonly error: string };

/**
 * The entries of a ustar (or pax/GNU) archive. Entries that are not files,
 * directories or symlinks, or whose path is absolute or climbs with '..',
 * are left out with a problem; a corrupt header ends the read with a
 * problem; going over a limit is an error for the whole archive.
 */
export function readTar(data: Uint8Array, limits: TarReadLimits): TarReadResult {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const entries: TarEntry[] = [];
  const problems: string[] = [];
  let offset = 0;
  let content = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, string> = new Map();
  let ended = false;
  while (offset + BLOCK <= buf.length) {
    const h = buf.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) {
      ended = true;
      break;
    }
    if (!checksumOk(h)) {
      problems.push(`a corrupt tar header at byte ${offset}; the rest of the archive is not read`);
      ended = true;
      break;
    }
    const size = readOctal(h, 124, 12);
    if (size === undefined) {
      problems.push(`an unreadable size field at byte ${offset}; the rest of the archive is not read`);
      ended = true;
      break;
    }
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) {
      problems.push(`the archive is truncated inside the entry at byte ${offset}; the rest is not read`);
      ended = true;
      break;
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    const body = buf.subarray(dataStart, dataEnd);
    const type = String.fromCharCode(h[156]);
    if (type === 'x') {
      pax = parsePax(body);
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = cString(body, 0, body.length);
      continue;
    }
    if (type === 'K') {
      longLink = cString(body, 0, body.length);
      continue;
    }
    const magic = h.subarray(257, 262).toString('latin1');
    const prefix = magic === 'ustar' ? cString(h, 345, 155) : '';
    let name = pax.get('path') ?? longName ?? (prefix !== '' ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
    const target = pax.get('linkpath') ?? longLink ?? cString(h, 157, 100);
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    name = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    if (name === '' || name === '.') continue;
    if (name.startsWith('/') || name.split('/').includes('..')) {
      problems.push(`'${name}': an absolute path or one with '..'; ignored`);
      continue;
    }
    const kind = type === '0' || type === '\u0000' || type === '7' ? 'file' : type === '5' ? 'directory' : type === '2' ? 'symlink' : undefined;
    if (kind === undefined) {
      problems.push(`'${name}': a tar entry of type '${type === '1' ? 'hard link' : type}' (only files, directories and symlinks are read); ignored`);
      continue;
    }
    if (entries.length >= limits.maxEntries) return { error: `more than ${limits.maxEntries} entries` };
    if (kind === 'file') {
      content += size;
      if (content > limits.maxContentBytes) return { error: `more than ${limits.maxContentBytes / 2 ** 20} MiB of content` };
      entries.push({ path: name, type: 'file', content: body });
    } else if (kind === 'symlink') {
      entries.push({ path: name, type: 'symlink', target });
    } else {
      entries.push({ path: name, type: 'directory' });
    }
  }
  // Without the zero blocks that close an archive, the read stopped short.
  if (!ended && buf.length > 0) problems.push(`the archive is truncated after byte ${Math.min(offset, buf.length)} (no end-of-archive blocks)`);
  return { entries, problems };
}

function checksumOk(h: Buffer): boolean {
  const stored = readOctal(h, 148, 8);
  if (stored === undefined) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === stored;
}

function readOctal(h: Buffer, offset: number, length: number): number | undefined {
  // Numeric fields end in NUL or space (older writers pad with spaces).
  const s = h.subarray(offset, offset + length).toString('latin1').split('\u0000')[0].trim();
  if (s === '') return 0;
  if (!/^[0-7]{1,12}$/.test(s)) return undefined;
  const n = parseInt(s, 8);
  return Number.isSafeInteger(n) ? n : undefined;
}

function cString(b: Buffer, offset: number, length: number): string {
  const field = b.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** pax extended header records: '<len> <key>=<value>\n'. */
function parsePax(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(body.subarray(i, space).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > body.length) break;
    const record = body.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}
