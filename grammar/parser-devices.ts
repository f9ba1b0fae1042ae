// The devices of the irqd grammar (language.md "Devices"): `device NAME pci
// ADDRESS | vf of PF index N | platform [{ ITEMS }]` and every device item.
// parser-topology.ts adds the systems around them.
import type { IOrAlt, IToken, OrMethodOpts } from 'chevrotain';
import type * as A from './ast.js';
import { BarOffset, Block, ident, number, pciAddr, repeats, tokenSpan } from './nodes.js';
import { ListParser } from './parser-lists.js';
import * as T from './tokens.js';

const K = T.keywords;

const DEVICE_ITEM =
  'a device item (msi, msix, ims, ioapic pin, bar, msix-table, msix-pba, register, pasid, sriov, migration, node or driver)';

/** A device while it is parsed: its block of items and what its header said. */
class DeviceFrame extends Block<A.DeviceItem> {
  bus: IToken | undefined = undefined;
  address: IToken | undefined = undefined;
  pf: IToken | undefined = undefined;
  vfIndex: IToken | undefined = undefined;
}

/** `ioapic pin P …`: the first of each option, and the options written again. */
class PinFrame {
  domainKeyword: IToken[] = [];
  domain: IToken | undefined = undefined;
  irqKeyword: IToken[] = [];
  irq: IToken | undefined = undefined;
  trigger: IToken[] = [];
}

export class DeviceParser extends ListParser {
  private device = new DeviceFrame('');
  private pin = new PinFrame();
  private capOptions: A.CapOption[] = [];
  /** The bare words a MANY collects (`apic` and `migration` flags, `backport` names). */
  protected words: IToken[] = [];

  /** A keyword's span, or the item's when recovery inserted the keyword. */
  protected keywordOr(t: IToken | undefined, span: A.Span): A.Span {
    return t ? tokenSpan(t) : span;
  }

  protected word = (): void => {
    const t = this.take(this.CONSUME(T.Identifier));
    if (t) this.words.push(t);
  };

