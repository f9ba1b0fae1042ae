// The timeline: every step of the scenario with its outcome, plus the
// position before the first step. Each entry is a button; the one shown is
// marked aria-current. Entries the page has no state for (a standalone page
// keeps a bounded number of steps) are disabled.
import type { MachineState } from '../../server/src/features/machine-view-types.js';
import { el, onActivate } from './dom.js';

const MARK: Record<string, string> = { ok: '✓', failed: '✗', 'expectation-failed': '≠', 'expected-failure': '✓✗', 'not-run': '·', 'not-simulated': '~' };

export function renderTimeline(state: MachineState, available: (step: number) => boolean, go: (step: number) => void): HTMLElement {
  const list = el('ol', { class: 'timeline', start: 0 });
  const entry = (step: number, mark: string, outcome: string, label: string, summary: string, line?: number): void => {
    const current = step === state.step;
    const b = el('button', { type: 'button', class: `step ${outcome}`, 'data-step': step, 'aria-current': current ? 'step' : undefined, disabled: !available(step) && !current });
    b.append(el('span', { class: 'mark', 'aria-label': outcome }, mark), el('span', { class: 'ord' }, String(step)), el('span', { class: 'text' }, label));
    // An `expect` that holds says only ✓, which the mark already says.
    if (summary && summary !== '✓') b.append(el('span', { class: 'summary' }, summary));
    if (line !== undefined) b.title = `line ${line + 1}`;
    onActivate(b, () => go(step));
    list.append(el('li', {}, b));
  };
  entry(0, '○', 'start', 'before the first step', '');
  for (const s of state.steps) entry(s.ordinal, MARK[s.outcome] ?? '?', s.outcome, s.text, s.summary, s.line);
  const box = el('div', { class: 'scroll timeline-box' });
  box.append(list);
  return box;
}
