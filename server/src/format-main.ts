// `irqd format [--check] FILE...`: the editor's formatting (features/layout.ts)
// for terminals and CI, like `prettier --write` and `prettier --check`. It
// rewrites each file that is not in the canonical layout and names it; with
// --check it writes nothing, names the files that are not formatted and exits 1.
import { readFileSync, writeFileSync } from 'node:fs';
import { readSource } from './analysis/files.js';
import { formatText } from './features/layout.js';

export const FORMAT_USAGE = `usage: irqd format [--check] FILE...

Rewrites each FILE in the canonical layout (docs/language.md, "Layout"):
indentation by braces, one space between words, aligned columns kept,
at most one blank line, a final newline. Only whitespace changes.
  --check   write nothing; list the files that are not formatted
Exit status: 0 when every file is (or now is) formatted, 1 with --check when
one is not, 2 for a usage or I/O problem.`;

/** Whether a file starts with a UTF-8 byte order mark, which readSource() drops and a rewrite must keep. */
function hasBom(path: string): boolean {
  const b = readFileSync(path);
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

export function formatMain(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let check = false;
  const files: string[] = [];
  const args = [...argv];
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === '--help' || a === '-h') {
      out(FORMAT_USAGE);
      return 0;
    }
    if (a === '--check') check = true;
    else if (a === '--') files.push(...args.splice(0));
    else if (a.startsWith('-') && a !== '-') {
      err(`irqd: unknown option '${a}' for format`);
      err(FORMAT_USAGE);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    err("irqd: 'irqd format' needs at least one file");
    err(FORMAT_USAGE);
    return 2;
  }
  let ioProblem = false;
  let unformatted = 0;
  for (const file of files) {
    const src = readSource(file);
    if ('problem' in src) {
      err(`irqd: ${src.problem}`);
      ioProblem = true;
      continue;
    }
    const formatted = formatText(src.text);
    if (formatted === src.text) continue;
    unformatted++;
    if (check) {
      out(file);
      continue;
    }
    try {
      writeFileSync(file, (hasBom(file) ? '\ufeff' : '') + formatted);
      out(`formatted ${file}`);
    } catch (e) {
      err(`irqd: cannot write '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      ioProblem = true;
    }
  }
  if (ioProblem) return 2;
  return check && unformatted > 0 ? 1 : 0;
}
