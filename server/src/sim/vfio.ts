// VFIO migration v2 (include/uapi/linux/vfio.h, drivers/vfio/vfio_main.c;
// semantics.md §10): the state machine a VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE
// request walks, and the hazards of a multi-device migration (seed 003).
import type { MigrationCaps } from '../model/types.js';
import type { KernelFeatures } from './kernel.js';

export type VfioState = 'error' | 'stop' | 'running' | 'stop-copy' | 'resuming' | 'running-p2p' | 'pre-copy' | 'pre-copy-p2p';

const S = {
  STOP: 'stop',
  RUNNING: 'running',
  STOP_COPY: 'stop-copy',
  RESUMING: 'resuming',
  RUNNING_P2P: 'running-p2p',
  PRE_COPY: 'pre-copy',
  PRE_COPY_P2P: 'pre-copy-p2p',
  ERROR: 'error',
} as const satisfies Record<string, VfioState>;

/** vfio_from_fsm_table[cur][new]: the next state on the way from cur to new. */
const FSM: Record<VfioState, Record<VfioState, VfioState>> = {
  stop: { stop: S.STOP, running: S.RUNNING_P2P, 'stop-copy': S.STOP_COPY, resuming: S.RESUMING, 'running-p2p': S.RUNNING_P2P, 'pre-copy': S.RUNNING_P2P, 'pre-copy-p2p': S.RUNNING_P2P, error: S.ERROR },
  running: { stop: S.RUNNING_P2P, running: S.RUNNING, 'stop-copy': S.RUNNING_P2P, resuming: S.RUNNING_P2P, 'running-p2p': S.RUNNING_P2P, 'pre-copy': S.PRE_COPY, 'pre-copy-p2p': S.RUNNING_P2P, error: S.ERROR },
  'stop-copy': { stop: S.STOP, running: S.STOP, 'stop-copy': S.STOP_COPY, resuming: S.STOP, 'running-p2p': S.STOP, 'pre-copy': S.ERROR, 'pre-copy-p2p': S.ERROR, error: S.ERROR },
  resuming: { stop: S.STOP, running: S.STOP, 'stop-copy': S.STOP, resuming: S.RESUMING, 'running-p2p': S.STOP, 'pre-copy': S.STOP, 'pre-copy-p2p': S.STOP, error: S.ERROR },
  'running-p2p': { stop: S.STOP, running: S.RUNNING, 'stop-copy': S.STOP, resuming: S.STOP, 'running-p2p': S.RUNNING_P2P, 'pre-copy': S.RUNNING, 'pre-copy-p2p': S.PRE_COPY_P2P, error: S.ERROR },
  'pre-copy': { stop: S.RUNNING, running: S.RUNNING, 'stop-copy': S.PRE_COPY_P2P, resuming: S.RUNNING, 'running-p2p': S.RUNNING, 'pre-copy': S.PRE_COPY, 'pre-copy-p2p': S.PRE_COPY_P2P, error: S.ERROR },
  'pre-copy-p2p': { stop: S.RUNNING_P2P, running: S.RUNNING_P2P, 'stop-copy': S.STOP_COPY, resuming: S.RUNNING_P2P, 'running-p2p': S.RUNNING_P2P, 'pre-copy': S.PRE_COPY, 'pre-copy-p2p': S.PRE_COPY_P2P, error: S.ERROR },
  error: { stop: S.ERROR, running: S.ERROR, 'stop-copy': S.ERROR, resuming: S.ERROR, 'running-p2p': S.ERROR, 'pre-copy': S.ERROR, 'pre-copy-p2p': S.ERROR, error: S.ERROR },
};

/** vfio_mig_state_supported(): state_flags_table against the device's migration flags. */
function supported(state: VfioState, caps: MigrationCaps, k: KernelFeatures): boolean {
  switch (state) {
    case 'error':
      return false;
    case 'running-p2p':
      return caps.p2p;
    case 'pre-copy':
      return k.vfioPreCopy && caps.preCopy;
    case 'pre-copy-p2p':
      return k.vfioPreCopy && caps.preCopy && caps.p2p;
    default:
      return true;
  }
}

export type PathResult = { path: VfioState[] } | { refused: string };

// vfio_mig_get_next_state(), repeated until cur == new as the drivers do (mlx5vf_pci_set_device_state()).
export function vfioMigPath(cur: VfioState, target: VfioState, caps: MigrationCaps, k: KernelFeatures): PathResult {
  if (!k.vfioPreCopy && (target === 'pre-copy' || target === 'pre-copy-p2p')) {
    return { refused: `${target} does not exist before Linux 6.2 (VFIO_DEVICE_STATE_PRE_COPY is 6.2+)` };
  }
  if (!supported(cur, caps, k)) return { refused: cur === 'error' ? 'the device is in ERROR: only VFIO_DEVICE_RESET leaves it' : `the current state ${cur} is not supported` };
  if (target === 'error') return { refused: 'ERROR can never be requested' };
  if (!supported(target, caps, k)) return { refused: `the device does not support ${target} (its migration flags: ${flagsText(caps)})` };
  const path: VfioState[] = [cur];
  let at = cur;
  while (at !== target) {
    let next = FSM[at][target];
    // Unsupported intermediate states are skipped. The literal loop spins on
    // ERROR (semantics.md §10.3 caveat); irqd stops there with -EINVAL.
    while (next !== 'error' && !supported(next, caps, k)) next = FSM[next][target];
    if (next === 'error') return { refused: `${at} → ${target} is not allowed (the transition table says ERROR)` };
    path.push(next);
    at = next;
  }
  return { path };
}

export function flagsText(caps: MigrationCaps): string {
  return ['STOP_COPY', caps.p2p ? 'P2P' : '', caps.preCopy ? 'PRE_COPY' : ''].filter(Boolean).join('|');
}

/** What an arc returns in data_fd (semantics.md §10.2). */
export function arcDataFd(from: VfioState, to: VfioState): 'saving' | 'resuming' | undefined {
  if ((from === 'stop' && to === 'stop-copy') || (from === 'running' && to === 'pre-copy') || (from === 'running-p2p' && to === 'pre-copy-p2p')) return 'saving';
  if (from === 'stop' && to === 'resuming') return 'resuming';
  return undefined;
}

/** States in which the device may be accessed by MMIO without corrupting the migration. */
export function acceptsMmio(state: VfioState): boolean {
  return state === 'running' || state === 'running-p2p' || state === 'pre-copy' || state === 'pre-copy-p2p';
}

/** States in which the device may initiate DMA at all, and P2P DMA. */
export function mayDma(state: VfioState): boolean {
  return acceptsMmio(state);
}

export function mayP2p(state: VfioState): boolean {
  return state === 'running' || state === 'pre-copy';
}
