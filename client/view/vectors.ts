// The vector map: CPUs × vectors 0x00–0xFF as a heat map on a canvas (512
// CPUs are 131,072 cells: as DOM elements they would not draw in 100 ms),
// with each CPU's avl/act/man/mac beside its row and the global counters of
// the VECTOR debugfs file above. A cell is described on hover and, for the
// keyboard, with the arrow keys on the focused map; the description goes to
// a live region.
import type { CpuRow, MachineState, VectorCode } from '../../server/src/features/machine-view-types.js';
import { el, hex } from './dom.js';

export const STATES: readonly { code: VectorCode; name: string }[] = [
  { code: 'a', name: 'allocated' },
  { code: 'm', name: 'managed-reserved' },
  { code: 'c', name: 'pending cleanup' },
  { code: 'p', name: '0xEF placeholder' },
  { code: 'l', name: 'legacy (ISA)' },
  { code: 's', name: 'system' },
  { code: 'r', name: 'reserved (exceptions)' },
  { code: '.', name: 'free' },
];

const NAMES = new Map(STATES.map((s) => [s.code, s.name]));
const CELL_W = 4;
const GUTTER = 176;
const HEADER = 18;

function rowHeight(cpus: number): number {
  return cpus <= 16 ? 16 : cpus <= 32 ? 12 : cpus <= 128 ? 5 : 3;
}

/** The colour of each state, read from the stylesheet (theme-aware). */
function palette(): Map<string, string> {
  const css = getComputedStyle(document.body);
  const m = new Map<string, string>();
  for (const s of STATES) m.set(s.code, css.getPropertyValue(`--cell-${s.code === '.' ? 'free' : s.code}`).trim() || '#888');
  m.set('fg', css.getPropertyValue('--fg').trim() || '#000');
  m.set('muted', css.getPropertyValue('--muted').trim() || '#777');
  m.set('offline', css.getPropertyValue('--offline').trim() || 'rgba(128,128,128,0.6)');
  m.set('focus', css.getPropertyValue('--focus').trim() || '#f00');
  m.set('mono', css.getPropertyValue('--mono').trim() || 'monospace');
  return m;
}

function irqAt(c: CpuRow, vector: number): number | undefined {
  for (let i = 0; i < c.irqs.length; i += 2) if (c.irqs[i] === vector) return c.irqs[i + 1];
  return undefined;
}

export function describeCell(state: MachineState, cpu: number, vector: number): string {
  const c = state.cpus[cpu];
  if (!c) return '';
  const code = c.vectors[vector] as VectorCode;
  const virq = irqAt(c, vector);
  const row = virq === undefined ? undefined : state.irqs.find((r) => r.guest === undefined && r.virq === virq);
  const irq = virq === undefined ? '' : ` → IRQ ${virq}${row ? ` ${row.device}[${row.index}]` : ''}`;
  return `CPU ${cpu}${c.online ? '' : ' (offline)'} vector ${hex(vector)}: ${NAMES.get(code) ?? code}${irq} · avl ${c.avl} act ${c.act} man ${c.man} mac ${c.mac}`;
}

export interface VectorMap {
  element: HTMLElement;
  /** Outline one IRQ's cell (the selected IRQ). */
  mark(cpu: number | undefined, vector: number | undefined): void;
}

