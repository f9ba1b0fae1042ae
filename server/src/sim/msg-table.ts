// The messages a device holds, by entry: its MSI-X (or IMS) table's address
// and data words, or the one message of its MSI capability. Kept as words in
// one typed array, as the device's table is, not as an object per entry: a
// 65,536-IRQ machine holds 65,536 messages, and a fork that moves one IRQ of
// a device copies the device's messages (state.ts cloneDevice()), which is a
// copy of a few KiB instead of a Map of hundreds of objects.
import { SealedWrite } from './cow.js';
import type { Msg } from './state.js';

/** Words per entry: a flag (WORDS_HELD or IN_ODD), address low, address high, data. */
const WORDS = 4;
/**
 * Entries held as words: MSI-X has 2,048, an IMS table up to 65,536. Any
 * other entry (a declared state may name entry 94,967,295 of a device) is
 * kept as it is, in `odd`: the table never grows past 1 MiB.
 */
const DENSE_ENTRIES = 1 << 16;
/** The flag word: the entry's message is the three words that follow. */
const WORDS_HELD = 1;
/** The flag word: the message has a value that is not a 32-bit word (a declared address past 2^64): kept as it is, in `odd`. */
const IN_ODD = 2;

const isDense = (entry: number): boolean => entry >= 0 && entry < DENSE_ENTRIES && entry === Math.floor(entry);

const isWord = (n: number): boolean => n >>> 0 === n;

export class MsgTable implements Iterable<[number, Msg]> {
  private words: Uint32Array;
  private count = 0;
  private sealed = false;
  private odd: Map<number, Msg> | undefined;

  constructor(from?: MsgTable) {
    this.words = from ? from.words.slice() : new Uint32Array(0);
    this.count = from?.count ?? 0;
    if (from?.odd) this.odd = new Map(from.odd);
  }

  get size(): number {
    return this.count;
  }

  /** The message of an entry as a new object, or undefined when the entry was never written. */
  get(entry: number): Msg | undefined {
    if (!isDense(entry)) return this.odd?.get(entry);
    const at = entry * WORDS;
    if (at >= this.words.length || this.words[at] === 0) return undefined;
    if (this.words[at] === IN_ODD) return this.odd?.get(entry);
    return { addressLo: this.words[at + 1] as number, addressHi: this.words[at + 2] as number, data: this.words[at + 3] as number };
  }

  has(entry: number): boolean {
    return this.get(entry) !== undefined;
  }

  /** pci_msi_domain_write_msg() / __pci_write_msi_msg(): the entry's words. */
  set(entry: number, msg: Msg): void {
    if (this.sealed) throw new SealedWrite('device message table');
    if (!isDense(entry)) {
      if (!this.odd?.has(entry)) this.count++;
      (this.odd ??= new Map()).set(entry, msg);
      return;
    }
    const at = entry * WORDS;
    if (at >= this.words.length) this.grow(entry + 1);
    if (this.words[at] === 0) this.count++;
    if (!isWord(msg.addressLo) || !isWord(msg.addressHi) || !isWord(msg.data)) {
      this.words[at] = IN_ODD;
      (this.odd ??= new Map()).set(entry, msg);
      return;
    }
    this.odd?.delete(entry);
    this.words[at] = WORDS_HELD;
    this.words[at + 1] = msg.addressLo;
    this.words[at + 2] = msg.addressHi;
    this.words[at + 3] = msg.data;
  }

  /** A copy that shares nothing (a fork's first write to the device). */
  copy(): MsgTable {
    return new MsgTable(this);
  }

  /** Test mode (cow.ts setDeepFreeze()): a shared table refuses writes. */
  seal(): void {
    this.sealed = true;
  }

  /** The written entries: the dense ones ascending, then the others in the order they were first written. */
  *entries(): IterableIterator<[number, Msg]> {
    for (let e = 0; e * WORDS < this.words.length; e++) if (this.words[e * WORDS] !== 0) yield [e, this.get(e) as Msg];
    for (const [e, msg] of this.odd ?? []) if (!isDense(e)) yield [e, msg];
  }

  [Symbol.iterator](): IterableIterator<[number, Msg]> {
    return this.entries();
  }

  private grow(entries: number): void {
    // Doubling: a device's entries are written in ascending order, one allocation at a time.
    const next = new Uint32Array(Math.max(entries, 2 * (this.words.length / WORDS), 8) * WORDS);
    next.set(this.words);
    this.words = next;
  }
}

/** A table holding one message (an IO-APIC redirection entry, kept as a device of its own). */
export function messagesOf(entry: number, msg: Msg): MsgTable {
  const t = new MsgTable();
  t.set(entry, msg);
  return t;
}
