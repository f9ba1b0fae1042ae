// Failures as files: test/fuzz/found/<kind>-<hash>.irqd (or a directory, for
// a snapshot), named by a hash of the failure's class so that the same bug
// found again lands on the same name. A header of `//` comments says what
// failed, where in irqd it points, how it was found and how to run it again;
// being comments, it changes nothing but positions, and the positions the
// header gives (`at:`, `edit:`) are those of the file as written.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Position } from 'vscode-languageserver';
import type { Edit, Failure } from './check.js';
import { root } from './corpus.js';
import { FAILURE_NOTE, writeSnapshot, type FileMap } from './snapshot.js';

export function classHash(klass: string): string {
  return createHash('sha1').update(klass).digest('hex').slice(0, 8);
}

export function foundName(f: Failure, snapshot: boolean): string {
  return `${snapshot ? 'snapshot-' : ''}${f.kind}-${classHash(f.klass)}${snapshot ? '' : '.irqd'}`;
}

/**
 * Claims the name for a new failure class: true when this process is the
 * first to find it (an atomic create, so two workers never both minimize
 * one bug), false when a file of that name exists.
 */
export function claim(dir: string, name: string): boolean {
  mkdirSync(dir, { recursive: true });
  // A snapshot is kept as a directory: the directory itself says it is taken, the claim file only while it is written.
  if (!name.endsWith('.irqd') && existsSync(join(dir, name))) return false;
  try {
    closeSync(openSync(join(dir, name.endsWith('.irqd') ? name : `${name}.claim`), 'wx'));
    return true;
  } catch {
    return false;
  }
}

export interface FoundInfo {
  readonly failure: Failure;
  /** How the input was made: `generated`, `mutated from samples/x.irqd (byte flip, …)`, `snapshot of test/lab/…`. */
  readonly origin: string;
  readonly seed: number;
  readonly index: number;
  /** Made with the light mutations (--light, the seeded run in npm test). */
  readonly light?: boolean;
  /** The size before and after minimizing, when it was minimized. */
  readonly minimized?: { readonly from: number; readonly to: number; readonly tries: number; readonly seconds: number };
}

function oneLine(s: string, max = 400): string {
  const t = s.replace(/[\r\n\u2028\u2029]+/g, ' ⏎ ');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function headerLines(info: FoundInfo, path: string, extra: string[]): string[] {
  const f = info.failure;
  const rel = relative(root, path).split('\\').join('/');
  const lines = [
    `irqd fuzz failure: ${f.kind} in ${f.where}`,
    `message: ${oneLine(f.message)}`,
    `class: ${f.klass.replace(/[\r\n\u2028\u2029]/g, ' ')}`,
  ];
  if (f.frames?.length) lines.push(`points at: ${oneLine(f.frames.join(' < '), 600)}`);
  lines.push(`found: seed ${info.seed}, input ${info.index}, ${oneLine(info.origin, 300)}`);
  if (info.minimized) lines.push(`minimized: ${info.minimized.from} → ${info.minimized.to} ${path.endsWith('.irqd') ? 'characters' : 'bytes'} in ${info.minimized.tries} tries, ${info.minimized.seconds.toFixed(0)} s`);
  else lines.push('not minimized');
  for (const e of extra) lines.push(e);
  lines.push(`replay: npm run fuzz -- --replay ${rel}`);
  lines.push(`again:  npm run fuzz -- --seed ${info.seed} --from ${info.index} --count 1${info.light ? ' --light' : ''}`);
  return lines;
}

/** Writes a text failure; `position` and `edit` are in the text's coordinates and are moved past the header. */
export function writeFoundText(dir: string, info: FoundInfo, text: string, edit?: Edit): string {
  const path = join(dir, foundName(info.failure, false));
  const probe = headerLines(info, path, []);
  const extra: string[] = [];
  const shift = (p: Position): Position => ({ line: p.line + probe.length + 2 + (edit ? 1 : 0), character: p.character });
  if (info.failure.position) {
    const p = shift(info.failure.position);
    extra.push(`at: ${info.failure.where} line ${p.line} character ${p.character} (0-based, as LSP counts)`);
  }
  // The header's own length is needed for the edit's offset: two passes.
  let header = '';
  for (let pass = 0; pass < 2; pass++) {
    const e = edit ? [`edit: ${JSON.stringify({ at: edit.at + header.length, deleted: edit.deleted, inserted: edit.inserted })}`] : [];
    header = headerLines(info, path, [...extra, ...e]).map((l) => `// ${l}\n`).join('') + '\n';
  }
  // An input that stays huge after minimizing (a file at the 4 MiB limit) is not kept in the repository: its header says how to make it again.
  writeFileSync(path, text.length > MAX_KEPT_CHARACTERS ? `${header}// ${NOT_KEPT}: ${text.length} characters, over ${MAX_KEPT_CHARACTERS}; the "again" command above makes it\n` : header + text);
  return path;
}

/** The largest input kept as a file in test/fuzz/found/. */
export const MAX_KEPT_CHARACTERS = 256 * 1024;
export const NOT_KEPT = 'input not kept';

/** Writes a snapshot failure: the snapshot's files, and the note. */
export function writeFoundSnapshot(dir: string, info: FoundInfo, files: FileMap): string {
  const path = join(dir, foundName(info.failure, true));
  writeSnapshot({ files, form: 'directory' }, path);
  const note = headerLines(info, path, ['(the note is not part of the snapshot: --replay imports the directory without it)']).join('\n') + '\n';
  writeFileSync(join(path, FAILURE_NOTE), note);
  rmSync(`${path}.claim`, { force: true });
  return path;
}

/** What a kept failure's header says: its class, and the position and edit to replay it with. */
export interface Header {
  readonly klass?: string;
  readonly kind?: string;
  readonly where?: string;
  readonly at?: Position;
  readonly edit?: Edit;
}

export function readHeader(text: string): Header {
  const get = (key: string): string | undefined => new RegExp(`^// ${key}: (.*)$`, 'm').exec(text)?.[1];
  const kindWhere = /^\/\/ irqd fuzz failure: (\S+) in (.*)$/m.exec(text) ?? /^irqd fuzz failure: (\S+) in (.*)$/m.exec(text);
  const at = /^\/\/ at: \S+ line (\d+) character (\d+)/m.exec(text);
  const edit = get('edit');
  let parsedEdit: Edit | undefined;
  if (edit) {
    try {
      parsedEdit = JSON.parse(edit) as Edit;
    } catch {
      parsedEdit = undefined;
    }
  }
  const klass = get('class') ?? /^class: (.*)$/m.exec(text)?.[1];
  return {
    ...(klass ? { klass } : {}),
    ...(kindWhere ? { kind: kindWhere[1], where: kindWhere[2] } : {}),
    ...(at ? { at: { line: Number(at[1]), character: Number(at[2]) } } : {}),
    ...(parsedEdit ? { edit: parsedEdit } : {}),
  };
}

/** The classes of the failures kept in a directory: known bugs, waiting for a fix. */
export function knownClasses(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    let text: string | undefined;
    if (name.endsWith('.irqd')) text = readFileSync(p, 'utf8');
    else if (statSync(p).isDirectory() && existsSync(join(p, FAILURE_NOTE))) text = readFileSync(join(p, FAILURE_NOTE), 'utf8');
    const klass = text ? readHeader(text).klass : undefined;
    if (klass) out.set(klass, name);
  }
  return out;
}
