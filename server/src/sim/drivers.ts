// Drivers that act on interrupts beyond the core: the CPU-hotplug callbacks
// that change their IRQs' affinity without any write from user space. A
// device says which driver it has with `driver NAME`; the drivers modelled
// here are listed in values.ts (modelledDrivers) and in docs/simulation.md.
import type { DeviceSym, SystemSym } from '../model/types.js';
import { bitmapList } from './matrix.js';
import { irqSetAffinity } from './set-affinity.js';
import { onlineCpus, unchangingMask, writableIrq, type Irq, type SimState } from './state.js';
import type { Log } from './vector.js';

function isVirtioNet(dev: DeviceSym): boolean {
  return dev.driver === 'virtio-net' || dev.driver === 'virtio_net';
}

/**
 * virtnet_set_affinity() (drivers/net/virtio_net.c): the online CPUs split
 * over the queue pairs in order (stride = online / pairs, the first
 * `online % pairs` pairs get one more), each pair's receive and send queue
 * IRQs getting the same mask through virtqueue_set_affinity() →
 * irq_set_affinity_and_hint(). With one vector per virtqueue
 * (vp_find_vqs_msix()) entry 0 is the config vector and queue pair i uses
 * entries 1 + 2i (rx) and 2 + 2i (tx).
 */
const pairText = (dev: string, pair: number, virq: number, mask: readonly number[]): string => `${dev} queue pair ${pair}: IRQ ${virq} affinity and hint ${bitmapList(mask)}`;

function virtnetSetAffinity(s: SimState, dev: DeviceSym, log: Log): void {
  const state = s.devices.get(dev.name);
  if (state?.cap !== 'msix') return;
  const irqAt = (i: number): Irq | undefined => {
    const v = state.virqs[i];
    return v === undefined ? undefined : s.irqs.get(v);
  };
  const pairs = Math.floor((state.virqs.length - 1) / 2);
  const online = onlineCpus(s);
  if (pairs < 1 || online.length === 0) return;
  const stride = Math.max(Math.floor(online.length / pairs), 1);
  const stragglers = online.length >= pairs ? online.length % pairs : 0;
  let next = 0;
  for (let i = 0; i < pairs; i++) {
    const group = stride + (i < stragglers ? 1 : 0);
    // cpumask_next_wrap() over cpu_online_mask: a run of the (ascending) online
    // list, wrapping to its start at the end. This runs for every CPU taken
    // down, so the mask is a slice, not a loop and a sort, and marked
    // unchanging so that the IRQ keeps it without a copy.
    const from = next % online.length;
    next += group;
    const rx = irqAt(1 + 2 * i);
    const tx = irqAt(2 + 2 * i);
    // A queue pair without a requested IRQ has nothing to set: no mask is made for it.
    if (!rx?.started && !tx?.started) continue;
    const mask = unchangingMask(from + group <= online.length ? online.slice(from, from + group) : [...online.slice(0, from + group - online.length), ...online.slice(from)]);
    for (const shared of [rx, tx]) {
      if (!shared?.started) continue;
      const irq = writableIrq(s, shared);
      irq.hint = mask;
      const r = irqSetAffinity(s, irq, mask, log);
      if (r.kind === 'error') log.warn('virtnet_set_affinity', `IRQ ${irq.virq}: irq_set_affinity_and_hint(${bitmapList(mask)}) fails with -${r.err}`);
      else log.lazy('virtnet_set_affinity', pairText, dev.name, i, irq.virq, mask);
    }
  }
}

/**
 * What one CPU coming or going costs the modelled drivers' hotplug callbacks
 * beyond the core's work: virtnet_set_affinity() rewrites, for each
 * virtio-net device, a mask over every online CPU (counted in cpumask words,
 * 64 CPUs each, as the kernel's masks are) and the affinity of both IRQs
 * of every queue pair (entry 0 is the config vector, then two per pair).
 * MAX_HOTPLUG_OPERATIONS counts this with each CPU operation, so that 30,000
 * operations on 8,192 CPUs, or 421 with 1,023 queue pairs, are bounded like
 * the rest.
 */
export function hotplugCallbackWork(system: SystemSym): number {
  let work = 0;
  for (const dev of system.scope.devices.values()) {
    if (!isVirtioNet(dev)) continue;
    const pairs = Math.max(0, Math.floor(((dev.caps.msix?.count ?? 1) - 1) / 2));
    work += Math.ceil(system.cpus / 64) + 2 * pairs;
  }
  return work;
}

function eachDriver(s: SimState, log: Log): void {
  for (const dev of s.system.scope.devices.values()) if (isVirtioNet(dev)) virtnetSetAffinity(s, dev, log);
}

// CPUHP_VIRT_NET_DEAD → virtnet_cpu_dead(): after the CPU is gone and its IRQs have moved.
export function driversCpuDead(s: SimState, log: Log): void {
  eachDriver(s, log);
}

// CPUHP_AP_ONLINE_DYN → virtnet_cpu_online(): after irq_affinity_online_cpu() restarted the managed IRQs.
export function driversCpuOnline(s: SimState, log: Log): void {
  eachDriver(s, log);
}