  protected deviceDecl = this.RULE('deviceDecl', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    const f = new DeviceFrame(DEVICE_ITEM);
    const saved = this.device;
    this.device = f;
    let keyword: IToken | undefined;
    let name: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.device));
      name = this.take(this.CONSUME(T.Name));
      this.OR(this.deviceBus);
      this.OPTION(this.deviceBody);
    } finally {
      this.device = saved;
      const span = this.spanFrom(mark);
      f.span = this.blockSpan(f);
      this.endStrays(f);
      if (span) {
        const bus = f.bus?.image;
        out.push({
          kind: 'device',
          span,
          keyword: this.keywordOr(keyword, span),
          name: ident(name),
          bus: bus === 'pci' || bus === 'vf' || bus === 'platform' ? bus : undefined,
          address: pciAddr(f.address),
          pf: ident(f.pf),
          vfIndex: number(f.vfIndex),
          body: f.span,
          items: f.items,
        });
      }
    }
  });

  private deviceBus: IOrAlt<void>[] = [
    {
      ALT: () => {
        this.device.bus = this.take(this.CONSUME(K.pci));
        this.device.address = this.take(this.CONSUME(T.PciAddress));
      },
    },
    {
      ALT: () => {
        this.device.bus = this.take(this.CONSUME(K.vf));
        this.take(this.CONSUME(K.of));
        this.device.pf = this.take(this.CONSUME2(T.Name));
        this.take(this.CONSUME(K.index));
        this.device.vfIndex = this.take(this.CONSUME(T.Value));
      },
    },
    // A kernel-owned interrupt source that is no PCI function (ISA, ACPI, the IOMMU's fault interrupt).
    { ALT: () => void (this.device.bus = this.take(this.CONSUME(K.platform))) },
  ];

  private deviceBody = (): void => {
    this.device.open = this.take(this.CONSUME(T.LCurly));
    this.MANY(this.deviceItem);
    this.device.close = this.take(this.CONSUME(T.RCurly));
  };

  private deviceItem = (): void => this.OR2(this.deviceItems);

  /** The next rule delivers into the device's items. */
  private item(rule: () => void): () => void {
    return () => {
      this.next = this.device.items;
      rule.call(this);
    };
  }

  private deviceItems: OrMethodOpts<void> = {
    IGNORE_AMBIGUITIES: true,
    MAX_LOOKAHEAD: 1,
    DEF: [
      { ALT: this.item(() => this.SUBRULE(this.capItem)) },
      { ALT: this.item(() => this.SUBRULE(this.ioapicPinItem)) },
      { ALT: this.item(() => this.SUBRULE(this.barItem)) },
      { ALT: this.item(() => this.SUBRULE(this.msixPlacementItem)) },
      { ALT: this.item(() => this.SUBRULE(this.registerItem)) },
      { ALT: this.item(() => this.SUBRULE(this.pasidCapItem)) },
      { ALT: this.item(() => this.SUBRULE(this.sriovItem)) },
      { ALT: this.item(() => this.SUBRULE(this.migrationItem)) },
      { ALT: this.item(() => this.SUBRULE(this.deviceNodeItem)) },
      { ALT: this.item(() => this.SUBRULE(this.driverItem)) },
      {
        ALT: () => {
          this.next = this.device;
          this.SUBRULE(this.stray);
        },
      },
    ],
  };

  private capItem = this.RULE('capItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    const options: A.CapOption[] = [];
    let keyword: IToken | undefined;
    let count: IToken | undefined;
    let domain: IToken | undefined;
    try {
      keyword = this.take(this.OR(this.capKinds));
      count = this.take(this.CONSUME(T.Value));
      this.take(this.CONSUME(K.domain));
      domain = this.take(this.CONSUME(T.Name));
      this.capOptions = options;
      this.MANY(this.capOptionItem);
    } finally {
      const span = this.spanFrom(mark);
      const cap = keyword?.image;
      if (span && (cap === 'msi' || cap === 'msix' || cap === 'ims')) {
        out.push({ kind: 'cap', span, keyword: this.keywordOr(keyword, span), cap, count: number(count), domain: ident(domain), options });
      }
    }
  });

  private capKinds: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(K.msix) },
    { ALT: () => this.CONSUME(K.msi) },
    { ALT: () => this.CONSUME(K.ims) },
  ];

  private capOptionItem = (): void => {
    this.next = this.capOptions;
    this.SUBRULE(this.capOption);
  };

  private capOption = this.RULE('capOption', () => {
    const out = this.receive<A.CapOption[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let value: IToken | undefined;
    try {
      keyword = this.take(this.OR(this.capOptionKeys));
      value = this.take(this.CONSUME(T.Name));
    } finally {
      const span = this.spanFrom(mark);
      const key = keyword?.image;
      if (keyword && span && (key === 'maskable' || key === 'storage')) {
        out.push({ key, keyword: tokenSpan(keyword), value: ident(value), span });
      }
    }
  });

  private capOptionKeys: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME(K.maskable) }, { ALT: () => this.CONSUME(K.storage) }];

  private ioapicPinItem = this.RULE('ioapicPinItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    const f = (this.pin = new PinFrame());
    let keyword: IToken | undefined;
    let pin: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.ioapic));
      this.take(this.CONSUME(K.pin));
      pin = this.take(this.CONSUME(T.Value));
      this.MANY(this.pinOption);
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        const repeated: A.Span[] = [];
        repeats(repeated, f.domainKeyword);
        repeats(repeated, f.irqKeyword);
        repeats(repeated, f.trigger);
        out.push({
          kind: 'ioapic-pin',
          span,
          keyword: this.keywordOr(keyword, span),
          pin: number(pin),
          domain: ident(f.domain),
          irq: number(f.irq),
          trigger: ident(f.trigger[0]),
          repeated,
        });
      }
    }
  });

  private pinOption = (): void => this.OR(this.pinOptions);

  private pinOptions: IOrAlt<void>[] = [
    {
      ALT: () => {
        const kw = this.take(this.CONSUME(K.domain));
        if (kw) this.pin.domainKeyword.push(kw);
        const domain = this.take(this.CONSUME(T.Name));
        this.pin.domain ??= domain;
      },
    },
    {
      // `irq 0`: an ISA IRQ whose GSI differs (the ACPI interrupt source override of the timer).
      ALT: () => {
        const kw = this.take(this.CONSUME(K.irq));
        if (kw) this.pin.irqKeyword.push(kw);
        const irq = this.take(this.CONSUME2(T.Value));
        this.pin.irq ??= irq;
      },
    },
    { ALT: () => this.trigger(this.CONSUME(K.edge)) },
    { ALT: () => this.trigger(this.CONSUME(K.level)) },
  ];

  private trigger(t: IToken): void {
    if (this.take(t)) this.pin.trigger.push(t);
  }

  private barItem = this.RULE('barItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let index: IToken | undefined;
    let size: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.bar));
      index = this.take(this.CONSUME(T.Value));
      this.take(this.CONSUME(K.size));
      size = this.take(this.CONSUME2(T.Value));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'bar', span, keyword: this.keywordOr(keyword, span), index: number(index), size: number(size) });
    }
  });

  private msixPlacementItem = this.RULE('msixPlacementItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let at: BarOffset | undefined;
    try {
      keyword = this.take(this.OR(this.placements));
      this.next = at = new BarOffset();
      this.SUBRULE(this.barOffset);
    } finally {
      const span = this.spanFrom(mark);
      const kind = keyword?.image;
      if (span && (kind === 'msix-table' || kind === 'msix-pba')) {
        out.push({ kind, span, keyword: this.keywordOr(keyword, span), bar: number(at?.bar), offset: number(at?.offset) });
      }
    }
  });

  private placements: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME(K['msix-table']) }, { ALT: () => this.CONSUME(K['msix-pba']) }];

  /** `bar B offset X`, shared by placements, registers and `mmio`. */
  protected barOffset = this.RULE('barOffset', () => {
    const f = this.receive(BarOffset);
    this.take(this.CONSUME(K.bar));
    f.bar = this.take(this.CONSUME(T.Value));
    this.take(this.CONSUME(K.offset));
    f.offset = this.take(this.CONSUME2(T.Value));
  });

  private registerItem = this.RULE('registerItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let name: IToken | undefined;
    let at: BarOffset | undefined;
    let size: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.register));
      name = this.take(this.CONSUME(T.Name));
      this.next = at = new BarOffset();
      this.SUBRULE(this.barOffset);
      size = this.OPTION(this.registerSize);
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        out.push({
          kind: 'register',
          span,
          keyword: this.keywordOr(keyword, span),
          name: ident(name),
          bar: number(at?.bar),
          offset: number(at?.offset),
          size: number(size),
        });
      }
    }
  });

  private registerSize = (): IToken | undefined => {
    this.take(this.CONSUME(K.size));
    return this.take(this.CONSUME(T.Value));
  };

  private pasidCapItem = this.RULE('pasidCapItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.pasid));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'pasid-cap', span, keyword: this.keywordOr(keyword, span) });
    }
  });

  private sriovItem = this.RULE('sriovItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let count: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.sriov));
      count = this.take(this.CONSUME(T.Value));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'sriov', span, keyword: this.keywordOr(keyword, span), count: number(count) });
    }
  });

  private migrationItem = this.RULE('migrationItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    const flags: IToken[] = (this.words = []);
    let keyword: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.migration));
      this.MANY(this.word);
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'migration', span, keyword: this.keywordOr(keyword, span), flags: flags.map((t) => ident(t) as A.Ident) });
    }
  });

  private deviceNodeItem = this.RULE('deviceNodeItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let id: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.node));
      id = this.take(this.CONSUME(T.Value));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'device-node', span, keyword: this.keywordOr(keyword, span), id: number(id) });
    }
  });

  /** `driver nvme`: the kernel driver bound to the device. */
  private driverItem = this.RULE('driverItem', () => {
    const out = this.receive<A.DeviceItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let name: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.driver));
      name = this.take(this.CONSUME(T.Name));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'driver', span, keyword: this.keywordOr(keyword, span), name: ident(name) });
    }
  });
}

