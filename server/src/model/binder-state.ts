// The binder's part for `state { … }`: the machine as it was found. Each
// `irq` line names the device vector it belongs to and says where the IRQ
// stood; the words are checked here, and whether the state is one the kernel
// can be in is checked by check/state.ts.
import type * as A from '../../../grammar/index.js';
import type { BinderCore } from './binder.js';
import { expandCpuList } from './binder.js';
import { diagnostic } from './diagnostic.js';
import type { DeclaredIrq, DeclaredState, DeviceSym, IrqStatus, SystemSym } from './types.js';
import * as V from './values.js';

/** The capability an IRQ of a device belongs to when the line does not say `via`: MSI-X, MSI, IMS, then INTx. */
export function defaultStateCap(dev: DeviceSym): DeclaredIrq['cap'] | undefined {
  if (dev.caps.msix) return 'msix';
  if (dev.caps.msi) return 'msi';
  if (dev.caps.ims) return 'ims';
  return dev.ioapicPin ? 'ioapic' : undefined;
}

function single(list: A.CpuList | undefined): number | undefined {
  const r = list?.ranges[0];
  return list && list.ranges.length === 1 && r && r.from === r.to ? r.from : undefined;
}

export function bindState(b: BinderCore, decl: A.StateDecl, system: SystemSym): DeclaredState {
  let online: number[] | undefined;
  const irqs: DeclaredIrq[] = [];
  const seen = new Map<number, A.StateIrq>();
  const sources = new Map<string, DeclaredIrq>();
  for (const item of decl.items) {
    if (item.kind === 'state-online') {
      if (online) {
        b.diagnostics.push(diagnostic('IRQD015', item.span, "'online cpu' is given twice in one state"));
        continue;
      }
      online = item.cpus ? expandCpuList(item.cpus, system.cpus) : [];
      continue;
    }
    const irq = bindStateIrq(b, item, system);
    if (!irq) continue;
    const first = seen.get(irq.virq);
    if (first) {
      b.diagnostics.push(
        diagnostic('IRQD011', item.irq?.span ?? item.span, `IRQ ${irq.virq} is already in this state`, {
          related: [{ span: first.span, message: 'first here' }],
        }),
      );
      continue;
    }
    // One vector of a device is one IRQ (msi_desc->irq).
    const key = `${irq.device.name}/${irq.cap}/${irq.index}`;
    const same = sources.get(key);
    if (same) {
      b.diagnostics.push(
        diagnostic('IRQD011', item.source?.span ?? item.span, `${irq.device.name}[${irq.index}] is already IRQ ${same.virq} in this state`, {
          related: [{ span: same.item.span, message: 'first here' }],
        }),
      );
      continue;
    }
    sources.set(key, irq);
    seen.set(irq.virq, item);
    irqs.push(irq);
  }
  return { ...(online ? { online } : {}), irqs, span: decl.span };
}

function bindStateIrq(b: BinderCore, item: A.StateIrq, system: SystemSym): DeclaredIrq | undefined {
  for (const span of item.repeated) b.diagnostics.push(diagnostic('IRQD015', span, `'${b.textOf(span)}' is given twice in one 'irq' line`));
  const src = item.source;
  if (!item.irq || !src) return undefined;
  if (!src.device) {
    b.diagnostics.push(diagnostic('IRQD014', src.span, "a state's IRQ names the device vector it belongs to ('irq 35 nvme0[0] …'), not another IRQ"));
    return undefined;
  }
  const device = b.resolve(src.device, 'device', system.scope.devices, [system.scope.domains, system.guests]);
  let status: IrqStatus | undefined;
  let masked = false;
  let noBalancing = false;
  for (const f of item.flags) {
    const word = b.enumValue(f, "word of a state's 'irq' line", [...V.irqStatuses, ...V.irqStateFlags]);
    if (!word) continue;
    if (word === 'masked') masked = true;
    else if (word === 'no-balancing') noBalancing = true;
    else if (status) b.diagnostics.push(diagnostic('IRQD015', f.span, `IRQ ${item.irq.value} is already '${status}': an IRQ has one status`));
    else status = word;
  }
  const via = b.enumValue(item.via, "'via' kind", V.allocKinds);
  if (!device) return undefined;
  if (src.star) {
    b.diagnostics.push(diagnostic('IRQD014', src.span, "one state line is one IRQ: name one vector ('nvme0[0]')"));
    return undefined;
  }
  const index = src.indices ? single(src.indices) : 0;
  if (index === undefined) {
    b.diagnostics.push(diagnostic('IRQD014', src.indices?.span ?? src.span, "one state line is one IRQ: name one vector ('nvme0[0]')"));
    return undefined;
  }
  const cap = via ?? defaultStateCap(device);
  if (!cap) {
    b.diagnostics.push(diagnostic('IRQD028', src.device.span, `device '${device.name}' has no interrupt capability`));
    return undefined;
  }
  const address = item.message?.address?.value;
  return {
    virq: item.irq.value,
    device,
    cap,
    index,
    managed: item.managed !== undefined,
    // Without a word: a vector means the IRQ was requested; a managed IRQ
    // without one is shut down; anything else waits in reservation mode.
    status: status ?? (item.vector ? 'requested' : item.managed ? 'shutdown' : 'reserved'),
    ...(item.cpu ? { cpu: item.cpu.value } : {}),
    ...(item.vector ? { vector: item.vector.value } : {}),
    ...(item.affinity ? { affinity: expandCpuList(item.affinity, system.cpus) } : {}),
    ...(item.pending ? { pending: expandCpuList(item.pending, system.cpus) } : {}),
    ...(item.previous?.cpu && item.previous.vector ? { previous: { cpu: item.previous.cpu.value, vector: item.previous.vector.value } } : {}),
    ...(item.irte ? { irte: item.irte.value } : {}),
    ...(address !== undefined && item.message?.data
      ? { message: { addressLo: address % 2 ** 32, addressHi: Math.floor(address / 2 ** 32), data: item.message.data.value } }
      : {}),
    masked,
    noBalancing,
    item,
  };
}
