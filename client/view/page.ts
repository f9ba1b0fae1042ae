// The machine view's HTML page, made in one place for both hosts that show
// it: the VS Code webview (client/src/machine-view.ts) and `irqd view`
// (server/src/cli.ts), so the two are the same page. The bundled script and
// stylesheet are inlined under a nonce, the data is JSON in a non-executable
// <script type="application/json"> that the page reads with textContent.
// Nothing here touches the DOM: it runs in Node.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineState } from '../../server/src/features/machine-view-types.js';

/** What the page starts from: the states it has (one, or every step for a standalone page) and the one shown first. */
export interface ViewData {
  initial: number;
  states: MachineState[];
  /** The standalone page: no editor to ask for other steps. */
  standalone: boolean;
}

export interface PageParts {
  script: string;
  css: string;
  data: ViewData;
  /** A webview's `cspSource` (its own resource origin); absent for the standalone page. */
  cspSource?: string;
  title: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end its <script> element: every '<' is escaped, which JSON.parse reads back as '<'. */
export function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function viewPage(parts: PageParts, nonce = newNonce()): string {
  const source = parts.cspSource ? `${parts.cspSource} ` : '';
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${source}'nonce-${nonce}'; img-src ${source}data:`;
  // A script's text may not hold "</script" (the bundle's strings never do, but the page must not depend on that).
  const script = parts.script.replace(/<\/(script)/gi, '<\\/$1');
  const css = parts.css.replace(/<\/(style)/gi, '<\\/$1');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<style nonce="${nonce}">${css}</style>
</head>
<body>
<main id="app" aria-live="off"><p>Loading the machine view…</p></main>
<script type="application/json" id="data">${embeddedJson(parts.data)}</script>
<script nonce="${nonce}">${script}</script>
</body>
</html>
`;
}

/** The bundled page script and stylesheet (dist/view.js, dist/view.css), from the first of these folders that has them. */
export function viewAssets(dirs: readonly string[]): { script: string; css: string } | undefined {
  for (const dir of dirs) {
    try {
      return { script: readFileSync(join(dir, 'view.js'), 'utf8'), css: readFileSync(join(dir, 'view.css'), 'utf8') };
    } catch {
      // Not in this folder: try the next.
    }
  }
  return undefined;
}
