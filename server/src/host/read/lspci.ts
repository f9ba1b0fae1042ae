// lspci-vvv-nn.txt: the output of `lspci -vvv -nn` (pciutils' ls-caps.c and
// lspci.c; not a kernel file), stdout and stderr together.
//
//   00:05.0 Ethernet controller [0200]: Intel Corporation 82574L ... [8086:10d3]
//   \tInterrupt: pin A routed to IRQ 21
//   \tRegion 0: Memory at feac0000 (32-bit, non-prefetchable) [size=128K]
//   \tRegion 2: I/O ports at c160 [size=32]
//   \tCapabilities: [d0] MSI: Enable- Count=1/1 Maskable- 64bit+
//   \t\tAddress: 0000000000000000  Data: 0000          (8 hex digits for a 32-bit MSI)
//   \tCapabilities: [a0] MSI-X: Enable+ Count=5 Masked-
//   \t\tVector table: BAR=3 offset=00000000
//   \t\tPBA: BAR=3 offset=00002000
//   \tKernel driver in use: e1000e
// A block ends at a blank line. Everything else (other capabilities, the
// tool's own warnings such as 'lspci: Unable to load libkmod resources')
// is skipped: lspci prints far more than the import needs.
import type { LspciFunction, SnapshotProblem } from '../types.js';
import { Reporter, looksBinary, parseHex, parseHexBig, quote, splitLines } from './report.js';
import { parsePciAddress, pciAddressName } from './sysfs-pci.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Msi = Mutable<NonNullable<LspciFunction['msi']>>;
type Msix = Mutable<NonNullable<LspciFunction['msix']>>;
type Region = LspciFunction['regions'][number];

interface Draft {
  fn: Mutable<Omit<LspciFunction, 'regions'>>;
  regions: Region[];
  msi?: Msi;
  msix?: Msix;
  /** The capability the indented lines below belong to. */
  cap?: 'msi' | 'msix' | 'other';
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** The functions by sysfs address ('0000:00:05.0'), in the order lspci printed them. */
export function readLspci(text: string, file: string, problems: SnapshotProblem[]): ReadonlyMap<string, LspciFunction> | undefined {
  const rep = new Reporter(file, problems);
  if (looksBinary(text)) {
    rep.error(undefined, 'binary data, not lspci output');
    return undefined;
  }
  const out = new Map<string, LspciFunction>();
  let draft: Draft | undefined;
  let address = '';
  const finish = (): void => {
    if (draft === undefined) return;
    const { fn, regions, msi, msix } = draft;
    out.set(address, { ...fn, ...(msi ? { msi } : {}), ...(msix ? { msix } : {}), regions });
    draft = undefined;
  };

  for (const { text: t, line } of splitLines(text, rep)) {
    if (t.trim() === '') {
      finish();
      continue;
    }
    if (!/^\s/.test(t)) {
      const h = /^(\S+)\s+(.*)$/.exec(t);
      const a = h ? parsePciAddress(h[1]) : undefined;
      if (h && a) {
        finish();
        address = pciAddressName(a);
        if (out.has(address)) rep.warn(line, `${address} is printed twice; the last block is kept`);
        draft = { fn: header(h[2].trim(), file, line), regions: [] };
      } else if (!/^lspci: /.test(t)) {
        // lspci's own warnings land inside a block; anything else is noted.
        rep.warn(line, `${quote(t)} is neither a device header nor an indented line; skipped`);
      }
      continue;
    }
    if (draft === undefined) {
      rep.warn(line, `${quote(t)} before any device header; skipped`);
      continue;
    }
    detail(draft, t, file, line, rep);
  }
  finish();
  if (out.size === 0) {
    rep.error(undefined, `no device header ('BB:DD.F Description') found: not lspci output`);
    return undefined;
  }
  return out;
}

function header(description: string, file: string, line: number): Mutable<Omit<LspciFunction, 'regions'>> {
  const fn: Mutable<Omit<LspciFunction, 'regions'>> = { description, origin: { file, line } };
  // -nn: 'Class name [cccc]: Vendor Device [vvvv:dddd]'.
  const cls = /^[^[\]]*\[([0-9a-fA-F]{4})\]:\s/.exec(description);
  if (cls) fn.classCode = parseInt(cls[1], 16);
  const ids = /\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]/.exec(cls ? description.slice(cls[0].length) : description);
  if (ids) {
    fn.vendor = parseInt(ids[1], 16);
    fn.deviceId = parseInt(ids[2], 16);
  }
  return fn;
}

