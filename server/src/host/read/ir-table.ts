// sys/kernel/debug/iommu/intel/ir_translation_struct:
// ir_translation_struct_show(), drivers/iommu/intel/debugfs.c.
//
//   Remapped Interrupt supported on IOMMU: dmar0     once per IR-capable IOMMU
//    IR table address:1a00000                        or 'Interrupt Remapping is not enabled'
//    Entry SrcID   DstID    Vct IRTE_high\t\tIRTE_low
//    16    00:10.0 00000400 21  0000000000040080\t000004000021000d
//                                                    ir_tbl_remap_entry_show(): ' %-5d %02x:%02x.%01x %08x %02x  %016llx\t%016llx'
//   ****                                             then the posted section:
//   Posted Interrupt supported on IOMMU: dmar0
//    IR table address:1a00000
//    Entry SrcID   PDA_high PDA_low  Vct IRTE_high\t\tIRTE_low
//                                                    ir_tbl_posted_entry_show(): PDA_high/PDA_low (%08x) before Vct
// Entry is decimal; every other column is hex.
import type { IrteRecord, IrteTableRecord, SnapshotProblem } from '../types.js';
import { Reporter, looksBinary, parseHexBig, quote, splitLines } from './report.js';

/** INTR_REMAP_TABLE_ENTRIES: the VT-d IRTE table has 65536 entries. */
const MAX_ENTRY = 65535;

interface TableDraft {
  readonly iommu: string;
  readonly line: number;
  tableAddress?: bigint;
  readonly entries: Map<number, IrteRecord>;
}

const REMAPPED_ROW = /^\s*(\d+)\s+([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])\s+([0-9a-fA-F]{1,8})\s+([0-9a-fA-F]{1,2})\s+([0-9a-fA-F]{1,16})\s+([0-9a-fA-F]{1,16})\s*$/;
const POSTED_ROW = /^\s*(\d+)\s+([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])\s+([0-9a-fA-F]{1,8})\s+([0-9a-fA-F]{1,8})\s+([0-9a-fA-F]{1,2})\s+([0-9a-fA-F]{1,16})\s+([0-9a-fA-F]{1,16})\s*$/;

/** One table per IOMMU, in the order the file names them; posted rows join their IOMMU's table. */
export function readIrTranslationStruct(text: string, file: string, problems: SnapshotProblem[]): readonly IrteTableRecord[] | undefined {
  const rep = new Reporter(file, problems);
  if (looksBinary(text)) {
    rep.error(undefined, 'binary data, not an ir_translation_struct_show() file');
    return undefined;
  }
  const tables = new Map<string, TableDraft>();
  let current: TableDraft | undefined;
  let section: 'remapped' | 'posted' = 'remapped';
  let recognised = false;

  for (const { text: t, line } of splitLines(text, rep)) {
    if (t.trim() === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^(Remapped|Posted) Interrupt supported on IOMMU:\s*(\S+)\s*$/.exec(t))) {
      recognised = true;
      section = m[1] === 'Remapped' ? 'remapped' : 'posted';
      const iommu = m[2];
      current = tables.get(iommu);
      if (current === undefined) {
        current = { iommu, line, entries: new Map() };
        tables.set(iommu, current);
      }
    } else if (t.trim() === '****') {
      recognised = true;
      section = 'posted';
      current = undefined;
    } else if ((m = /^\s*IR table address:\s*(?:0x)?([0-9a-fA-F]+)\s*$/.exec(t))) {
      if (current === undefined) rep.warn(line, `'IR table address' outside an IOMMU section; ignored`);
      else {
        const a = parseHexBig(m[1]);
        if (a === undefined) rep.warn(line, `table address ${quote(m[1])} is beyond 64 bits; left out`);
        else current.tableAddress = a;
      }
    } else if (/^\s*Interrupt Remapping is not enabled\s*$/.test(t)) {
      // The IOMMU has no IRTE table: its record stays without entries.
    } else if (/^\s*Entry\s+SrcID\s+/.test(t)) {
      const posted = /PDA_high/.test(t);
      if (posted !== (section === 'posted')) rep.warn(line, `a ${posted ? 'posted' : 'remapped'} table header in the ${section} section`);
    } else if ((m = (section === 'posted' ? POSTED_ROW : REMAPPED_ROW).exec(t))) {
      if (current === undefined) {
        rep.warn(line, `an IRTE row outside an IOMMU section; skipped`);
        continue;
      }
      const row = irteRow(m, section === 'posted', file, line, rep);
      if (!row) continue;
      if (current.entries.has(row.index)) rep.warn(line, `entry ${row.index} of ${current.iommu} appears twice; the first is kept`);
      else current.entries.set(row.index, row);
    } else {
      rep.warn(line, `${quote(t)} is not a line of ir_translation_struct_show(); skipped`);
    }
  }
  if (!recognised) {
    rep.error(undefined, `no 'Remapped Interrupt supported on IOMMU' section and no '****' separator: not an ir_translation_struct file`);
    return undefined;
  }
  return [...tables.values()].map((d) => ({
    iommu: d.iommu,
    ...(d.tableAddress !== undefined ? { tableAddress: d.tableAddress } : {}),
    entries: d.entries,
    origin: { file, line: d.line },
  }));
}

function irteRow(m: RegExpExecArray, posted: boolean, file: string, line: number, rep: Reporter): IrteRecord | undefined {
  const index = Number(m[1]);
  if (m[1].length > 6 || index > MAX_ENTRY) {
    rep.warn(line, `entry ${quote(m[1])} is beyond the ${MAX_ENTRY + 1}-entry IRTE table; skipped`);
    return undefined;
  }
  const device = parseInt(m[3], 16);
  if (device > 0x1f) {
    rep.warn(line, `source ID ${m[2]}:${m[3]}.${m[4]} has a device number above 1f; skipped`);
    return undefined;
  }
  const sid = (parseInt(m[2], 16) << 8) | (device << 3) | Number(m[4]);
  // A posted IRTE has no destination ID: its columns 5 and 6 are the posted
  // descriptor address, and the notification goes where that descriptor says.
  const destId = posted ? 0 : parseInt(m[5], 16);
  const vector = parseInt(posted ? m[7] : m[6], 16);
  const high = parseHexBig(posted ? m[8] : m[7]);
  const low = parseHexBig(posted ? m[9] : m[8]);
  if (high === undefined || low === undefined) return undefined;
  return { index, sid, destId, vector, high, low, posted, origin: { file, line } };
}
