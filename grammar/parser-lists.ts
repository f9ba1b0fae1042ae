// Selections and CPU lists (language.md "CPU lists" and "Vector
// selections"): shared by the machine state, the topology (`node N cpus`)
// and the steps.
import type { IOrAlt, IToken, OrMethodOpts } from 'chevrotain';
import type * as A from './ast.js';
import { cpuRangeNode, ident, number, Slot } from './nodes.js';
import { ParserBase } from './parser-base.js';
import * as T from './tokens.js';

const K = T.keywords;

/** `nvme0[0-3]`, `nvme0`, `nvme0[*]` or `irq 43` while it is parsed. */
class SelectionFrame {
  irqKeyword: IToken | undefined = undefined;
  irq: IToken | undefined = undefined;
  device: IToken | undefined = undefined;
  star: IToken | undefined = undefined;
  indices: Slot<A.CpuList> | undefined = undefined;
}

export class ListParser extends ParserBase {
  private selectionF = new SelectionFrame();
  private ranges: A.CpuRange[] = [];

  protected selection = this.RULE('selection', () => {
    const slot = this.receive<Slot<A.Selection>>(Slot);
    const mark = this.recCount;
    const f = (this.selectionF = new SelectionFrame());
    try {
      this.OR(this.selections);
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        const irq = number(f.irq);
        if (f.irqKeyword) slot.node = irq ? { irq, span, star: false } : undefined;
        else if (f.device) slot.node = { device: ident(f.device), span, star: f.star !== undefined, indices: f.indices?.node };
      }
    }
  });

  private selections: OrMethodOpts<void> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        // `irq 43`: a Linux IRQ by number, as /proc/irq/43 names it.
        GATE: () => this.LA(2).tokenType === T.Int || this.LA(2).tokenType === T.Hex,
        ALT: () => {
          this.selectionF.irqKeyword = this.take(this.CONSUME(K.irq));
          this.selectionF.irq = this.take(this.CONSUME(T.Value));
        },
      },
      {
        ALT: () => {
          this.selectionF.device = this.take(this.CONSUME(T.Name));
          this.OPTION(this.indices);
        },
      },
    ],
  };

  private indices = (): void => {
    this.take(this.CONSUME(T.LBracket));
    this.OR2(this.indexKinds);
    this.take(this.CONSUME(T.RBracket));
  };

  private indexKinds: IOrAlt<void>[] = [
    { ALT: () => void (this.selectionF.star = this.take(this.CONSUME(T.Star))) },
    {
      ALT: () => {
        this.next = this.selectionF.indices = new Slot<A.CpuList>();
        this.SUBRULE(this.cpuList);
      },
    },
  ];

  protected cpuList = this.RULE('cpuList', () => {
    const slot = this.receive<Slot<A.CpuList>>(Slot);
    const mark = this.recCount;
    const ranges: A.CpuRange[] = (this.ranges = []);
    try {
      this.next = ranges;
      this.SUBRULE(this.cpuRange);
      this.MANY(this.moreRanges);
    } finally {
      const span = this.spanFrom(mark);
      if (ranges.length > 0 && span) slot.node = { ranges, span };
    }
  });

  private moreRanges = (): void => {
    this.take(this.CONSUME(T.Comma));
    this.next = this.ranges;
    this.SUBRULE2(this.cpuRange);
  };

  private cpuRange = this.RULE('cpuRange', () => {
    const out = this.receive<A.CpuRange[]>(Array);
    const mark = this.recCount;
    let from: IToken | undefined;
    let to: IToken | undefined;
    try {
      from = this.take(this.CONSUME(T.Int));
      to = this.OPTION(this.rangeEnd);
    } finally {
      const span = this.spanFrom(mark);
      if (from && span) out.push(cpuRangeNode(from, to, span));
    }
  });

  private rangeEnd = (): IToken | undefined => {
    this.take(this.CONSUME(T.Minus));
    return this.take(this.CONSUME2(T.Int));
  };
}
