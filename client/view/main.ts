// The machine view's page script (bundled into dist/view.js). It reads the
// data the page embeds (<script type="application/json" id="data">, by
// textContent: nothing in it is executed) and draws the four parts. In a VS
// Code webview it also talks to the extension: a timeline click asks for
// that step (the extension reveals the line and answers with its state), and
// the extension sends a new state whenever the stepped position moves.
import type { MachineState } from '../../server/src/features/machine-view-types.js';
import type { ViewData } from './page.js';
import { el } from './dom.js';
import { renderHierarchy } from './hierarchy.js';
import { renderTable, type TableState } from './table.js';
import { renderTimeline } from './timeline.js';
import { renderVectors } from './vectors.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

/** Messages from the extension. */
type HostMessage = { type: 'state'; state: MachineState } | { type: 'error'; message: string };

const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
const app = document.getElementById('app') as HTMLElement;
const data = JSON.parse(document.getElementById('data')?.textContent ?? 'null') as ViewData | null;
const states = new Map<number, MachineState>((data?.states ?? []).map((s) => [s.step, s]));
let current: MachineState | undefined = states.get(data?.initial ?? 0) ?? data?.states[0];
/** The id of the selected IRQ row. */
let selected: string | undefined;
let problem: string | undefined;
const table: TableState = { sort: 'irq', descending: false, filter: '' };

function go(step: number): void {
  if (vscode) {
    vscode.postMessage({ type: 'step', step });
    return;
  }
  const s = states.get(step);
  if (s) {
    current = s;
    render('timeline');
  }
}

function select(id: string): void {
  selected = selected === id ? undefined : id;
  render('table');
}

/** Redraws the page; `keep` names the part whose focused element gets the focus back. */
function render(keep?: 'timeline' | 'table' | 'filter'): void {
  const t0 = performance.now();
  const state = current;
  // What has the focus, read before the redraw takes it away.
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  const focusedStep = focused?.dataset.step;
  const focusedSort = focused?.dataset.key;
  const focusedRow = focused?.dataset.id;
  const focusedMap = focused instanceof HTMLCanvasElement;
  const filterFocused = focused?.id === 'irq-filter';
  app.replaceChildren();
  if (!state) {
    app.append(el('p', { class: problem ? 'problem' : 'note' }, problem ?? (vscode ? 'Asking irqd for the machine state…' : 'No machine state to show.')));
    return;
  }
  const s = state.system;
  const at = state.step === 0 ? 'before the first step' : `after step ${state.step} of ${state.steps.length}`;
  const header = el('header', {}, el('h1', {}, `“${state.scenario}” `, el('span', { class: 'muted' }, `on ${s.name} (${s.arch}, Linux ${s.kernel}, ${s.cpus} CPUs) — ${at}`)));
  if (problem) header.append(el('p', { class: 'problem', role: 'alert' }, problem));
  const row = state.irqs.find((r) => r.id === selected);
  const tv = performance.now();
  const vectors = renderVectors(state, select);
  const tv2 = performance.now();
  // The map is the host's: a guest IRQ's vector is on a vCPU.
  if (row?.guest === undefined) vectors.mark(row?.cpu, row?.vector);
  const section = (id: string, title: string, ...body: Node[]): HTMLElement => el('section', { id, 'aria-labelledby': `${id}-h` }, el('h2', { id: `${id}-h` }, title), ...body);
  const chain = row ? el('p', { class: 'note' }, `${row.guest !== undefined ? `${row.guest}: ` : ''}IRQ ${row.virq} ${row.device}[${row.index}]: ${row.levels.map((l) => l.kernelName).join(' → ')}`) : el('p', { class: 'note' }, 'Select an IRQ in the table or the vector map to highlight its chain.');
  const th = performance.now();
  const hier = renderHierarchy(state, selected);
  const th2 = performance.now();
  const tableEl = renderTable(state, table, selected, () => render('filter'), select);
  const tt2 = performance.now();
  const timelineEl = renderTimeline(state, (k) => vscode !== undefined || states.has(k), go);
  // Where a redraw's script time goes, for the bench (IRQD_BENCH_PARTS=1 prints it).
  app.dataset.parts = `vectors ${(tv2 - tv).toFixed(1)} hierarchy ${(th2 - th).toFixed(1)} table ${(tt2 - th2).toFixed(1)} timeline ${(performance.now() - tt2).toFixed(1)}`;
  app.append(
    header,
    el(
      'div',
      { class: 'grid' },
      section('timeline', 'Timeline', timelineEl),
      el(
        'div',
        { class: 'parts' },
        section('hierarchy', 'irqdomain hierarchy', chain, hier),
        section('vectors', 'Vector map', vectors.element),
        section('irqs', `IRQs (${state.irqTotal})`, tableEl),
      ),
    ),
  );
  // The element that had the focus is drawn anew: give the focus to its successor.
  const again = (sel: string): void => (app.querySelector(sel) as HTMLElement | null)?.focus();
  if (filterFocused || keep === 'filter') {
    const f = app.querySelector('#irq-filter') as HTMLInputElement | null;
    f?.focus();
    f?.setSelectionRange(f.value.length, f.value.length);
  } else if (focusedStep !== undefined) again(`[data-step="${focusedStep}"]`);
  else if (focusedSort !== undefined) again(`button[data-key="${focusedSort}"]`);
  else if (focusedRow !== undefined) again(`tr[data-id="${CSS.escape(focusedRow)}"]`);
  else if (focusedMap) again('#vectors canvas');
  // The time includes the style and layout the redraw causes (reading offsetHeight forces them now), not only the script.
  void app.offsetHeight;
  app.dataset.renderMs = (performance.now() - t0).toFixed(1);
  app.dataset.step = String(state.step);
}

// Only a webview has a host that sends states; a standalone page listens to nothing.
if (vscode) window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const m = ev.data;
  if (m?.type === 'state') {
    problem = undefined;
    current = m.state;
    states.set(m.state.step, m.state);
    render();
  } else if (m?.type === 'error') {
    problem = m.message;
    render();
  }
});

render();
vscode?.postMessage({ type: 'ready' });
