// `irqd view` output in headless Chromium (playwright-core, Debian's
// chromium as scripts/e2e/ uses it): the page loads with no console error
// and no network request (every request is routed, and any but the page's
// own fails the test), its four parts show the state of the trace, sorting,
// filtering and the timeline work with mouse and keyboard, and screenshots
// of it in light and dark go to test-results/ui/ for a person to look at.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRequire } from 'node:module';
import type * as Playwright from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { analyze } from '../../server/src/analysis/analysis.js';
import { stateAfter } from '../../server/src/sim/engine.js';

// Loaded at run time, not bundled: playwright-core finds its own files beside it in node_modules.
const { chromium } = createRequire(__filename)('playwright-core') as typeof Playwright;
const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'dist', 'cli.js');
const sample = join(root, 'samples', 'quickstart.irqd');
const SCENARIO = 'first interrupts';
const CHROMIUM = '/usr/bin/chromium';
const shots = join(root, 'test-results', 'ui');
const PAGE_URL = 'http://irqd-view.invalid/view.html';
const skip = !existsSync(CHROMIUM) && !process.env['CI'] ? 'chromium is not installed' : false;

const analysis = analyze(readFileSync(sample, 'utf8'), 0);
const sc = analysis.model.scenarios.find((s) => s.name === SCENARIO);
const steps = sc ? (analysis.traces.get(sc)?.records.length ?? 0) : 0;
const irqsAfter = (k: number): number => (sc ? (stateAfter(sc, k)?.irqs.size ?? -1) : -1);

/**
 * Runs in the page (a string, since the tests are typed without the DOM):
 * the colour of four cells of the vector map and the colours the stylesheet
 * gives their states. GUTTER 176, HEADER 18 and 4 × 16 px cells for 4 CPUs
 * are vectors.ts's. One readback of the whole canvas: several small ones
 * make Chromium warn on the console.
 */
const COLOUR_PROBE = `(() => {
  const c = document.querySelector('#vectors canvas');
  const ctx = c.getContext('2d');
  const scale = c.width / c.getBoundingClientRect().width;
  const all = ctx.getImageData(0, 0, c.width, c.height);
  const at = (cpu, v) => {
    const i = 4 * (Math.floor((18 + cpu * 16 + 6) * scale) * c.width + Math.floor((176 + v * 4 + 1) * scale));
    return Array.from(all.data.slice(i, i + 3)).join(',');
  };
  const want = (name) => {
    const probe = document.createElement('span');
    probe.style.color = getComputedStyle(document.body).getPropertyValue(name);
    document.body.append(probe);
    const rgb = (getComputedStyle(probe).color.match(/\\d+/g) || []).slice(0, 3).join(',');
    probe.remove();
    return rgb;
  };
  return { allocated: at(1, 0x21), free: at(1, 0x70), system: at(1, 0xfe), legacy: at(0, 0x31), wantA: want('--cell-a'), wantFree: want('--cell-free'), wantS: want('--cell-s'), wantL: want('--cell-l') };
})()`;

