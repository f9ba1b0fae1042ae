// `irqd view FILE.irqd --scenario S [--step N] [-o FILE.html]`: the machine
// view as one self-contained HTML page (client/view/page.ts, the page the
// VS Code webview shows), for other editors and CI artifacts. The page
// holds the state of every step it can within a size budget, so its
// timeline works without a server.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { viewAssets, viewPage, type ViewData } from '../../client/view/page.js';
import { analyze } from './analysis/analysis.js';
import { DiskUseResolver, readSource } from './analysis/files.js';
import { machineState } from './features/machine-view.js';
import type { MachineState } from './features/machine-view-types.js';

export const VIEW_USAGE = `usage: irqd view FILE.irqd --scenario NAME [--step N] [-o FILE.html]

Writes the machine view (irqdomain hierarchy, vector map, IRQ table and
timeline) of a scenario after N steps (default: all of them) as one
self-contained HTML page: no network, no external files. Without -o the page
goes to standard output.
Exit status: 0 written, 2 for a usage or input problem.`;

/** The most JSON the page embeds for the other steps of its timeline (the shown step is always embedded). */
const EMBED_BUDGET = 6_000_000;

interface Options {
  file?: string;
  scenario?: string;
  step?: number;
  out?: string;
}

function parseArgs(argv: readonly string[]): Options | { usage: string } | 'help' {
  const o: Options = {};
  const args = [...argv];
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--scenario') {
      o.scenario = args.shift();
      if (o.scenario === undefined) return { usage: '--scenario needs a scenario name' };
    } else if (a === '--step') {
      const n = args.shift();
      if (!n || !/^\d+$/.test(n)) return { usage: `--step takes a step number, not '${n ?? ''}'` };
      o.step = Number(n);
    } else if (a === '-o' || a === '--output') {
      o.out = args.shift();
      if (!o.out) return { usage: '-o needs a file name' };
    } else if (a.startsWith('-') && a !== '-') return { usage: `unknown option '${a}'` };
    else if (o.file === undefined) o.file = a;
    else return { usage: `one .irqd file ('${a}' is a second one)` };
  }
  if (!o.file) return { usage: 'view needs an .irqd file' };
  if (o.scenario === undefined) return { usage: 'view needs --scenario NAME' };
  return o;
}

export function viewMain(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  const o = parseArgs(argv);
  if (o === 'help') {
    out(VIEW_USAGE);
    return 0;
  }
  if ('usage' in o) {
    err(`irqd view: ${o.usage}`);
    return 2;
  }
  const file = o.file as string;
  const src = readSource(file);
  if ('problem' in src) {
    err(`irqd view: ${src.problem}`);
    return 2;
  }
  const a = analyze(src.text, 0, { file: resolve(file), uses: new DiskUseResolver() });
  const first = machineState(a, o.scenario, o.step, new Map());
  if ('problem' in first) {
    err(`irqd view: ${file}: ${first.problem}`);
    return 2;
  }
  // dist/cli.js finds dist/view.js beside it; the bundled tests find it in dist/ from out/test/<folder>/.
  const assets = viewAssets([__dirname, join(__dirname, '..', 'dist'), join(__dirname, '..', '..', '..', 'dist')]);
  if (!assets) {
    err('irqd view: the page script (view.js, view.css) is missing beside the irqd program: build irqd again');
    return 2;
  }
  const states: MachineState[] = [first];
  let size = JSON.stringify(first).length;
  for (let k = 0; k <= first.steps.length && size < EMBED_BUDGET; k++) {
    if (k === first.step) continue;
    const s = machineState(a, first.scenarioIndex, k, new Map());
    if ('problem' in s) continue;
    size += JSON.stringify(s).length;
    if (size <= EMBED_BUDGET) states.push(s);
  }
  const data: ViewData = { initial: first.step, states, standalone: true };
  const html = viewPage({ ...assets, data, title: `irqd: ${first.scenario} (step ${first.step} of ${first.steps.length})` });
  if (!o.out) {
    out(html);
    return 0;
  }
  try {
    writeFileSync(o.out, html);
  } catch (e) {
    err(`irqd view: cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return 2;
  }
  return 0;
}
