// The IRQ table: one row per IRQ of the state, sortable by any column
// (a header is a button: click, Enter or Space), filtered by a text that
// must occur in the row; rows the step changed are marked. A guest's IRQs
// follow the host's, their number prefixed with the guest's name. At most
// MAX_DOM_ROWS rows are put in the document, so a 65,536-IRQ machine stays
// responsive: the filter narrows the rest.
import type { IrqRow, MachineState } from '../../server/src/features/machine-view-types.js';
import { el, hex, onActivate } from './dom.js';

const MAX_DOM_ROWS = 250;

interface Column {
  key: string;
  title: string;
  text: (r: IrqRow) => string;
  /** A numeric sort key, for the columns that hold numbers. */
  num?: (r: IrqRow) => number;
}

const COLUMNS: readonly Column[] = [
  { key: 'irq', title: 'IRQ', text: (r) => (r.guest === undefined ? String(r.virq) : `${r.guest}: ${r.virq}`), num: (r) => (r.guest === undefined ? r.virq : 1e9 + r.virq) },
  { key: 'device', title: 'device[index]', text: (r) => `${r.device}[${r.index}] ${r.cap}` },
  { key: 'hwirq', title: 'hwirq per level', text: (r) => r.levels.map((l) => `${l.kernelName}:${hex(l.hwirq, 1)}`).join(' → ') },
  { key: 'cpu', title: 'CPU', text: (r) => (r.cpu === undefined ? '—' : String(r.cpu)), num: (r) => r.cpu ?? -1 },
  { key: 'vector', title: 'vector', text: (r) => (r.vector === undefined ? '—' : hex(r.vector)), num: (r) => r.vector ?? -1 },
  { key: 'affinity', title: 'affinity', text: (r) => r.affinity },
  { key: 'effective', title: 'effective', text: (r) => r.effective || '—', num: (r) => (r.effective === '' ? -1 : Number(r.effective)) },
  { key: 'managed', title: 'managed', text: (r) => (r.managed ? 'yes' : '') },
  { key: 'move', title: 'pending move', text: (r) => r.pendingMove ?? '' },
  { key: 'message', title: 'message (decoded)', text: (r) => (r.message ? `${r.message} — ${r.messageDecoded ?? ''}` : '') },
  { key: 'irte', title: 'IRTE', text: (r) => r.irte ?? '' },
];

export interface TableState {
  sort: string;
  descending: boolean;
  filter: string;
}

export function renderTable(state: MachineState, view: TableState, selected: string | undefined, onChange: () => void, onSelect: (id: string) => void): HTMLElement {
  const changed = new Set(state.changed);
  const col = COLUMNS.find((c) => c.key === view.sort) ?? (COLUMNS[0] as Column);
  const needle = view.filter.trim().toLowerCase();
  const texts = new Map<IrqRow, string>();
  const textOf = (r: IrqRow): string => {
    let t = texts.get(r);
    if (t === undefined) {
      t = COLUMNS.map((c) => c.text(r)).join(' ').toLowerCase();
      texts.set(r, t);
    }
    return t;
  };
  const rows = needle ? state.irqs.filter((r) => textOf(r).includes(needle)) : state.irqs.slice();
  rows.sort((a, b) => {
    const d = col.num ? col.num(a) - col.num(b) : col.text(a).localeCompare(col.text(b), undefined, { numeric: true });
    return (view.descending ? -d : d) || (a.guest ?? '').localeCompare(b.guest ?? '') || a.virq - b.virq;
  });

  const filter = el('input', { type: 'search', id: 'irq-filter', placeholder: 'Filter IRQs (device, CPU, vector, …)', 'aria-label': 'Filter the IRQ table', value: view.filter });
  filter.addEventListener('input', () => {
    view.filter = filter.value;
    onChange();
  });
  const head = el('tr');
  for (const c of COLUMNS) {
    const sorted = c.key === col.key;
    const th = el('th', { scope: 'col', 'aria-sort': sorted ? (view.descending ? 'descending' : 'ascending') : 'none' });
    const button = el('button', { type: 'button', class: 'sort', 'data-key': c.key }, c.title, sorted ? (view.descending ? ' ▼' : ' ▲') : '');
    onActivate(button, () => {
      if (view.sort === c.key) view.descending = !view.descending;
      else {
        view.sort = c.key;
        view.descending = false;
      }
      onChange();
    });
    th.append(button);
    head.append(th);
  }
  const body = el('tbody');
  for (const r of rows.slice(0, MAX_DOM_ROWS)) {
    const cls = [changed.has(r.id) ? 'changed' : '', r.id === selected ? 'selected' : ''].filter(Boolean).join(' ');
    const tr = el('tr', { class: cls || undefined, tabindex: 0, 'data-id': r.id, 'aria-selected': r.id === selected ? 'true' : 'false' });
    for (const c of COLUMNS) tr.append(el('td', { class: c.key }, c.text(r)));
    onActivate(tr, () => onSelect(r.id));
    body.append(tr);
  }
  const shown = Math.min(rows.length, MAX_DOM_ROWS);
  const capped = state.irqTotal > state.irqs.length ? ` (the server sent the first ${state.irqs.length} of ${state.irqTotal})` : '';
  const note = el('p', { class: 'note', 'aria-live': 'polite', id: 'irq-count' }, `${shown} of ${rows.length} matching IRQs shown${capped}; ${state.changed.length} changed by this step.`);
  const table = el('table', { class: 'irqs' }, el('thead', {}, head), body);
  const scroll = el('div', { class: 'scroll table' });
  scroll.append(table);
  return el('div', {}, filter, note, scroll);
}