describe('irqd view in headless Chromium', { skip }, () => {
  let browser: Browser;
  let dir: string;
  let html: string;
  // Right after `request nvme0[0-3]`: four IRQs with vectors, the rest reserved.
  const START = (sc ? analysis.traces.get(sc)?.records.find((r) => r.step.kind === 'request')?.ordinal : undefined) ?? 1;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irqd-view-'));
    const out = join(dir, 'view.html');
    const r = spawnSync(process.execPath, [cli, 'view', sample, '--scenario', SCENARIO, '--step', String(START), '-o', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    html = readFileSync(out, 'utf8');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
    mkdirSync(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The page in a fresh context: served from a routed URL, every other request recorded and refused. */
  async function open(scheme: 'light' | 'dark'): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, colorScheme: scheme });
    const problems: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === PAGE_URL) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      problems.push(`network request: ${url}`);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      if (r.url() !== PAGE_URL) problems.push(`failed request: ${r.url()}`);
    });
    await page.goto(PAGE_URL);
    await page.waitForSelector('table.irqs tbody tr');
    return { page, problems };
  }

  test('renders the four parts of the state after the step, with no console error and no request', async () => {
    const { page, problems } = await open('light');
    assert.equal(await page.getAttribute('#app', 'data-step'), String(START));
    // Hierarchy: the sample's three domains and one device, three edges, none highlighted yet.
    assert.equal(await page.locator('#hierarchy svg g.node').count(), 4);
    assert.equal(await page.locator('#hierarchy svg path.edge').count(), 3);
    assert.equal(await page.locator('#hierarchy g.node.domain text.name').allTextContents().then((t) => t.sort().join(',')), 'INTEL-IR-0,IR-PCI-MSI,VECTOR');
    // Vector map: 4 CPUs × 256 cells, and the cells are painted in their state's colour.
    assert.equal(await page.getAttribute('#vectors canvas', 'data-cells'), String(4 * 256));
    const colours = (await page.evaluate(COLOUR_PROBE)) as Record<string, string>;
    assert.equal(colours.allocated, colours.wantA, 'CPU 1 vector 0x21 (nvme0[0]) is allocated');
    assert.equal(colours.free, colours.wantFree);
    assert.equal(colours.system, colours.wantS);
    assert.equal(colours.legacy, colours.wantL);
    assert.equal(new Set([colours.wantA, colours.wantFree, colours.wantS, colours.wantL]).size, 4, 'the states have distinct colours');
    // Table: one row per IRQ of the state after the step.
    assert.equal(await page.locator('table.irqs tbody tr').count(), irqsAfter(START));
    assert.ok((await page.locator('table.irqs tbody tr.changed').count()) > 0, 'the rows the step changed are marked');
    // Timeline: the start and every step, the shown one current.
    assert.equal(await page.locator('button.step').count(), steps + 1);
    assert.equal(await page.getAttribute('button.step[aria-current]', 'data-step'), String(START));
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  test('sorts, filters, selects and moves along the timeline with mouse and keyboard', async () => {
    const { page, problems } = await open('light');
    const column = (cls: string): Promise<string[]> => page.locator(`table.irqs tbody td.${cls}`).allTextContents();
    await page.click('button.sort[data-key="vector"]');
    const asc = (await column('vector')).filter((v) => v !== '—').map((v) => parseInt(v, 16));
    assert.ok(asc.length > 0);
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    // Enter on the focused header sorts the other way.
    await page.focus('button.sort[data-key="vector"]');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('th:has(button[data-key="vector"])', 'aria-sort'), 'descending');
    const desc = (await column('vector')).filter((v) => v !== '—').map((v) => parseInt(v, 16));
    assert.deepEqual(desc, [...asc].sort((a, b) => b - a));
    // The filter keeps the rows that hold its text.
    await page.fill('#irq-filter', 'nvme0[37]');
    assert.deepEqual(await column('device'), ['nvme0[37] msix']);
    await page.fill('#irq-filter', '');
    // Selecting a row highlights its chain in the hierarchy.
    await page.click('table.irqs tbody tr >> nth=0');
    assert.equal(await page.locator('#hierarchy g.node.chain').count(), 4);
    // A click on a timeline step moves the view there.
    await page.click('button.step[data-step="1"]');
    assert.equal(await page.getAttribute('#app', 'data-step'), '1');
    assert.equal(await page.locator('table.irqs tbody tr').count(), irqsAfter(1));
    // Space on a focused step moves too.
    await page.focus('button.step[data-step="0"]');
    await page.keyboard.press(' ');
    assert.equal(await page.getAttribute('#app', 'data-step'), '0');
    assert.equal(await page.locator('table.irqs tbody tr').count(), irqsAfter(0));
    assert.equal(await page.locator(':focus').getAttribute('data-step'), '0', 'the focus stays on the step');
    // The vector map answers the keyboard: the described cell follows the arrows.
    await page.focus('#vectors canvas');
    await page.keyboard.press('ArrowRight');
    assert.match((await page.textContent('.cell-info')) ?? '', /^CPU 0 vector 0x21: /);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`screenshots in ${scheme}`, async () => {
      const { page, problems } = await open(scheme);
      // Select an IRQ that has a vector, so the highlighted chain shows.
      await page.click('button.step[data-step="' + steps + '"]');
      await page.click('table.irqs tbody tr:has(td.vector:not(:text("—"))) >> nth=0');
      await page.screenshot({ path: join(shots, `view-${scheme}.png`), fullPage: true });
      for (const part of ['hierarchy', 'vectors', 'irqs', 'timeline']) await page.locator(`#${part}`).screenshot({ path: join(shots, `view-${scheme}-${part}.png`) });
      assert.deepEqual(problems, []);
      await page.context().close();
    });
  }
});

describe('the hierarchy of bigger machines', { skip }, () => {
  test('guests hang under the host devices given to them; many devices under one domain fold into one node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irqd-view-'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const devices = Array.from({ length: 10 }, (_, i) => `  device nic${i} pci ${(i + 1).toString(16).padStart(2, '0')}:00.0 { msix 2 domain MSI }`);
      const file = join(dir, 'many.irqd');
      writeFileSync(file, `system box {\n  cpus 4\n  domain VECTOR vector\n  domain MSI pci-msi parent VECTOR\n${devices.join('\n')}\n}\nscenario s on box {\n  alloc nic3 2\n  request nic3[0]\n}\n`);
      const pages: [string, string][] = [
        [file, 's'],
        [join(root, 'samples', 'siov-guests.irqd'), 'case 2 and 3: VF and PASID sub-device in a HCALL guest'],
      ];
      const counts: { nodes: number; folded: string[]; guests: number; problems: string[] }[] = [];
      for (const [f, scenario] of pages) {
        const out = join(dir, 'page.html');
        const r = spawnSync(process.execPath, [cli, 'view', f, '--scenario', scenario, '-o', out], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        await page.route('**/*', (route) => (route.request().url() === PAGE_URL ? route.fulfill({ contentType: 'text/html', body: readFileSync(out, 'utf8') }) : route.abort()));
        await page.goto(PAGE_URL);
        await page.waitForSelector('#hierarchy svg');
        counts.push({
          nodes: await page.locator('#hierarchy g.node').count(),
          folded: await page.locator('#hierarchy g.node.device text.name').allTextContents(),
          guests: await page.locator('#hierarchy g.node.guest').count(),
          problems,
        });
        await page.close();
      }
      const [many, siov] = counts;
      // VECTOR, MSI and one node for the ten devices.
      assert.deepEqual(many?.folded, ['10 devices']);
      assert.equal(many?.nodes, 3);
      assert.equal(siov?.guests, 4);
      assert.deepEqual([...(many?.problems ?? []), ...(siov?.problems ?? [])], []);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('irqd view exits 2 with one line for a missing file, an unknown scenario or a step past the end', () => {
  const cases: [string[], RegExp][] = [
    [['view', join(root, 'nowhere.irqd'), '--scenario', SCENARIO], /no such file/],
    [['view', sample, '--scenario', 'no such'], /no scenario "no such"/],
    [['view', sample, '--scenario', SCENARIO, '--step', String(steps + 1)], new RegExp(`step must be a whole number from 0 to ${steps}`)],
    [['view', sample, '--step', '1'], /needs --scenario/],
  ];
  for (const [args, message] of cases) {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});