/** `onPick` gets the id of the host IRQ behind a cell (vector_irq[] is the host's). */
export function renderVectors(state: MachineState, onPick: (id: string) => void): VectorMap {
  const cpus = state.cpus;
  const rh = rowHeight(cpus.length);
  const width = GUTTER + 256 * CELL_W;
  const height = HEADER + cpus.length * rh;
  const dpr = Math.max(1, Math.min(2, window.devicePixelRatio || 1));
  const canvas = el('canvas', {
    width: Math.round(width * dpr),
    height: Math.round(height * dpr),
    tabindex: 0,
    role: 'img',
    'aria-label': `vector map: ${cpus.length} CPUs by 256 vectors; arrow keys move, Enter selects the IRQ`,
    'data-cells': cpus.length * 256,
  });
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  const colours = palette();
  const info = el('p', { class: 'cell-info', 'aria-live': 'polite' }, 'Hover a cell, or focus the map and use the arrow keys.');
  let cursor = { cpu: 0, vector: 0x20 };
  let marked: { cpu: number; vector: number } | undefined;

  const draw = (): void => {
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = `10px ${colours.get('mono') as string}`;
    ctx.fillStyle = colours.get('muted') as string;
    ctx.textBaseline = 'middle';
    // The vector axis: a label every 0x10, a tick every 0x10.
    for (let v = 0; v < 256; v += 0x10) {
      const x = GUTTER + v * CELL_W;
      ctx.fillText(v.toString(16).toUpperCase().padStart(2, '0'), x + 1, HEADER / 2);
      ctx.fillRect(x, HEADER - 4, 1, 4);
    }
    const labelled = rh >= 10;
    ctx.fillText(labelled ? 'CPU   avl  act  man  mac' : 'CPU', 4, HEADER / 2);
    // The cells as pixels: 131,072 fillRect() calls on 512 CPUs take longer than a step may.
    drawCells(ctx, cpus, rh, dpr, colours);
    cpus.forEach((c, i) => {
      const y = HEADER + i * rh;
      if (labelled || i % 16 === 0) {
        ctx.fillStyle = colours.get(c.online ? 'fg' : 'muted') as string;
        const counters = labelled ? ` ${pad(c.avl)} ${pad(c.act)} ${pad(c.man)} ${pad(c.mac)}` : '';
        ctx.fillText(`${String(c.cpu).padStart(3)}${counters}${c.online ? '' : ' off'}`, 4, y + Math.max(rh, 10) / 2);
      }
    });
    const outline = (p: { cpu: number; vector: number }, colour: string): void => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.strokeRect(GUTTER + p.vector * CELL_W - 1.5, HEADER + p.cpu * rh - 1.5, CELL_W + 2, rh + 2);
    };
    if (marked) outline(marked, colours.get('fg') as string);
    if (document.activeElement === canvas) outline(cursor, colours.get('focus') as string);
  };

  const cellAt = (ev: MouseEvent): { cpu: number; vector: number } | undefined => {
    const r = canvas.getBoundingClientRect();
    const x = ((ev.clientX - r.left) * width) / r.width;
    const y = ((ev.clientY - r.top) * height) / r.height;
    const vector = Math.floor((x - GUTTER) / CELL_W);
    const cpu = Math.floor((y - HEADER) / rh);
    if (vector < 0 || vector > 255 || cpu < 0 || cpu >= cpus.length) return undefined;
    return { cpu, vector };
  };
  const pick = (p: { cpu: number; vector: number }): void => {
    const c = cpus[p.cpu];
    const virq = c ? irqAt(c, p.vector) : undefined;
    if (virq !== undefined) onPick(String(virq));
  };
  canvas.addEventListener('mousemove', (ev) => {
    const p = cellAt(ev);
    const text = p ? describeCell(state, p.cpu, p.vector) : '';
    canvas.title = text;
    if (text) info.textContent = text;
  });
  canvas.addEventListener('click', (ev) => {
    const p = cellAt(ev);
    if (p) pick(p);
  });
  canvas.addEventListener('focus', draw);
  canvas.addEventListener('blur', draw);
  canvas.addEventListener('keydown', (ev) => {
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0], PageUp: [-16, 0], PageDown: [16, 0] };
    const m = moves[ev.key];
    if (m) {
      ev.preventDefault();
      cursor = { cpu: clamp(cursor.cpu + m[0], 0, cpus.length - 1), vector: clamp(cursor.vector + m[1], 0, 255) };
      info.textContent = describeCell(state, cursor.cpu, cursor.vector);
      draw();
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      pick(cursor);
    }
  });

  const legend = el('ul', { class: 'legend', 'aria-label': 'vector states' });
  for (const s of STATES) {
    const n = cpus.reduce((sum, c) => sum + count(c.vectors, s.code), 0);
    legend.append(el('li', {}, el('span', { class: `swatch cell-${s.code === '.' ? 'free' : s.code}`, 'aria-hidden': 'true' }), `${s.name} (${n})`));
  }
  const offline = cpus.filter((c) => !c.online).length;
  legend.append(el('li', {}, el('span', { class: 'swatch offline', 'aria-hidden': 'true' }), `offline CPU (${offline})`));
  const m = state.matrix;
  const counters = el(
    'p',
    { class: 'counters mono' },
    `Online bitmaps: ${m.onlineMaps}, Global available: ${m.globalAvailable}, Global reserved: ${m.globalReserved}, Total allocated: ${m.totalAllocated}`,
  );
  const scroll = el('div', { class: 'scroll vectors' });
  scroll.append(canvas);
  const element = el('div', {}, counters, legend, scroll, info);
  draw();
  return {
    element,
    mark(cpu, vector) {
      marked = cpu !== undefined && vector !== undefined ? { cpu, vector } : undefined;
      draw();
    },
  };
}

