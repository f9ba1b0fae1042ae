// The .irqd files of the workspace folders, read from disk for workspace
// symbols: found by a bounded walk (at most MAX_WORKSPACE_FILES files of at
// most MAX_WORKSPACE_FILE_SIZE bytes, MAX_WORKSPACE_DEPTH folders deep,
// skipping hidden folders and node_modules), and digested once per content:
// a file whose modification time and size are unchanged is not read again.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readSource } from './files.js';

export const MAX_WORKSPACE_FILES = 2000;
export const MAX_WORKSPACE_FILE_SIZE = 1 << 20;
export const MAX_WORKSPACE_DEPTH = 8;

interface Cached<T> {
  readonly mtimeMs: number;
  readonly size: number;
  readonly digest: T;
}

export class WorkspaceFiles<T> {
  private readonly cache = new Map<string, Cached<T>>();

  /** `digest` turns a file's text into what is kept of it (its symbols). */
  constructor(private readonly digest: (text: string) => T) {}

  /** The .irqd files under the folders (URIs), walked breadth first, as path → file URI. */
  private walk(folders: readonly string[]): string[] {
    const files: string[] = [];
    let level: string[] = [];
    for (const f of folders) {
      try {
        level.push(fileURLToPath(f));
      } catch {
        // Not a file: URI (a virtual workspace): nothing on disk to read.
      }
    }
    for (let depth = 0; depth <= MAX_WORKSPACE_DEPTH && level.length > 0; depth++) {
      const next: string[] = [];
      for (const dir of level) {
        let entries;
        try {
          entries = readdirSync(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of entries) {
          if (e.name.startsWith('.') || e.name === 'node_modules') continue;
          const p = join(dir, e.name);
          if (e.isDirectory()) next.push(p);
          else if (e.isFile() && e.name.endsWith('.irqd')) {
            files.push(p);
            if (files.length >= MAX_WORKSPACE_FILES) return files;
          }
        }
      }
      level = next;
    }
    return files;
  }

  /** Each file's digest, by file URI; unreadable and oversized files are left out. */
  digests(folders: readonly string[]): Map<string, T> {
    const out = new Map<string, T>();
    const seen = new Set<string>();
    for (const path of this.walk(folders)) {
      seen.add(path);
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (st.size > MAX_WORKSPACE_FILE_SIZE) continue;
      let c = this.cache.get(path);
      if (!c || c.mtimeMs !== st.mtimeMs || c.size !== st.size) {
        const r = readSource(path);
        if (!('text' in r)) continue;
        c = { mtimeMs: st.mtimeMs, size: st.size, digest: this.digest(r.text) };
        this.cache.set(path, c);
      }
      out.set(pathToFileURL(path).href, c.digest);
    }
    // Files gone from the workspace leave the cache.
    for (const p of this.cache.keys()) if (!seen.has(p)) this.cache.delete(p);
    return out;
  }
}
