// The machine view on machine512 (512 CPUs, 65,536 IRQs): how long the
// server takes to answer irqd/machineState at a step, and how long the page
// (dist/view.js in headless Chromium) takes to draw after a step, the
// figure the goal "render ≤ 100 ms after a step" is about. The page is the
// standalone one `irqd view` writes, fed the server's own answers; a
// timeline click redraws it and the page records the time it took
// (#app[data-render-ms]).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Playwright from 'playwright-core';
import { viewAssets, viewPage } from '../../client/view/page.js';
import type { MachineState } from '../../server/src/features/machine-view-types.js';
import type { Case, Options } from './cases.js';
import { generators } from './generate.js';
import { Session } from './lsp.js';
import { noteRow, summarize, timingRow, type Row } from './stats.js';

const CHROMIUM = '/usr/bin/chromium';
const PAGE_URL = 'http://irqd-bench.invalid/view.html';

export const machineViewCase: Case = {
  name: 'machine-view',
  what: 'machine512: irqd/machineState at a step, and the machine view drawing that state after a timeline step in headless Chromium',
  async run(o: Options): Promise<Row[]> {
    const gen = (generators['machine512'] as () => { text: string })();
    const session = await Session.start({ label: 'irqd', args: [join(o.root, 'dist', 'server.js'), '--stdio'], languageId: 'irqd' }, 180_000);
    const uri = 'file:///bench/machine512-view.irqd';
    const states: MachineState[] = [];
    const requestMs: number[] = [];
    try {
      const opened = session.nextDiagnostics((p) => p.uri === uri, 180_000, 'machine512 analysed');
      await session.open(uri, gen.text, 1);
      await opened;
      const steps = o.quick ? 3 : 6;
      for (let k = 1; k <= steps; k++) {
        const t0 = performance.now();
        const s = await session.request<MachineState>('irqd/machineState', { textDocument: { uri }, scenario: 's1', step: k }, 60_000);
        requestMs.push(performance.now() - t0);
        states.push(s);
      }
    } finally {
      await session.close();
    }
    const first = states[0] as MachineState;
    const label = `machine512, scenario s1 (${first.cpus.length} CPUs, ${first.irqTotal.toLocaleString('en-US')} IRQs, ${first.irqs.length} rows sent)`;
    const rows: Row[] = [timingRow('machineState request', label, summarize(requestMs), undefined, 'p50 ≤ 500 ms', summarize(requestMs).p50 <= 500)];
    const bytes = JSON.stringify(first).length;
    rows.push(noteRow('machineState size', label, `${(bytes / 1024).toFixed(0)} KB of JSON per step`));
    if (!existsSync(CHROMIUM)) return [...rows, noteRow('view render', label, 'skipped: no /usr/bin/chromium')];
    const assets = viewAssets([join(o.root, 'dist')]);
    if (!assets) throw new Error('dist/view.js is missing: build first');
    const html = viewPage({ ...assets, data: { initial: first.step, states, standalone: true }, title: 'bench' });
    const { chromium } = createRequire(__filename)('playwright-core') as typeof Playwright;
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    const renderMs: number[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
      await page.route('**/*', (route) => (route.request().url() === PAGE_URL ? route.fulfill({ contentType: 'text/html', body: html }) : route.abort()));
      await page.goto(PAGE_URL);
      await page.waitForSelector('table.irqs tbody tr');
      const rounds = o.quick ? 2 : 5;
      for (let r = 0; r < rounds; r++) {
        for (const s of states) {
          if (s.step === Number(await page.getAttribute('#app', 'data-step'))) continue;
          await page.click(`button.step[data-step="${s.step}"]`);
          await page.waitForSelector(`#app[data-step="${s.step}"]`);
          renderMs.push(Number(await page.getAttribute('#app', 'data-render-ms')));
          if (process.env['IRQD_BENCH_PARTS']) o.log(`render ${String(await page.getAttribute('#app', 'data-render-ms'))} ms: ${String(await page.getAttribute('#app', 'data-parts'))}`);
        }
      }
    } finally {
      await browser.close();
    }
    const s = summarize(renderMs);
    rows.push(timingRow('view render after a step', label, s, undefined, 'p95 ≤ 100 ms', s.p95 <= 100));
    return rows;
  },
};
