// What every rule of the irqd parser shares: the Chevrotain configuration,
// the bookkeeping that lets rules build the AST while they parse, and the
// rule that swallows stray tokens.
//
// How the AST is built. The parser is an EmbeddedActionsParser: there is no
// CST. Each rule fills a frame (nodes.ts) and turns it into its AST node in a
// `finally`, so a rule that recovery cuts short (a token missing, the rest of
// the statement skipped) still delivers what it read, as the CST did before:
// Chevrotain's re-sync returns no value from the rules it unwinds, but their
// `finally` blocks run. A caller hands its frame to the rule it calls through
// `next`, set just before SUBRULE; the called rule takes it first thing.
//
// A node's span runs from the first to the last real token read inside it.
// Tokens are read in order, so `take()` records every real token once and a
// rule compares the count on entry and exit; tokens that recovery inserted
// (no text) or skipped are never recorded, exactly as the CST left them out.
//
// The DSL callbacks (OR alternatives, MANY and OPTION bodies) are built once,
// as fields, and find their frame in a field too: callbacks made per call
// were most of the garbage a parse left. A rule that can nest inside itself
// saves and restores the field it uses.
import { EmbeddedActionsParser, getLookaheadPaths, NoViableAltException, type IOrAlt, type IRecognitionException, type IToken, type LookaheadSequence } from 'chevrotain';
import type * as A from './ast.js';
import { irqdErrorMessageProvider, setNestingProbe } from './messages.js';
import { Block, type StrayRun } from './nodes.js';
import * as T from './tokens.js';

/**
 * How deep the recursive constructs (stray braces, `guest` step blocks,
 * `expect fail`) may nest: deeper input is a syntax error, never a stack
 * overflow.
 */
export const MAX_NESTING = 32;

/**
 * How many syntax errors the parser recovers from. Each recovery walks the
 * grammar (tens of microseconds), so a file of 100,000 broken lines would
 * take seconds on every keystroke; after this many the parser stops, and
 * parse() says where (IRQD001). No real file comes near it.
 */
export const MAX_SYNTAX_ERRORS = 1000;

/** Chevrotain internals the error cap uses (not in its type declarations; guarded by test/grammar/parser.test.ts). */
interface RecognizerInternals {
  recoveryEnabled: boolean;
  readonly maxLookahead: number;
  SAVE_ERROR(error: IRecognitionException): IRecognitionException;
  getCurrRuleFullName(): string;
  raiseNoAltException(occurrence: number, errMsgTypes: string | undefined): never;
  /** The index of the last token consumed (lexer_adapter.js): -1 before the first. */
  importLexerState(index: number): void;
  /** Moves to the end of the input (lexer_adapter.js). */
  moveToTerminatedState(): void;
}

/**
 * The lookahead paths of each alternation, by rule and occurrence, for the
 * "expected …" message of a NoViableAlt error. Chevrotain computes them from
 * the grammar on every such error (about 2 ms in the step rules, its own TODO
 * says "consider caching"); the grammar never changes, so once is enough.
 */
const noAltPaths = new Map<string, LookaheadSequence[]>();

/** Thrown through the rules (no recognition error, so Chevrotain does not recover from it) when stray runs reach MAX_SYNTAX_ERRORS. */
export const STOP_PARSING: Error = new Error('irqd: MAX_SYNTAX_ERRORS reached');

