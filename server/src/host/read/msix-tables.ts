// msix-tables.txt: not a kernel file. The lab's /init read each device's
// MSI-X table from its BAR through /dev/mem and printed
//   MSIX 00:02.0 base=0xfeb59000 off=0x00000000 count=5
//   MSIX 00:02.0 entry 0: addr_lo=0xFEE002B8 addr_hi=0x00000000 data=0x00000000 ctrl=0x00000000
//   MSIX 01:00.0 (only first 16 entries read)
// The entry words are the table's raw dwords (PCI spec: Message Address,
// Message Upper Address, Message Data, Vector Control).
import type { MsixTableRecord, SnapshotProblem } from '../types.js';
import { Reporter, looksBinary, parseDecimal, parseHex, parseHexBig, quote, splitLines } from './report.js';
import { parsePciAddress, pciAddressName } from './sysfs-pci.js';

/** An MSI-X table has at most 2048 entries (Table Size is 11 bits). */
const MAX_ENTRIES = 2048;

type Entry = MsixTableRecord['entries'] extends ReadonlyMap<number, infer E> ? E : never;

interface Draft {
  address: string;
  base?: bigint;
  offset?: number;
  count?: number;
  readonly entries: Map<number, Entry>;
  readonly line: number;
}

/** The tables by sysfs address ('0000:00:02.0'). */
export function readMsixTables(text: string, file: string, problems: SnapshotProblem[]): ReadonlyMap<string, MsixTableRecord> | undefined {
  const rep = new Reporter(file, problems);
  if (looksBinary(text)) {
    rep.error(undefined, 'binary data, not an MSI-X table listing');
    return undefined;
  }
  const drafts = new Map<string, Draft>();
  let recognised = 0;
  const draftFor = (address: string, line: number): Draft => {
    let d = drafts.get(address);
    if (d === undefined) {
      d = { address, entries: new Map(), line };
      drafts.set(address, d);
    }
    return d;
  };

  for (const { text: t, line } of splitLines(text, rep)) {
    if (t.trim() === '') continue;
    const head = /^MSIX\s+(\S+)\s+(.*)$/.exec(t.trim());
    const a = head ? parsePciAddress(head[1]) : undefined;
    if (!head || !a) {
      rep.warn(line, `${quote(t)} is not an 'MSIX BB:DD.F ...' line; skipped`);
      continue;
    }
    const address = pciAddressName(a);
    const rest = head[2];
    let m: RegExpExecArray | null;
    if ((m = /^base=(0x[0-9a-fA-F]+) off=(0x[0-9a-fA-F]+) count=(\d+)$/.exec(rest))) {
      const d = draftFor(address, line);
      const base = parseHexBig(m[1]);
      const offset = parseHex(m[2]);
      const count = parseDecimal(m[3]);
      if (base !== undefined) d.base = base;
      if (offset !== undefined && offset <= 0xffffffff) d.offset = offset;
      if (count !== undefined && count <= MAX_ENTRIES) d.count = count;
      else rep.warn(line, `count ${quote(m[3])} is beyond ${MAX_ENTRIES} entries; left out`);
      recognised++;
    } else if ((m = /^entry (\d+): addr_lo=(0x[0-9a-fA-F]{1,8}) addr_hi=(0x[0-9a-fA-F]{1,8}) data=(0x[0-9a-fA-F]{1,8}) ctrl=(0x[0-9a-fA-F]{1,8})$/.exec(rest))) {
      const index = parseDecimal(m[1]);
      if (index === undefined || index >= MAX_ENTRIES) {
        rep.warn(line, `entry ${quote(m[1])} is beyond ${MAX_ENTRIES} entries; skipped`);
        continue;
      }
      const d = draftFor(address, line);
      if (d.entries.has(index)) {
        rep.warn(line, `${address} entry ${index} appears twice; the first is kept`);
        continue;
      }
      const [addressLo, addressHi, data, ctrl] = [m[2], m[3], m[4], m[5]].map((s) => parseInt(s, 16));
      d.entries.set(index, { addressLo, addressHi, data, ctrl, origin: { file, line } });
      recognised++;
    } else if (/^\(.*\)$/.test(rest)) {
      // A note such as '(only first 16 entries read)'.
      draftFor(address, line);
      recognised++;
    } else {
      rep.warn(line, `${quote(t)} is neither a table line nor an entry line; skipped`);
    }
  }
  if (recognised === 0 && text.trim() !== '') {
    rep.error(undefined, 'no MSIX line in the file');
    return undefined;
  }
  const out = new Map<string, MsixTableRecord>();
  for (const d of drafts.values()) {
    out.set(d.address, {
      address: d.address,
      ...(d.base !== undefined ? { base: d.base } : {}),
      ...(d.offset !== undefined ? { offset: d.offset } : {}),
      ...(d.count !== undefined ? { count: d.count } : {}),
      entries: d.entries,
      origin: { file, line: d.line },
    });
  }
  return out;
}
