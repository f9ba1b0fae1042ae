// The programmed entries of an IRTE table, held the way the hardware holds
// them: a few words per entry in one table, not an object per entry. A
// 65,536-IRQ boot programs every entry twice (the reservation-mode
// placeholder, then the real vector at request_irq()); as objects those were
// 130,000 allocations kept alive through the garbage collector's young
// generation, a tenth of the simulation's time.
//
// Like every container of a state (cow.ts), a fork shares the base's pages
// and copies a page on its first write to it.
import { SealedWrite } from './cow.js';
import type { Irte } from './state.js';

const PAGE_BITS = 8;
const PAGE_ENTRIES = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_ENTRIES - 1;
/** Words per entry: flags, vector, destination APIC ID, source ID. */
const WORDS = 4;

// The flags word.
const STORED = 1;
const PRESENT = 2;
const LOGICAL = 4;
const POSTED = 8;

type Posted = NonNullable<Irte['posted']>;

export class IrteEntries implements Iterable<[number, Irte]> {
  private readonly token = {};
  private sealed = false;
  /** A page that was never written holds no entry and is not there. */
  private readonly pages: (Uint32Array | undefined)[];
  private readonly owners: (object | undefined)[];
  /** Where a posted entry posts to (a guest's vCPU and vector): few, copied whole at a fork. */
  private readonly posted: Map<number, Posted>;
  private count: number;

  constructor(
    /** The table's size: entries 0..length-1. */
    readonly length: number,
    from?: IrteEntries,
  ) {
    const n = Math.ceil(length / PAGE_ENTRIES);
    this.pages = from ? from.pages.slice() : new Array<Uint32Array | undefined>(n).fill(undefined);
    this.owners = from ? from.owners.slice() : new Array<object | undefined>(n).fill(undefined);
    this.posted = new Map(from?.posted);
    this.count = from?.count ?? 0;
  }

  get size(): number {
    return this.count;
  }

  /** The entry at index as a new object (changing it changes nothing here), or undefined if none was programmed. */
  get(index: number): Irte | undefined {
    const page = this.pageOf(index);
    if (!page) return undefined;
    const at = (index & PAGE_MASK) * WORDS;
    const flags = page[at] as number;
    if (!(flags & STORED)) return undefined;
    const irte: Irte = { present: (flags & PRESENT) !== 0, vector: page[at + 1] as number, destId: page[at + 2] as number, logical: (flags & LOGICAL) !== 0, sid: page[at + 3] as number };
    if (flags & POSTED) {
      const p = this.posted.get(index);
      if (p) irte.posted = p;
    }
    return irte;
  }

  has(index: number): boolean {
    const page = this.pageOf(index);
    return page !== undefined && ((page[(index & PAGE_MASK) * WORDS] as number) & STORED) !== 0;
  }

  /** Stores an entry (a copy of one read with get(), or a cleared one). */
  set(index: number, irte: Irte): void {
    this.program(index, irte.present, irte.vector, irte.destId, irte.logical, irte.sid, irte.posted);
  }

  /** Programs the entry at index (modify_irte()): its words, replacing what was there. */
  program(index: number, present: boolean, vector: number, destId: number, logical: boolean, sid: number, posted?: Posted): void {
    const page = this.writablePage(index);
    const at = (index & PAGE_MASK) * WORDS;
    if (!((page[at] as number) & STORED)) this.count++;
    page[at] = STORED | (present ? PRESENT : 0) | (logical ? LOGICAL : 0) | (posted ? POSTED : 0);
    page[at + 1] = vector;
    page[at + 2] = destId;
    page[at + 3] = sid;
    if (posted) this.posted.set(index, posted);
    else if (this.posted.size > 0) this.posted.delete(index);
  }

  /** Forgets the entry at index (free_irte()). */
  delete(index: number): boolean {
    if (!this.has(index)) return false;
    const page = this.writablePage(index);
    page.fill(0, (index & PAGE_MASK) * WORDS, ((index & PAGE_MASK) + 1) * WORDS);
    this.posted.delete(index);
    this.count--;
    return true;
  }

  /** Seals this table and returns a fork that shares its pages until it writes them. */
  fork(): IrteEntries {
    this.sealed = true;
    return new IrteEntries(this.length, this);
  }

  /** A copy that shares no page (cloneState()). */
  copy(): IrteEntries {
    const c = new IrteEntries(this.length, this);
    for (let p = 0; p < c.pages.length; p++) if (c.pages[p]) c.ownPage(p);
    return c;
  }

  seal(): void {
    this.sealed = true;
  }

  /** How many pages this table holds of its own (created or copied), for stateWeight(). */
  ownedPages(): number {
    let n = 0;
    for (const o of this.owners) if (o === this.token) n++;
    return n;
  }

  /** The programmed entries by ascending index. */
  *entries(): IterableIterator<[number, Irte]> {
    for (let p = 0; p < this.pages.length; p++) {
      const page = this.pages[p];
      if (!page) continue;
      for (let i = 0; i < PAGE_ENTRIES; i++) {
        if (!((page[i * WORDS] as number) & STORED)) continue;
        const index = (p << PAGE_BITS) + i;
        yield [index, this.get(index) as Irte];
      }
    }
  }

  *keys(): IterableIterator<number> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<Irte> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[number, Irte]> {
    return this.entries();
  }

  private pageOf(index: number): Uint32Array | undefined {
    if (!(index >= 0 && index < this.length)) return undefined;
    return this.pages[index >>> PAGE_BITS];
  }

  private writablePage(index: number): Uint32Array {
    // An index outside the table is a simulator bug (alloc_irte() only hands out entries of the table).
    if (!(index >= 0 && index < this.length && index === Math.floor(index))) throw new RangeError(`IRTE ${index} is outside a table of ${this.length} entries`);
    return this.ownPage(index >>> PAGE_BITS);
  }

  private ownPage(p: number): Uint32Array {
    if (this.sealed) throw new SealedWrite('IRTE table');
    if (this.owners[p] === this.token) return this.pages[p] as Uint32Array;
    const copy = this.pages[p]?.slice() ?? new Uint32Array(PAGE_ENTRIES * WORDS);
    this.pages[p] = copy;
    this.owners[p] = this.token;
    return copy;
  }
}