export class ParserBase extends EmbeddedActionsParser {
  /** Current depth of recursive constructs; reset for every input. */
  nesting = 0;
  /**
   * Syntax errors so far in this input: Chevrotain's recognition errors and
   * the runs of stray tokens (each one message). At MAX_SYNTAX_ERRORS
   * recovery is switched off, which ends the parse at the next recognition
   * error; a stray run that reaches it ends the parse at once.
   */
  errorCount = 0;
  /** Where a stray run that reached MAX_SYNTAX_ERRORS began. */
  limitAt: number | undefined = undefined;
  /** The offsets of the recognition errors' tokens: a stray run starting at one is reported by that error (errors.ts). */
  private errorStarts = new Set<number>();
  /** The runs of stray tokens each block found, for parse() to report. */
  strays: StrayRun[] = [];
  /** The frame the next rule fills, set by its caller just before SUBRULE. */
  protected next: unknown = undefined;
  /** Every real token read so far, in order: the spans come from here. */
  private recorded: IToken[] = [];
  protected recCount = 0;
  /** The block whose stray tokens the `stray` rule is reading. */
  private strayBlock = new Block<unknown>('');

  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      skipValidations: process.env['IRQD_PARSER_VALIDATE'] !== '1',
      errorMessageProvider: irqdErrorMessageProvider,
    });
    setNestingProbe(MAX_NESTING, () => this.nesting >= MAX_NESTING);
    const internals = this as unknown as RecognizerInternals;
    // raiseNoAltException() as Chevrotain's (error_handler.js), with the paths cached.
    internals.raiseNoAltException = (occurrence, errMsgTypes) => {
      const ruleName = internals.getCurrRuleFullName();
      const key = `${ruleName}#${occurrence}`;
      let paths = noAltPaths.get(key);
      if (!paths) {
        const rule = this.getGAstProductions()[ruleName];
        paths = rule ? getLookaheadPaths({ occurrence, rule, prodType: 'Alternation', maxLookahead: internals.maxLookahead }) : [];
        noAltPaths.set(key, paths);
      }
      const actual: IToken[] = [];
      for (let i = 1; i <= internals.maxLookahead; i++) actual.push(this.LA(i));
      const previous = this.LA(0);
      const message = irqdErrorMessageProvider.buildNoViableAltMessage({ expectedPathsPerAlt: paths, actual, previous, ...(errMsgTypes !== undefined ? { customUserDescription: errMsgTypes } : {}), ruleName });
      throw internals.SAVE_ERROR(new NoViableAltException(message, this.LA(1), previous));
    };
    // Every recognition error goes through SAVE_ERROR(): count them there.
    const save = internals.SAVE_ERROR.bind(this);
    internals.SAVE_ERROR = (error) => {
      const saved = save(error);
      if (Number.isFinite(error.token.startOffset)) this.errorStarts.add(error.token.startOffset);
      if (++this.errorCount >= MAX_SYNTAX_ERRORS) internals.recoveryEnabled = false;
      return saved;
    };
  }

  /** Whether the parse stopped at MAX_SYNTAX_ERRORS. */
  get stoppedAtErrorLimit(): boolean {
    return this.errorCount >= MAX_SYNTAX_ERRORS;
  }

  /** Prepares for a new input: nothing of the previous parse may change this one. */
  /** A parse of tokens from tokens[from] on, tokens[from - 1] being the token before (LA(0)). */
  start(tokens: IToken[], from = 0): void {
    this.nesting = 0;
    this.errorCount = 0;
    this.limitAt = undefined;
    this.errorStarts.clear();
    (this as unknown as RecognizerInternals).recoveryEnabled = true;
    this.strays = [];
    this.next = undefined;
    this.recCount = 0;
    this.input = tokens;
    if (from > 0) (this as unknown as RecognizerInternals).importLexerState(Math.min(from, tokens.length) - 1);
  }

  /** Drops the references a finished parse would otherwise keep alive. */
  finish(): void {
    this.recorded.length = 0;
    this.next = undefined;
    this.strayBlock = new Block<unknown>('');
    this.errorStarts.clear();
    this.input = [];
  }

  /**
   * The frame the caller handed over. During Chevrotain's grammar recording
   * the rules run without callers, so they get a throwaway frame then.
   */
  protected receive<F>(Frame: new () => F): F {
    const f = this.RECORDING_PHASE ? new Frame() : (this.next as F);
    this.next = undefined;
    return f;
  }

  /** A token the parser read, if it is real: recorded for spans and returned; undefined for an inserted one. */
  protected take(t: IToken | undefined): IToken | undefined {
    // Inserted tokens have no offset; the recording phase's token has -1.
    if (t === undefined || t.isInsertedInRecovery === true || !(t.startOffset >= 0)) return undefined;
    this.recorded[this.recCount++] = t;
    return t;
  }

  /** The span of the real tokens recorded since `mark`, or undefined if there were none. */
  protected spanFrom(mark: number): A.Span | undefined {
    if (this.recCount <= mark) return undefined;
    const first = this.recorded[mark] as IToken;
    const last = this.recorded[this.recCount - 1] as IToken;
    return { start: first.startOffset, end: last.startOffset + last.image.length };
  }

  /** The end of the last real token recorded, for a body whose `}` is missing. */
  protected lastEnd(): number {
    const last = this.recorded[this.recCount - 1] as IToken;
    return last.startOffset + last.image.length;
  }

  /** `{ … }` of a block: from its `{` to its `}`, or to the last token read inside it. */
  protected blockSpan(block: Block<unknown>): A.Span | undefined {
    const open = block.open;
    if (!open) return undefined;
    return { start: open.startOffset, end: block.close ? block.close.startOffset + 1 : this.lastEnd() };
  }

  /** Reports the block's runs of stray tokens with what it expected instead. */
  protected endStrays(block: Block<unknown>): void {
    if (block.run) (block.runs ??= []).push(block.run);
    if (!block.runs) return;
    for (const tokens of block.runs) this.strays.push({ tokens, expected: block.expected });
  }

  /** Tokens that start no item where they stand; `next` is the block they belong to. */
  protected stray = this.RULE('stray', () => {
    const block = this.receive(Block);
    const saved = this.strayBlock;
    this.strayBlock = block;
    try {
      this.OR(this.strayAlts);
    } finally {
      this.strayBlock = saved;
    }
  });

  private strayAlts: IOrAlt<void>[] = [
    { ALT: () => this.strayToken(this.CONSUME(T.Stray)) },
    {
      GATE: () => this.nesting < MAX_NESTING,
      ALT: () => {
        this.strayToken(this.CONSUME(T.LCurly));
        // Recovery that unwinds the braces skips the decrement, so what
        // follows still counts them (incremental.test.ts shows the effect).
        // The errors the parser reports depend on it: keep it so.
        this.nesting++;
        this.MANY(this.innerStray);
        this.nesting--;
        this.strayToken(this.CONSUME(T.RCurly));
      },
    },
  ];

  private innerStray = (): void => {
    this.next = this.strayBlock;
    this.SUBRULE(this.stray);
  };

  /** A stray token: a real item read since the block's last stray token starts a new run. */
  private strayToken(t: IToken): void {
    const block = this.strayBlock;
    const before = this.recCount;
    if (!this.take(t)) return;
    if (block.run && block.lastStray !== before) {
      (block.runs ??= []).push(block.run);
      block.run = undefined;
    }
    if (!block.run) this.countStray(t);
    (block.run ??= []).push(t);
    block.lastStray = this.recCount;
  }

  /**
   * A syntax error that is no recognition error (a new run of stray tokens,
   * a `}` at the top level; not one that starts at a recognition error's
   * token, which that error reports) counts toward MAX_SYNTAX_ERRORS too: 3,000 items
   * of a 4 MiB file with a stray word each were all read by the recovering
   * parser. Past the limit the parse ends here (parseTokens() catches it).
   */
  protected countStray(t: IToken): void {
    if (this.errorStarts.has(t.startOffset)) return;
    if (++this.errorCount < MAX_SYNTAX_ERRORS) return;
    this.limitAt = t.startOffset;
    // At the end of the input, so that Chevrotain's end of parse finds nothing left over to report.
    (this as unknown as RecognizerInternals).moveToTerminatedState();
    throw STOP_PARSING;
  }
}
