// The topology half of the irqd grammar (language.md "Systems" to "Guests"
// and "Several files"): the file's top level, systems and guests, domains and
// PASID spaces. Devices are in parser-devices.ts, the declared machine state
// in parser-state.ts, selections and CPU lists in parser-lists.ts; parser.ts
// adds the scenarios and builds the one instance.
//
// Recovery is on, and every block ({ ... } of a system, device, guest,
// state) loops over its items with a last alternative that swallows stray
// tokens, so one typo never ends the block or hides the items after it.
import type { IOrAlt, IToken, OrMethodOpts, ParserMethod } from 'chevrotain';
import type * as A from './ast.js';
import { Block, ident, number, pciAddr, Slot, stringIdent, tokenSpan } from './nodes.js';
import { StateParser } from './parser-state.js';
import { MAX_NESTING } from './parser-base.js';
import { quickParsePrefix } from './quick.js';
import * as T from './tokens.js';


const K = T.keywords;

/** Chevrotain's position in its input (lexer_adapter.js): the index of the last token consumed. */
interface LexerState {
  exportLexerState(): number;
  importLexerState(index: number): void;
}

const SYSTEM_ITEM =
  'a system item (arch, kernel, cpus, smt, apic, dest-mode, page-size, cmdline, node, backport, domain, device, pasid, guest or state)';
const GUEST_ITEM = 'a guest item (cpus, smt, hypervisor, cmdline, domain, device or assign)';
export const TOP_ITEM = "'use', 'system' or 'scenario'";

/** `domain NAME KIND [parent P] [{ … }]` while it is parsed. */
class DomainFrame {
  parentKeyword: IToken | undefined = undefined;
  parent: IToken | undefined = undefined;
  open: IToken | undefined = undefined;
  close: IToken | undefined = undefined;
  readonly props: A.DomainProp[] = [];
}

/** `assign DEV (as ADDRESS | sub NAME mode M) [domain D]` while it is parsed. */
class AssignFrame {
  address: IToken | undefined = undefined;
  sub: IToken | undefined = undefined;
  mode: IToken | undefined = undefined;
  domain: IToken | undefined = undefined;
}

export class TopologyParser extends StateParser {
  /** The file being parsed: its items and its stray tokens. */
  file = new Block<A.TopItem>(TOP_ITEM);
  /** `}` at the top level, each reported on its own. */
  strayCloses: IToken[] = [];
  private bodyBlock = new Block<A.BodyItem>('');
  private domain = new DomainFrame();
  private assign = new AssignFrame();
  private pasidBlock = new Block<A.PasidSetDecl>('');

  // Rules of the scenario half (parser.ts), referenced from here.
  declare protected scenarioDecl: ParserMethod<[], void>;

  /** Whether recovery gave up at the top level and skipped the rest of the input. */
  skippedToEnd = false;
  /** Whether items between errors are read by the quick reader (readItemsQuickly()); parseTokens() sets it. */
  quickItems = true;

  public sourceFile = this.RULE('sourceFile', () => {
    let done = false;
    try {
      this.MANY(this.topItem);
      done = true;
    } finally {
      this.skippedToEnd = !done;
    }
  });

  /** Reports the file's own stray tokens, once sourceFile() has returned. */
  endFile(): void {
    this.endStrays(this.file);
  }

  private topItem = (): void => {
    if (this.readItemsQuickly()) return;
    this.OR(this.topItems);
  };

  /**
   * At the top level, between items: the items the quick reader can read
   * from here are taken as it reads them, and the parse goes on after them
   * (quick.ts quickParsePrefix() says why that is the same parse). A file
   * with an error in one item is then read by Chevrotain in that item only:
   * 35,000 devices of a 4 MiB file with broken lines near its start were
   * all read by the recovering parser. Not while Chevrotain records the
   * grammar, nor while recovery left a nesting level counted (the quick
   * reader counts from 0).
   */
  private readItemsQuickly(): boolean {
    if (!this.quickItems || this.RECORDING_PHASE || this.nesting !== 0) return false;
    const lexer = this as unknown as LexerState;
    const from = lexer.exportLexerState() + 1;
    // Only where an item can start: the quick reader gives up at anything else, and a file of a million
    // stray '[' would pay for a reader and a thrown BAIL at each one (3 s, fuzz slow-297e631b).
    const first = this.input[from]?.tokenType;
    if (first !== K.system && first !== K.scenario && first !== K.use) return false;
    const quick = quickParsePrefix(this.input, from);
    if (quick.next === from) return false;
    for (const item of quick.items) this.file.items.push(item);
    lexer.importLexerState(quick.next - 1);
    return true;
  }

