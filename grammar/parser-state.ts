// The declared machine state of the irqd grammar (language.md "Machine
// state"): `state { online cpu LIST  irq N SOURCE … }`, the machine as it was
// found. An imported machine file is mostly these `irq` lines.
import type { IOrAlt, IToken, OrMethodOpts } from 'chevrotain';
import type * as A from './ast.js';
import { Block, ident, IrqOpt, number, Repeats, Slot, tokenSpan } from './nodes.js';
import { DeviceParser } from './parser-devices.js';
import * as T from './tokens.js';

const K = T.keywords;

const STATE_ITEM = "a state item ('online cpu LIST' or 'irq N SOURCE …')";

/** One `irq N SOURCE …` line while it is parsed: the first value of each option. */
class IrqFrame extends Repeats {
  readonly source = new Slot<A.Selection>();
  via: IToken | undefined = undefined;
  managed: IToken | undefined = undefined;
  cpu: IToken | undefined = undefined;
  vector: IToken | undefined = undefined;
  affinity: Slot<A.CpuList> | undefined = undefined;
  pending: Slot<A.CpuList> | undefined = undefined;
  previous: IToken | undefined = undefined;
  previousCpu: IToken | undefined = undefined;
  previousVector: IToken | undefined = undefined;
  /** The end of the last `previous` value, which ends the span of the first `previous`. */
  previousEnd = 0;
  irte: IToken | undefined = undefined;
  message: IToken | undefined = undefined;
  address: IToken | undefined = undefined;
  data: IToken | undefined = undefined;
  messageEnd = 0;
  readonly flags: A.Ident[] = [];
}

export class StateParser extends DeviceParser {
  private state = new Block<A.StateItem>('');
  private irqLine = new IrqFrame();

