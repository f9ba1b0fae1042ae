// sys/bus/pci/devices/SSSS:BB:DD.F/: the few PCI sysfs files the import uses.
//   msi_irqs/N   msi_mode_show(), drivers/pci/msi/msi.c: 'msi' or 'msix'
//   irq          irq_show(), drivers/pci/pci-sysfs.c: pdev->irq as '%u'
//   numa_node    numa_node_show(), drivers/pci/pci-sysfs.c: '%d', -1 without a node
//   driver       a symlink into sys/bus/pci/drivers/NAME (only its name is used)
import type { SnapshotProblem } from '../types.js';
import { MAX_IRQ, Reporter, parseDecimal, quote, singleValue } from './report.js';

export interface PciAddress {
  readonly segment: number;
  readonly bus: number;
  readonly device: number;
  readonly fn: number;
}

/** 'SSSS:BB:DD.F' or 'BB:DD.F' (segment 0, as lspci prints it), else undefined. */
export function parsePciAddress(s: string): PciAddress | undefined {
  const m = /^(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(s);
  if (!m) return undefined;
  const device = parseInt(m[3], 16);
  if (device > 0x1f) return undefined;
  return { segment: m[1] === undefined ? 0 : parseInt(m[1], 16), bus: parseInt(m[2], 16), device, fn: Number(m[4]) };
}

/** The sysfs name of an address: '0000:01:00.0'. */
export function pciAddressName(a: PciAddress): string {
  const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  return `${hex(a.segment, 4)}:${hex(a.bus, 2)}:${hex(a.device, 2)}.${a.fn}`;
}

/** A msi_irqs/N file: the mode of that IRQ. */
export function readMsiIrqMode(text: string, file: string, problems: SnapshotProblem[]): 'msi' | 'msix' | undefined {
  const rep = new Reporter(file, problems);
  const value = singleValue(text, rep).trim();
  if (value === 'msi' || value === 'msix') return value;
  rep.error(1, `${quote(value)} is neither 'msi' nor 'msix'`);
  return undefined;
}

/** The 'irq' file: an IRQ number. */
export function readIrqFile(text: string, file: string, problems: SnapshotProblem[]): number | undefined {
  const rep = new Reporter(file, problems);
  const value = singleValue(text, rep).trim();
  const n = parseDecimal(value);
  if (n === undefined || n > MAX_IRQ) {
    rep.error(1, `${quote(value)} is not an IRQ number (0..${MAX_IRQ})`);
    return undefined;
  }
  return n;
}

/** The driver name of a 'driver' symlink target ('../../../bus/pci/drivers/nvme' → 'nvme'). */
export function driverFromLink(target: string, file: string, problems: SnapshotProblem[]): string | undefined {
  const name = target.replace(/\/+$/, '').split('/').pop() ?? '';
  if (/^[A-Za-z0-9_.+-]{1,64}$/.test(name) && name !== '.' && name !== '..') return name;
  new Reporter(file, problems).error(undefined, `the link target ${quote(target)} does not end in a driver name`);
  return undefined;
}
