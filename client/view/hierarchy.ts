// The irqdomain hierarchy as a layered graph in SVG: the domains nearest the
// CPU on top (the kernel's parents), devices and guests below the domains
// they allocate from. A hierarchy is a DAG of at most dozens of nodes, so a
// longest-path layering and one barycentre pass order it well enough; no
// layout library earns its size here.
import type { HierarchyNode, MachineState } from '../../server/src/features/machine-view-types.js';
import { el, svg } from './dom.js';

const NODE_W = 210;
const NODE_H = 42;
const GAP_X = 20;
const GAP_Y = 36;
const PAD = 12;

export interface Placed {
  node: HierarchyNode;
  x: number;
  y: number;
  layer: number;
}

/** Layers by the longest path to a root (a node without a parent), ordered by their parents' positions. */
export function layout(h: MachineState['hierarchy']): { placed: Placed[]; width: number; height: number } {
  const parents = new Map<string, string[]>();
  for (const [child, parent] of h.edges) {
    const list = parents.get(child) ?? [];
    list.push(parent);
    parents.set(child, list);
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    // A cycle cannot come from a checked model, but the layout must not recurse for ever on one.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const d = Math.max(-1, ...(parents.get(id) ?? []).map(depthOf)) + 1;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const layers: HierarchyNode[][] = [];
  for (const n of h.nodes) {
    const d = depthOf(n.id);
    (layers[d] ??= []).push(n);
  }
  const xOf = new Map<string, number>();
  const placed: Placed[] = [];
  let widest = 0;
  layers.forEach((layer, li) => {
    if (li > 0) {
      const bary = (n: HierarchyNode): number => {
        const ps = (parents.get(n.id) ?? []).map((p) => xOf.get(p) ?? 0);
        return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0;
      };
      layer.sort((a, b) => bary(a) - bary(b) || a.name.localeCompare(b.name));
    }
    layer.forEach((n, i) => {
      const x = PAD + i * (NODE_W + GAP_X);
      xOf.set(n.id, x);
      placed.push({ node: n, x, y: PAD + li * (NODE_H + GAP_Y), layer: li });
    });
    widest = Math.max(widest, layer.length);
  });
  return { placed, width: PAD * 2 + widest * (NODE_W + GAP_X) - GAP_X, height: PAD * 2 + layers.length * (NODE_H + GAP_Y) - GAP_Y };
}

/** The ids of an IRQ's chain in the graph: its device and every domain of its levels (a guest's, then the guest and the host device given to it). */
export function chainIds(state: MachineState, id: string | undefined): Set<string> {
  const row = id === undefined ? undefined : state.irqs.find((r) => r.id === id);
  if (!row) return new Set();
  const owner = row.guest ?? state.system.name;
  const ids = new Set([`device:${owner}/${row.device}`, ...row.levels.map((l) => `domain:${owner}/${l.domain}`)]);
  if (row.guest !== undefined) {
    ids.add(`guest:${row.guest}`);
    ids.add(`device:${state.system.name}/${row.device}`);
  }
  return ids;
}

/** More devices than this under one domain are drawn as one summary node (the selected IRQ's device stays on its own). */
const MAX_DEVICES_PER_DOMAIN = 6;

/**
 * The graph as drawn: the devices of a domain that has many (machine512
 * has 256 devices under a handful of domains) become one node that names
 * how many and the first few, so the graph stays readable and small.
 */
export function collapsed(h: MachineState['hierarchy'], keep: ReadonlySet<string>): MachineState['hierarchy'] {
  const kinds = new Map(h.nodes.map((n) => [n.id, n.kind]));
  const byParent = new Map<string, string[]>();
  const childOf = new Set<string>();
  for (const [child, parent] of h.edges) {
    if (kinds.get(child) !== 'device') continue;
    childOf.add(child);
    const list = byParent.get(parent) ?? [];
    list.push(child);
    byParent.set(parent, list);
  }
  const hidden = new Set<string>();
  const extra: MachineState['hierarchy'] = { nodes: [], edges: [] };
  for (const [parent, devices] of byParent) {
    if (devices.length <= MAX_DEVICES_PER_DOMAIN) continue;
    // A device with a second parent, a guest under it, or in the selected chain stays drawn.
    const folded = devices.filter((d) => !keep.has(d) && h.edges.filter(([c, p]) => c === d || p === d).length === 1);
    if (folded.length < 2) continue;
    for (const d of folded) hidden.add(d);
    const names = folded.map((d) => h.nodes.find((n) => n.id === d)?.name ?? d);
    const id = `devices:${parent}`;
    const owner = h.nodes.find((n) => n.id === parent)?.owner ?? '';
    extra.nodes.push({ id, kind: 'device', name: `${folded.length} devices`, owner, detail: `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}` });
    extra.edges.push([id, parent]);
  }
  if (hidden.size === 0) return h;
  return {
    nodes: [...h.nodes.filter((n) => !hidden.has(n.id)), ...extra.nodes],
    edges: [...h.edges.filter(([c, p]) => !hidden.has(c) && !hidden.has(p)), ...extra.edges],
  };
}

export function renderHierarchy(state: MachineState, selected: string | undefined): HTMLElement {
  const chain = chainIds(state, selected);
  const graph = collapsed(state.hierarchy, chain);
  const { placed, width, height } = layout(graph);
  const at = new Map(placed.map((p) => [p.node.id, p]));
  const root = svg('svg', { width: Math.max(width, 200), height, viewBox: `0 0 ${Math.max(width, 200)} ${height}`, role: 'img', 'aria-label': `irqdomain hierarchy: ${placed.length} nodes` });
  for (const [child, parent] of graph.edges) {
    const a = at.get(child);
    const b = at.get(parent);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y + NODE_H;
    const mid = (y1 + y2) / 2;
    const on = chain.has(child) && chain.has(parent);
    root.append(svg('path', { d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`, class: on ? 'edge chain' : 'edge' }));
  }
  for (const p of placed) {
    const n = p.node;
    const g = svg('g', { class: `node ${n.kind}${chain.has(n.id) ? ' chain' : ''}`, transform: `translate(${p.x},${p.y})`, 'data-id': n.id });
    const title = svg('title', {}, `${n.kind} ${n.name} (${n.detail})${n.kernelName ? `, kernel name ${n.kernelName}` : ''}, in ${n.owner}`);
    g.append(title, svg('rect', { width: NODE_W, height: NODE_H, rx: n.kind === 'guest' ? 12 : 4 }));
    g.append(svg('text', { x: 8, y: 17, class: 'name' }, clip(n.name, 26)));
    const sub = n.kind === 'domain' ? `${n.detail} · ${n.kernelName ?? ''}` : n.id.startsWith('devices:') ? n.detail : n.kind === 'device' ? `${n.detail} device` : `guest · ${n.detail}`;
    g.append(svg('text', { x: 8, y: 33, class: 'sub' }, clip(sub, 32)));
    root.append(g);
  }
  const box = el('div', { class: 'scroll hierarchy' });
  box.append(root);
  return box;
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
