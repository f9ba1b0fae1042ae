// The Variables view: the scopes of a stop and their variables, each
// expandable node a variablesReference handle that makes its children when
// the client asks (inspect.ts). Handles live until the next stop, as DAP
// allows: a client asks again after every `stopped` event.
import { Handles, Scope } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { SimState } from '../sim/state.js';
import { cpuNode, deviceNames, deviceNode, irqList, irqNode, irteTableNodes, pasidNodes, vfioNodes, type Node } from './inspect.js';

/** Lists longer than this are split into ranges, so that a 512-CPU system or 60,000 IRQs open fast. */
const CHUNK = 100;

/** A list whose nodes are made only when their range is opened. */
function chunked<T>(items: readonly T[], make: (item: T) => Node, label: (item: T) => string): () => Node[] {
  return () => {
    if (items.length <= CHUNK) return items.map(make);
    const out: Node[] = [];
    for (let i = 0; i < items.length; i += CHUNK) {
      const part = items.slice(i, i + CHUNK);
      out.push({ name: `[${label(part[0] as T)} … ${label(part[part.length - 1] as T)}]`, value: `${part.length} of ${items.length}`, count: part.length, children: () => part.map(make) });
    }
    return out;
  };
}

/** The kernel-state scopes of one state, as (name, children) pairs: the Variables view and the Guests scope share them. */
export function stateScopes(s: SimState): { name: string; children: () => Node[]; expensive: boolean }[] {
  const cpus = Array.from({ length: s.matrix.cpus.length }, (_, i) => i);
  return [
    { name: 'IRQs', children: () => chunked(irqList(s), (irq) => irqNode(s, irq), (irq) => String(irq.virq))(), expensive: false },
    { name: 'CPUs', children: chunked(cpus, (cpu) => cpuNode(s, cpu), String), expensive: false },
    { name: 'IRTE tables', children: () => irteTableNodes(s), expensive: false },
    { name: 'Devices', children: () => deviceNames(s).map((d) => deviceNode(s, d)), expensive: false },
    { name: 'VFIO', children: () => vfioNodes(s), expensive: false },
    { name: 'PASIDs', children: () => pasidNodes(s), expensive: false },
    {
      name: 'Guests',
      children: () =>
        [...s.guests.entries()].map(([name, g]) => ({
          name,
          value: `${g.matrix.cpus.length} vCPUs, ${g.irqs.size} IRQs`,
          children: () => stateScopes(g).filter((x) => x.name !== 'Guests').map((x) => ({ name: x.name, value: '', children: x.children })),
        })),
      expensive: false,
    },
  ];
}

export class VariableStore {
  private handles = new Handles<() => Node[]>();

  /** Forgets every handle: the state they read is no longer the current one. */
  reset(): void {
    this.handles.reset();
  }

  handle(children: () => Node[]): number {
    return this.handles.create(children);
  }

  scope(name: string, children: () => Node[], expensive = false): DebugProtocol.Scope {
    return new Scope(name, this.handle(children), expensive);
  }

  /** The variables of a handle, or undefined for a handle of an earlier stop. */
  variables(ref: number, start?: number, count?: number): DebugProtocol.Variable[] | undefined {
    const make = this.handles.get(ref);
    if (!make) return undefined;
    let nodes = make();
    if (start !== undefined || count !== undefined) nodes = nodes.slice(start ?? 0, count !== undefined ? (start ?? 0) + count : undefined);
    return nodes.map((n) => this.variable(n));
  }

  variable(n: Node): DebugProtocol.Variable {
    return { name: n.name, value: n.value, variablesReference: n.children ? this.handle(n.children) : 0 };
  }
}