  private topItems: OrMethodOpts<void> = {
    IGNORE_AMBIGUITIES: true,
    MAX_LOOKAHEAD: 1,
    DEF: [
      { ALT: () => this.intoFile(() => this.SUBRULE(this.useDecl)) },
      { ALT: () => this.intoFile(() => this.SUBRULE(this.systemDecl)) },
      { ALT: () => this.intoFile(() => this.SUBRULE(this.scenarioDecl)) },
      {
        ALT: () => {
          this.next = this.file;
          this.SUBRULE(this.stray);
        },
      },
      {
        ALT: () => {
          // Not recorded: a `}` at the top level belongs to no node, and
          // does not split a run of stray tokens around it.
          const t = this.CONSUME(T.RCurly);
          if (t.isInsertedInRecovery !== true && t.startOffset >= 0) {
            this.strayCloses.push(t);
            this.countStray(t);
          }
        },
      },
    ],
  };

  private intoFile(rule: () => void): void {
    this.next = this.file.items;
    rule();
  }

  /** `use "box.irqd"`: the systems and scenarios of another file. */
  private useDecl = this.RULE('useDecl', () => {
    const out = this.receive<A.TopItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let path: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.use));
      path = this.take(this.CONSUME(T.StringLit));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'use', span, keyword: this.keywordOr(keyword, span), path: stringIdent(path) });
    }
  });

  private systemDecl = this.RULE('systemDecl', () => {
    const out = this.receive<A.TopItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let name: IToken | undefined;
    let description: IToken | undefined;
    let body: Block<A.BodyItem> | undefined;
    try {
      keyword = this.take(this.CONSUME(K.system));
      name = this.take(this.CONSUME(T.Name));
      description = this.take(this.OPTION(this.systemDescription));
      this.next = body = new Block<A.BodyItem>(SYSTEM_ITEM);
      this.SUBRULE(this.body);
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        out.push({
          kind: 'system',
          span,
          keyword: this.keywordOr(keyword, span),
          name: ident(name),
          description: stringIdent(description),
          body: body?.span,
          items: body ? body.items : [],
        });
      }
    }
  });

  private systemDescription = (): IToken => this.CONSUME(T.StringLit);

  /** The body of a system or a guest. */
  private body = this.RULE('body', () => {
    const block = this.receive<Block<A.BodyItem>>(Block);
    const saved = this.bodyBlock;
    this.bodyBlock = block;
    try {
      block.open = this.take(this.CONSUME(T.LCurly));
      this.MANY(this.bodyItem);
      block.close = this.take(this.CONSUME(T.RCurly));
    } finally {
      this.bodyBlock = saved;
      block.span = this.blockSpan(block);
      this.endStrays(block);
    }
  });

  private bodyItem = (): void => this.OR(this.bodyItems);

  /** The next rule delivers into the body's items. */
  private inBody(rule: () => void): () => void {
    return () => {
      this.next = this.bodyBlock.items;
      rule();
    };
  }

  private bodyItems: OrMethodOpts<void> = {
    IGNORE_AMBIGUITIES: true,
    MAX_LOOKAHEAD: 1,
    DEF: [
      { ALT: this.inBody(() => this.SUBRULE(this.archItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.kernelItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.cpusItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.apicItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.destModeItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.pageSizeItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.cmdlineItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.smtItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.nodeItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.domainDecl)) },
      { ALT: this.inBody(() => this.SUBRULE(this.deviceDecl)) },
      { ALT: this.inBody(() => this.SUBRULE(this.pasidDecl)) },
      { GATE: () => this.nesting < MAX_NESTING, ALT: this.inBody(() => this.SUBRULE(this.guestDecl)) },
      { ALT: this.inBody(() => this.SUBRULE(this.hypervisorItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.assignItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.backportItem)) },
      { ALT: this.inBody(() => this.SUBRULE(this.stateDecl)) },
      {
        ALT: () => {
          this.next = this.bodyBlock;
          this.SUBRULE(this.stray);
        },
      },
    ],
  };

  /** `KEYWORD NAME` items: the keyword, then one name. */
  private named(kind: 'arch' | 'dest-mode' | 'hypervisor', keywordType: typeof K.arch) {
    return () => {
      const out = this.receive<A.BodyItem[]>(Array);
      const mark = this.recCount;
      let keyword: IToken | undefined;
      let value: IToken | undefined;
      try {
        keyword = this.take(this.CONSUME(keywordType));
        value = this.take(this.CONSUME(T.Name));
      } finally {
        const span = this.spanFrom(mark);
        if (span) out.push({ kind, span, keyword: this.keywordOr(keyword, span), value: ident(value) });
      }
    };
  }

  private archItem = this.RULE('archItem', this.named('arch', K.arch));

  private kernelItem = this.RULE('kernelItem', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let value: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.kernel));
      value = this.take(this.OR(this.kernelValues));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'kernel', span, keyword: this.keywordOr(keyword, span), value: ident(value) });
    }
  });

  private kernelValues: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(T.Version) },
    { ALT: () => this.CONSUME(T.Int) },
    { ALT: () => this.CONSUME(T.Name) },
  ];

  /** `KEYWORD NUMBER` items: the keyword, then one number. */
  private counted(kind: 'cpus' | 'page-size' | 'smt', keywordType: typeof K.cpus) {
    return () => {
      const out = this.receive<A.BodyItem[]>(Array);
      const mark = this.recCount;
      let keyword: IToken | undefined;
      let value: IToken | undefined;
      try {
        keyword = this.take(this.CONSUME(keywordType));
        value = this.take(this.CONSUME(T.Value));
      } finally {
        const span = this.spanFrom(mark);
        if (span) {
          const kw = this.keywordOr(keyword, span);
          if (kind === 'cpus') out.push({ kind, span, keyword: kw, count: number(value) });
          else if (kind === 'smt') out.push({ kind, span, keyword: kw, threads: number(value) });
          else out.push({ kind, span, keyword: kw, size: number(value) });
        }
      }
    };
  }

  private cpusItem = this.RULE('cpusItem', this.counted('cpus', K.cpus));

  private smtItem = this.RULE('smtItem', this.counted('smt', K.smt));

  private apicItem = this.RULE('apicItem', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    const flags: IToken[] = (this.words = []);
    let keyword: IToken | undefined;
    let value: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.apic));
      value = this.take(this.CONSUME(T.Name));
      this.MANY(this.word);
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'apic', span, keyword: this.keywordOr(keyword, span), value: ident(value), flags: flags.map((t) => ident(t) as A.Ident) });
    }
  });

  private destModeItem = this.RULE('destModeItem', this.named('dest-mode', K['dest-mode']));

  private pageSizeItem = this.RULE('pageSizeItem', this.counted('page-size', K['page-size']));

  private cmdlineItem = this.RULE('cmdlineItem', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let value: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.cmdline));
      value = this.take(this.CONSUME(T.StringLit));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'cmdline', span, keyword: this.keywordOr(keyword, span), value: stringIdent(value) });
    }
  });

  private nodeItem = this.RULE('nodeItem', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let id: IToken | undefined;
    let cpus: Slot<A.CpuList> | undefined;
    try {
      keyword = this.take(this.CONSUME(K.node));
      id = this.take(this.CONSUME(T.Value));
      this.take(this.CONSUME(K.cpus));
      this.next = cpus = new Slot<A.CpuList>();
      this.SUBRULE(this.cpuList);
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'node', span, keyword: this.keywordOr(keyword, span), id: number(id), cpus: cpus?.node });
    }
  });

  private domainDecl = this.RULE('domainDecl', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    const f = (this.domain = new DomainFrame());
    let keyword: IToken | undefined;
    let name: IToken | undefined;
    let kind: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.domain));
      name = this.take(this.CONSUME(T.Name));
      kind = this.take(this.CONSUME2(T.Name));
      this.OPTION(this.domainParent);
      this.OPTION2(this.domainProps);
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        out.push({
          kind: 'domain',
          span,
          keyword: this.keywordOr(keyword, span),
          name: ident(name),
          domainKind: ident(kind),
          parentKeyword: f.parentKeyword ? tokenSpan(f.parentKeyword) : undefined,
          parent: ident(f.parent),
          props: f.props,
          body: f.open ? { start: f.open.startOffset, end: f.close ? f.close.startOffset + 1 : span.end } : undefined,
        });
      }
    }
  });

  private domainParent = (): void => {
    this.domain.parentKeyword = this.take(this.CONSUME(K.parent));
    this.domain.parent = this.take(this.CONSUME3(T.Name));
  };

  private domainProps = (): void => {
    this.domain.open = this.take(this.CONSUME(T.LCurly));
    this.MANY(this.domainPropItem);
    this.domain.close = this.take(this.CONSUME(T.RCurly));
  };

  private domainPropItem = (): void => {
    this.next = this.domain.props;
    this.SUBRULE(this.domainProp);
  };

  private domainProp = this.RULE('domainProp', () => {
    const out = this.receive<A.DomainProp[]>(Array);
    const mark = this.recCount;
    let key: IToken | undefined;
    let value: IToken | undefined;
    try {
      key = this.take(this.CONSUME(T.Name));
      value = this.take(this.OR(this.domainValues));
    } finally {
      const span = this.spanFrom(mark);
      const isAddress = value?.tokenType === T.PciAddress;
      if (key && span) out.push({ key: ident(key) as A.Ident, value: isAddress ? undefined : number(value), address: isAddress ? pciAddr(value) : undefined, span });
    }
  });

  private domainValues: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(T.Value) },
    // `source-id ff:00.0`: a requester ID written as the PCI address it names.
    { ALT: () => this.CONSUME(T.PciAddress) },
  ];

  private pasidDecl = this.RULE('pasidDecl', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    const f = new Block<A.PasidSetDecl>("'set NAME quota N'");
    const saved = this.pasidBlock;
    this.pasidBlock = f;
    let keyword: IToken | undefined;
    let capacity: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.pasid));
      this.take(this.CONSUME(K.capacity));
      capacity = this.take(this.CONSUME(T.Value));
      this.OPTION(this.pasidBody);
    } finally {
      this.pasidBlock = saved;
      const span = this.spanFrom(mark);
      f.span = this.blockSpan(f);
      this.endStrays(f);
      if (span) out.push({ kind: 'pasid', span, keyword: this.keywordOr(keyword, span), capacity: number(capacity), body: f.span, sets: f.items });
    }
  });

  private pasidBody = (): void => {
    this.pasidBlock.open = this.take(this.CONSUME(T.LCurly));
    this.MANY(this.pasidItem);
    this.pasidBlock.close = this.take(this.CONSUME(T.RCurly));
  };

  private pasidItem = (): void => this.OR(this.pasidItems);

  private pasidItems: OrMethodOpts<void> = {
    IGNORE_AMBIGUITIES: true,
    MAX_LOOKAHEAD: 1,
    DEF: [
      {
        ALT: () => {
          this.next = this.pasidBlock.items;
          this.SUBRULE(this.pasidSetDecl);
        },
      },
      {
        ALT: () => {
          this.next = this.pasidBlock;
          this.SUBRULE(this.stray);
        },
      },
    ],
  };

  private pasidSetDecl = this.RULE('pasidSetDecl', () => {
    const out = this.receive<A.PasidSetDecl[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let name: IToken | undefined;
    let quota: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.set));
      name = this.take(this.CONSUME(T.Name));
      this.take(this.CONSUME(K.quota));
      quota = this.take(this.CONSUME(T.Value));
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ span, keyword: this.keywordOr(keyword, span), name: ident(name), quota: number(quota) });
    }
  });

  private guestDecl = this.RULE('guestDecl', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let name: IToken | undefined;
    let body: Block<A.BodyItem> | undefined;
    try {
      keyword = this.take(this.CONSUME(K.guest));
      name = this.take(this.CONSUME(T.Name));
      this.next = body = new Block<A.BodyItem>(GUEST_ITEM);
      // A guest's body nests like a `guest` step's (recovery that unwinds it skips the decrement, as there).
      this.nesting++;
      this.SUBRULE(this.body);
      this.nesting--;
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        out.push({ kind: 'guest', span, keyword: this.keywordOr(keyword, span), name: ident(name), body: body?.span, items: body ? body.items : [] });
      }
    }
  });

  private backportItem = this.RULE('backportItem', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    const names: IToken[] = (this.words = []);
    let keyword: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.backport));
      this.AT_LEAST_ONE(this.word);
    } finally {
      const span = this.spanFrom(mark);
      if (span) out.push({ kind: 'backport', span, keyword: this.keywordOr(keyword, span), names: names.map((t) => ident(t) as A.Ident) });
    }
  });

  private hypervisorItem = this.RULE('hypervisorItem', this.named('hypervisor', K.hypervisor));

  private assignItem = this.RULE('assignItem', () => {
    const out = this.receive<A.BodyItem[]>(Array);
    const mark = this.recCount;
    const f = (this.assign = new AssignFrame());
    let keyword: IToken | undefined;
    let device: IToken | undefined;
    try {
      keyword = this.take(this.CONSUME(K.assign));
      device = this.take(this.CONSUME(T.Name));
      this.OR(this.assignHow);
      this.OPTION(this.assignDomain);
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        out.push({
          kind: 'assign',
          span,
          keyword: this.keywordOr(keyword, span),
          device: ident(device),
          address: pciAddr(f.address),
          sub: ident(f.sub),
          mode: ident(f.mode),
          domain: ident(f.domain),
        });
      }
    }
  });

  private assignHow: IOrAlt<void>[] = [
    {
      ALT: () => {
        this.take(this.CONSUME(K.as));
        this.assign.address = this.take(this.CONSUME(T.PciAddress));
      },
    },
    {
      ALT: () => {
        this.take(this.CONSUME(K.sub));
        this.assign.sub = this.take(this.CONSUME2(T.Name));
        this.take(this.CONSUME(K.mode));
        this.assign.mode = this.take(this.CONSUME3(T.Name));
      },
    },
  ];

  private assignDomain = (): void => {
    this.take(this.CONSUME(K.domain));
    this.assign.domain = this.take(this.CONSUME4(T.Name));
  };
}