/** A CSS colour as RGBA bytes, through a 1×1 canvas (any syntax the stylesheet may use). */
function rgba(colour: string): [number, number, number, number] {
  const c = document.createElement('canvas');
  c.width = c.height = 1;
  const x = c.getContext('2d', { willReadFrequently: true });
  if (!x) return [128, 128, 128, 255];
  x.fillStyle = colour;
  x.fillRect(0, 0, 1, 1);
  const d = x.getImageData(0, 0, 1, 1).data;
  return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0, d[3] ?? 255];
}

function drawCells(ctx: CanvasRenderingContext2D, cpus: readonly CpuRow[], rh: number, dpr: number, colours: Map<string, string>): void {
  const x0 = Math.round(GUTTER * dpr);
  const y0 = Math.round(HEADER * dpr);
  const w = Math.round(256 * CELL_W * dpr);
  const h = Math.round(cpus.length * rh * dpr);
  const img = ctx.createImageData(w, h);
  const px = new Uint32Array(img.data.buffer);
  // Little-endian RGBA packed in one word per pixel; the offline veil is blended in once per colour.
  const pack = ([r, g, b, a]: [number, number, number, number]): number => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
  const veil = rgba(colours.get('offline') as string);
  const alpha = veil[3] / 255;
  const online = new Map<string, number>();
  const offline = new Map<string, number>();
  for (const s of STATES) {
    const c = rgba(colours.get(s.code) ?? '#888');
    online.set(s.code, pack(c));
    const blend = (i: 0 | 1 | 2): number => Math.round(c[i] * (1 - alpha) + veil[i] * alpha);
    offline.set(s.code, pack([blend(0), blend(1), blend(2), 255]));
  }
  const cw = CELL_W * dpr;
  const ch = rh * dpr;
  // A gap of one CSS pixel between cells where they are big enough to have one.
  const gapX = CELL_W > 3 ? dpr : 0;
  const gapY = rh > 4 ? dpr : 0;
  cpus.forEach((c, i) => {
    const table = c.online ? online : offline;
    const top = Math.round(i * ch);
    const bottom = Math.round((i + 1) * ch - gapY);
    for (let v = 0; v < 256; v++) {
      const colour = table.get(c.vectors[v] as string) ?? 0xff808080;
      const left = Math.round(v * cw);
      const right = Math.round((v + 1) * cw - gapX);
      for (let y = top; y < bottom; y++) px.fill(colour, y * w + left, y * w + right);
    }
  });
  ctx.putImageData(img, x0, y0);
}

function pad(n: number): string {
  return String(n).padStart(4);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === ch.charCodeAt(0)) n++;
  return n;
}
