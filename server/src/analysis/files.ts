// Reading .irqd files from disk, for the CLI and for the files a document
// `use`s: strict UTF-8 (a BOM dropped), at most MAX_TEXT_LENGTH bytes, and a
// one-line reason when a file cannot be read. Used files are analysed once
// per content and shared by every file that uses them.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { analyze, MAX_TEXT_LENGTH, type Analysis, type AnalysisOptions, type UseResolver } from './analysis.js';

/** Reads a file as UTF-8 text, or returns the one-line reason it cannot (`problem` names the file, `reason` does not). */
export function readSource(path: string): { text: string } | { problem: string; reason: string } {
  const r = readSourceText(path);
  if ('text' in r) return r;
  return { problem: `'${path}'${r.reason.startsWith('is ') ? ' ' : ': '}${r.reason}`, reason: r.reason };
}

function readSourceText(path: string): { text: string } | { reason: string } {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { reason: `is a directory, not an .irqd file` };
    if (!st.isFile()) return { reason: `is not a regular file` };
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { reason: `no such file` };
    if (code === 'EACCES') return { reason: `permission denied` };
    return { reason: `cannot read (${code ?? 'unknown error'})` };
  }
  if (size > MAX_TEXT_LENGTH) return { reason: `is ${size} bytes; irqd reads files of up to ${MAX_TEXT_LENGTH} bytes` };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') return { reason: `permission denied` };
    return { reason: `cannot read (${code ?? 'unknown error'})` };
  }
  try {
    let text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { text };
  } catch {
    return { reason: `is not UTF-8 text` };
  }
}

/** Reads the file a file: URI names (readSource()); another scheme has no file to read. */
export function readSourceUri(uri: string): { text: string } | { problem: string; reason: string } {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    return { problem: `'${uri}' is not a file: URI`, reason: 'is not a file: URI' };
  }
  return readSource(path);
}

/** The files of a `use` cycle, from the file used again back to itself. */
export function cycleOf(file: string, chain: readonly string[]): string[] {
  return [...chain.slice(chain.indexOf(file)), file];
}

/**
 * Resolves `use` paths against the using file's directory and analyses the
 * file from disk. The analyses are cached by path and text, so a file used
 * by many others is analysed once.
 */
export class DiskUseResolver implements UseResolver {
  private readonly cache = new Map<string, Analysis>();

  constructor(private readonly options: Omit<AnalysisOptions, 'file' | 'uses' | 'chain'> = {}) {}

  analysisOf(from: string, path: string, chain: readonly string[]): ReturnType<UseResolver["analysisOf"]> {
    const file = isAbsolute(path) ? resolve(path) : resolve(dirname(from), path);
    if (chain.includes(file)) return { problem: 'uses a file that uses it', cycle: cycleOf(file, chain) };
    const src = readSource(file);
    if ('problem' in src) return { problem: src.reason.startsWith('is ') ? src.reason : `cannot be read: ${src.reason}` };
    const cached = this.cache.get(file);
    if (cached && cached.text === src.text) return { file, analysis: cached };
    const analysis = analyze(src.text, 0, { ...this.options, file, uses: this, chain });
    this.cache.set(file, analysis);
    return { file, analysis };
  }
}

/** An open document's text, as the editor has it. */
export interface OpenDocument {
  readonly text: string;
  readonly version: number;
}

/** The file: URI a `use` path names, relative to the using document's URI; undefined for other schemes. */
export function resolveUseUri(from: string, path: string): string | undefined {
  if (!from.startsWith('file:')) return undefined;
  try {
    const base = fileURLToPath(from);
    return pathToFileURL(isAbsolute(path) ? resolve(path) : resolve(dirname(base), path)).href;
  } catch {
    return undefined;
  }
}

/**
 * The language server's resolver: files are named by URI, an open
 * document's text (unsaved edits included) wins over the file on disk, and
 * files read from disk are analysed once per content until the server says
 * they changed (forget()).
 */
export class DocumentUseResolver implements UseResolver {
  private readonly disk = new Map<string, Analysis>();

  constructor(
    private readonly open: (uri: string) => OpenDocument | undefined,
    private readonly analyseOpen: (uri: string, doc: OpenDocument, chain: readonly string[]) => Analysis,
    private readonly options: () => Omit<AnalysisOptions, 'file' | 'uses' | 'chain'>,
  ) {}

  analysisOf(from: string, path: string, chain: readonly string[]): ReturnType<UseResolver['analysisOf']> {
    const uri = resolveUseUri(from, path);
    if (!uri) return { problem: 'cannot be read: the document is not a file on disk, so there is no directory to resolve the path against' };
    if (chain.includes(uri)) return { problem: 'uses a file that uses it', cycle: cycleOf(uri, chain) };
    const doc = this.open(uri);
    if (doc) return { file: uri, analysis: this.analyseOpen(uri, doc, chain) };
    const src = readSource(fileURLToPath(uri));
    if ('problem' in src) return { problem: src.reason.startsWith('is ') ? src.reason : `cannot be read: ${src.reason}` };
    const cached = this.disk.get(uri);
    if (cached && cached.text === src.text) return { file: uri, analysis: cached };
    const analysis = analyze(src.text, 0, { ...this.options(), file: uri, uses: this, chain });
    this.disk.set(uri, analysis);
    return { file: uri, analysis };
  }

  /** A file changed on disk (or was closed): its analysis is made again when next used. */
  forget(uri: string): void {
    this.disk.delete(uri);
  }

  clear(): void {
    this.disk.clear();
  }
}
