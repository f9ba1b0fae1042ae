// Names for what an import declares. A device is called what the kernel calls
// it where that is a valid irqd name — the prefix its drivers give their
// IRQs ('nvme0q1' → nvme0, 'virtio2-input.0' → virtio2, 'eth1-rx-0' → eth1),
// else its driver and a number (pcieport0), else its PCI address
// (pci-00-01-0). Kernel-owned lines are named after their handler (timer,
// i8042) or their IRQ (isa3, gsi20).
import { keywordSet } from '../../../grammar/index.js';

/** The lexer's name pattern (language.md, "Names"). */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:[.-]+[A-Za-z0-9_]+)*$/;

function valid(name: string): boolean {
  return NAME.test(name) && !keywordSet.has(name);
}

/** A valid name, unique among `taken` (which it joins): `base`, else `base-2`, `base-3`, … */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z_]+/, '').replace(/[.-]+$/, '');
  if (!valid(name)) name = `m-${name}`.replace(/[.-]+$/, '');
  if (!valid(name)) name = 'machine';
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name}-${i}`;
  taken.add(candidate);
  return candidate;
}

function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let p = words[0] as string;
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** What the IRQ names of one device have in common, as the kernel's name for the device. */
export function nameFromActions(actions: readonly string[]): string | undefined {
  if (actions.length === 0) return undefined;
  let base = actions.length === 1 ? (actions[0] as string) : commonPrefix(actions);
  // Bus and instance suffixes: 'ahci[0000:00:1f.2]', 'mlx5_comp0@pci:0000:…'.
  base = base.replace(/\[.*$/, '').replace(/@.*$/, '');
  // One queue's name: 'virtio0-config', 'virtio0-req.0', 'eth1-rx-0', 'nvme0q0'.
  base = base.replace(/-(config|req|input|output|virtqueues|rx|tx|TxRx|txrx|rxtx|comp|async|fp)([.-]?\d*)$/i, '');
  base = base.replace(/(\d)q\d*$/, '$1');
  base = base.replace(/[-_.:\s]+$/, '');
  return valid(base) ? base : undefined;
}

/** A PCI function's name: its IRQs' common name, else its driver with a number, else its address. */
export function deviceName(
  d: { actions: readonly string[]; intxActions: readonly string[]; driver?: string; address: string },
  taken: Set<string>,
  driverCount: Map<string, number>,
): string {
  const fromIrqs = nameFromActions(d.actions) ?? nameFromActions(d.intxActions);
  if (fromIrqs && !taken.has(fromIrqs)) return uniqueName(fromIrqs, taken);
  if (d.driver) {
    const base = d.driver.replace(/[^A-Za-z0-9_]+/g, '_');
    const n = driverCount.get(base) ?? 0;
    driverCount.set(base, n + 1);
    const name = uniqueName(`${base}${n}`, taken);
    if (valid(name)) return name;
  }
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(d.address);
  const short = m ? (m[1] === '0000' ? `pci-${m[2]}-${m[3]}-${m[4]}` : `pci-${m[1]}-${m[2]}-${m[3]}-${m[4]}`) : 'pci';
  return uniqueName(short, taken);
}

/** A kernel-owned source's name: its handler's name (a repeat gets '-irqN'), else kind and IRQ. */
export function platformName(actions: readonly string[], virq: number, kind: 'isa' | 'gsi' | 'dmar' | 'hpet', taken: Set<string>): string {
  const own = nameFromActions(actions.length > 1 ? [actions[0] as string] : actions);
  if (own && !taken.has(own)) return uniqueName(own, taken);
  if (own) return uniqueName(`${own}-irq${virq}`, taken);
  return uniqueName(kind === 'dmar' ? `dmar-irq${virq}` : kind === 'hpet' ? `hpet-irq${virq}` : `${kind}${virq}`, taken);
}