  protected stateDecl = this.RULE('stateDecl', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    const f = (this.state = new Block<A.StateItem>(STATE_ITEM));
    let keyword: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.state));
      f.open = this.take(this.CONSUME(T.LCurly));
      this.MANY(this.stateItem);
      f.close = this.take(this.CONSUME(T.RCurly));
    } finally {
      const span = this.spanFrom(mark);
      f.span = this.blockSpan(f);
      this.endStrays(f);
      if (span) out.push({ kind: 'state', span, keyword: this.keywordOr(keyword, span), body: f.span, items: f.items });
    }
  });

  private stateItem = (): void => this.OR(this.stateItems);

  private stateItems: OrMethodOpts<void> = {
    IGNORE_AMBIGUITIES: true,
    MAX_LOOKAHEAD: 1,
    DEF: [
      {
        ALT: () => {
          this.next = this.state.items;
          this.SUBRULE(this.stateOnline);
        },
      },
      {
        ALT: () => {
          this.next = this.state.items;
          this.SUBRULE(this.stateIrq);
        },
      },
      {
        ALT: () => {
          this.next = this.state;
          this.SUBRULE(this.stray);
        },
      },
    ],
  };

  private stateOnline = this.RULE('stateOnline', () => {
    const out = this.receive<A.StateItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let cpus: Slot<A.CpuList> | undefined;
    try {
      keyword = this.take(this.CONSUME(K.online));
      this.take(this.CONSUME(K.cpu));
      this.next = cpus = new Slot<A.CpuList>();
      this.SUBRULE(this.cpuList);
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'state-online', span, keyword: this.keywordOr(keyword, span), cpus: cpus?.node });
    }
  });

  private stateIrq = this.RULE('stateIrq', () => {
    const out = this.receive<A.StateItem[]>(Array);
    const mark = this.recCount;
    const f = (this.irqLine = new IrqFrame());
    let keyword: IToken | undefined;
    let irq: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.irq));
      irq = this.take(this.CONSUME(T.Value));
      this.next = f.source;
      this.SUBRULE(this.selection);
      this.MANY(this.irqOption);
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        const prev = f.previous;
        const msg = f.message;
        out.push({
          kind: 'state-irq',
          span,
          keyword: this.keywordOr(keyword, span),
          irq: number(irq),
          source: f.source.node,
          via: ident(f.via),
          managed: f.managed ? tokenSpan(f.managed) : undefined,
          cpu: number(f.cpu),
          vector: number(f.vector),
          affinity: f.affinity?.node,
          pending: f.pending?.node,
          previous: prev
            ? { span: { start: prev.startOffset, end: Math.max(f.previousEnd, prev.startOffset + prev.image.length) }, cpu: number(f.previousCpu), vector: number(f.previousVector) }
            : undefined,
          irte: number(f.irte),
          message: msg
            ? { span: { start: msg.startOffset, end: Math.max(f.messageEnd, msg.startOffset + msg.image.length) }, address: number(f.address), data: number(f.data) }
            : undefined,
          flags: f.flags,
          repeated: f.spans(IrqOpt.Count),
        });
      }
    }
  });

  private irqOption = (): void => this.OR(this.irqOptions);

  /** The end of a real token, for the spans of `previous` and `message`. */
  private endOf(t: IToken | undefined, end: number): number {
    return t ? Math.max(end, t.startOffset + t.image.length) : end;
  }

  private irqOptions: IOrAlt<void>[] = [
    {
      ALT: () => {
        this.irqLine.first(IrqOpt.Via, this.take(this.CONSUME(K.via)));
        const via = this.take(this.CONSUME(T.Name));
        this.irqLine.via ??= via;
      },
    },
    {
      ALT: () => {
        const managed = this.take(this.CONSUME(K.managed));
        if (this.irqLine.first(IrqOpt.Managed, managed)) this.irqLine.managed = managed;
      },
    },
    {
      ALT: () => {
        this.irqLine.first(IrqOpt.Cpu, this.take(this.CONSUME(K.cpu)));
        const cpu = this.take(this.CONSUME2(T.Value));
        this.irqLine.cpu ??= cpu;
      },
    },
    {
      ALT: () => {
        this.irqLine.first(IrqOpt.Vector, this.take(this.CONSUME(K.vector)));
        const vector = this.take(this.CONSUME3(T.Value));
        this.irqLine.vector ??= vector;
      },
    },
    {
      ALT: () => {
        const f = this.irqLine;
        f.first(IrqOpt.Affinity, this.take(this.CONSUME(K.affinity)));
        const list = new Slot<A.CpuList>();
        f.affinity ??= list;
        this.next = list;
        this.SUBRULE(this.cpuList);
      },
    },
    {
      ALT: () => {
        const f = this.irqLine;
        f.first(IrqOpt.Pending, this.take(this.CONSUME(K.pending)));
        const list = new Slot<A.CpuList>();
        f.pending ??= list;
        this.next = list;
        this.SUBRULE2(this.cpuList);
      },
    },
    {
      ALT: () => {
        const f = this.irqLine;
        const previous = this.take(this.CONSUME(K.previous));
        if (f.first(IrqOpt.Previous, previous)) f.previous = previous;
        this.take(this.CONSUME2(K.cpu));
        const cpu = this.take(this.CONSUME4(T.Value));
        f.previousCpu ??= cpu;
        f.previousEnd = this.endOf(cpu, f.previousEnd);
        this.take(this.CONSUME2(K.vector));
        const vector = this.take(this.CONSUME5(T.Value));
        f.previousVector ??= vector;
        f.previousEnd = this.endOf(vector, f.previousEnd);
      },
    },
    {
      ALT: () => {
        this.irqLine.first(IrqOpt.Irte, this.take(this.CONSUME(K.irte)));
        const irte = this.take(this.CONSUME6(T.Value));
        this.irqLine.irte ??= irte;
      },
    },
    {
      ALT: () => {
        const f = this.irqLine;
        const message = this.take(this.CONSUME(K.message));
        if (f.first(IrqOpt.Message, message)) f.message = message;
        const address = this.take(this.CONSUME7(T.Value));
        f.address ??= address;
        f.messageEnd = this.endOf(address, f.messageEnd);
        const data = this.take(this.CONSUME8(T.Value));
        f.data ??= data;
        f.messageEnd = this.endOf(data, f.messageEnd);
      },
    },
    {
      ALT: () => {
        const flag = this.take(this.CONSUME(T.Identifier));
        if (flag) this.irqLine.flags.push(ident(flag) as A.Ident);
      },
    },
  ];
}