function detail(d: Draft, t: string, file: string, line: number, rep: Reporter): void {
  const depth = /^\t*/.exec(t)?.[0].length ?? 0;
  const s = t.trim();
  let m: RegExpExecArray | null;
  if (depth <= 1) d.cap = undefined;
  if ((m = /^Kernel driver in use:\s*(\S+)$/.exec(s))) {
    d.fn.driver = m[1];
  } else if ((m = /^Interrupt: pin (\S+) routed to IRQ (\d+)$/.exec(s))) {
    const irq = Number(m[2]);
    d.fn.intxPin = m[1];
    if (m[2].length <= 7) d.fn.intxIrq = irq;
    else rep.warn(line, `INTx IRQ ${quote(m[2])} is absurd; left out`);
  } else if ((m = /^Region (\d+): (Memory at|I\/O ports at) (\S+)(.*)$/.exec(s))) {
    const bar = Number(m[1]);
    const addr = parseHexBig(m[3]);
    // '<unassigned>' and '<ignored>' have no address.
    if (addr === undefined || bar > 5) return;
    const size = /\[size=(\d+)([KMGT]?)\]/.exec(m[4]);
    const bytes = size ? Number(size[1]) * SIZE_UNITS[size[2]] : undefined;
    d.regions.push({ bar, io: m[2] !== 'Memory at', address: addr, ...(bytes !== undefined && Number.isSafeInteger(bytes) ? { size: bytes } : {}) });
  } else if ((m = /^Capabilities: \[[0-9a-fA-F]+(?: v\d+)?\] (MSI|MSI-X): (.*)$/.exec(s))) {
    if (m[1] === 'MSI') {
      const c = /^Enable([+-]) Count=(\d+)\/(\d+) Maskable([+-]) 64bit([+-])/.exec(m[2]);
      if (!c) {
        rep.warn(line, `MSI capability ${quote(m[2])} not in the 'Enable± Count=a/b Maskable± 64bit±' form; skipped`);
        d.cap = 'other';
        return;
      }
      d.msi = { enabled: c[1] === '+', count: Number(c[2]), maxCount: Number(c[3]), maskable: c[4] === '+', is64: c[5] === '+', origin: { file, line } };
      d.cap = 'msi';
    } else {
      const c = /^Enable([+-]) Count=(\d+) Masked([+-])/.exec(m[2]);
      if (!c) {
        rep.warn(line, `MSI-X capability ${quote(m[2])} not in the 'Enable± Count=n Masked±' form; skipped`);
        d.cap = 'other';
        return;
      }
      d.msix = { enabled: c[1] === '+', count: Number(c[2]), masked: c[3] === '+', origin: { file, line } };
      d.cap = 'msix';
    }
  } else if (/^Capabilities:/.test(s)) {
    d.cap = 'other';
  } else if (d.cap === 'msi' && d.msi && (m = /^Address: ([0-9a-fA-F]+)\s+Data: ([0-9a-fA-F]+)$/.exec(s))) {
    const address = parseHexBig(m[1]);
    const data = parseHex(m[2]);
    if (address !== undefined) d.msi.address = address;
    if (data !== undefined) d.msi.data = data;
  } else if (d.cap === 'msix' && d.msix && (m = /^(Vector table|PBA): BAR=(\d) offset=([0-9a-fA-F]{1,8})$/.exec(s))) {
    const bar = Number(m[2]);
    const offset = parseInt(m[3], 16);
    if (m[1] === 'PBA') {
      d.msix.pbaBar = bar;
      d.msix.pbaOffset = offset;
    } else {
      d.msix.tableBar = bar;
      d.msix.tableOffset = offset;
    }
  }
}
