// Tokens of the irqd language (language.md, "Lexical").
//
// Keywords are reserved only where the grammar expects a keyword: every keyword
// token also belongs to the `Name` category, so a rule that wants a name accepts
// `vector` or `cpu` as well as `nvme0`. The lexer matches a word as an
// Identifier, and lexer.ts turns it into a keyword when the whole word is one:
// `online` is not `on` + `line`, and `msix-table` is a keyword while
// `msix-tables` is a name. (The lexer used to try each keyword's own pattern
// first, with Identifier as the longer alternative; that gave the same tokens,
// since PciAddress is the only other token a letter can begin, at several
// times the cost.)
import { createToken, Lexer, type TokenType } from 'chevrotain';

/** Every token a stray-statement loop may swallow: all but braces. */
export const Stray = createToken({ name: 'Stray', pattern: Lexer.NA });
/** A name in a name position: identifiers and every keyword. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'a name' });
/** A number in a value position: decimal, hex or a size with a binary suffix. */
export const Value = createToken({ name: 'Value', pattern: Lexer.NA, label: 'a number' });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments', line_breaks: true });
/** An unterminated block comment runs to the end of the file; the lexer reports it. */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, group: 'comments', line_breaks: true });

export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"/, categories: [Stray], label: 'a string' });
/** A string missing its closing quote: reported, then parsed as a string to the end of the line. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*\\?/, categories: [Stray, StringLit], label: 'a string' });

export const PciAddress = createToken({
  name: 'PciAddress',
  pattern: /(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7](?![0-9A-Za-z_])/,
  categories: [Stray],
  label: 'a PCI address',
});
export const Hex = createToken({ name: 'Hex', pattern: /0[xX][0-9a-fA-F]+(?![0-9A-Za-z_])/, categories: [Stray, Value], label: 'a number' });
export const Size = createToken({ name: 'Size', pattern: /[0-9]+[KMG](?![0-9A-Za-z_])/, categories: [Stray, Value], label: 'a size' });
export const Version = createToken({ name: 'Version', pattern: /[0-9]+\.[0-9]+(?:\.[0-9]+)?(?![0-9A-Za-z_.])/, categories: [Stray], label: 'a kernel version' });
export const Int = createToken({ name: 'Int', pattern: /[0-9]+(?![0-9A-Za-z_.])/, categories: [Stray, Value], label: 'a number' });
/**
 * Digits glued to letters (`4KB`, `0x10zz`, `8cpus`): one token, reported by
 * the lexer phase and parsed as a number so the statement still reads.
 */
export const BadNumber = createToken({ name: 'BadNumber', pattern: /[0-9][0-9A-Za-z_.]*/, categories: [Stray, Value], label: 'a number' });
/** An errno after `expect fail`, as the kernel returns it: `-ENOSPC`. */
export const Errno = createToken({ name: 'Errno', pattern: /-E[A-Z0-9]+/, categories: [Stray], label: 'an errno' });

export const Arrow = createToken({ name: 'Arrow', pattern: /->/, categories: [Stray], label: "'->'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: [Stray], label: "'-'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, categories: [Stray], label: "','" });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: [Stray], label: "'*'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, categories: [Stray], label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/, categories: [Stray], label: "']'" });
export const LCurly = createToken({ name: 'LCurly', pattern: /{/, label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: /}/, label: "'}'" });

/** Names: `[A-Za-z_][A-Za-z0-9_.-]*`, but never ending in `-` or `.` so `a->b` lexes as a name and an arrow. */
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:[.-]+[A-Za-z0-9_]+)*/,
  categories: [Stray, Name],
  label: 'a name',
});

/** The keyword spellings, each with the token it becomes. Keep in step with docs/language.md. */
const keywordWords = [
  'system', 'scenario', 'on', 'arch', 'kernel', 'cpus', 'cpu', 'apic', 'dest-mode', 'page-size', 'node',
  'domain', 'parent', 'device', 'pci', 'vf', 'of', 'index', 'msi', 'msix', 'ims', 'ioapic', 'pin',
  'maskable', 'storage', 'bar', 'size', 'offset', 'msix-table', 'msix-pba', 'register', 'pasid', 'sriov',
  'migration', 'capacity', 'set', 'quota', 'guest', 'hypervisor', 'assign', 'as', 'sub', 'mode',
  'alloc', 'min', 'managed', 'via', 'free', 'request', 'release', 'affinity', 'offline', 'online',
  'mask', 'unmask', 'fire', 'vfio', 'mmio', 'read', 'write', 'dma', 'expect', 'vector', 'message',
  'lost', 'delivered', 'irte', 'available', 'fail', 'used', 'backport', 'cmdline', 'smt',
  'use', 'after', 'platform', 'driver', 'irq', 'edge', 'level', 'pre', 'post', 'sets', 'state', 'previous', 'pending',
] as const;
export type KeywordWord = (typeof keywordWords)[number];

function tokenNameOf(word: string): string {
  return 'Kw_' + word.replace(/-/g, '_');
}

export const keywords: Record<KeywordWord, TokenType> = Object.fromEntries(
  keywordWords.map((word) => [
    word,
    createToken({
      name: tokenNameOf(word),
      pattern: Lexer.NA,
      categories: [Stray],
      label: `'${word}'`,
    }),
  ]),
) as Record<KeywordWord, TokenType>;

/**
 * The same keyword where it may also be read as a name. The lexer yields the
 * plain keyword; retypeKeywords() turns every keyword into this variant except
 * a statement keyword that begins a line, so that in
 *
 *     msix 64 domain
 *     bar 0 size 16K
 *
 * `bar` starts the next item instead of being taken as the missing domain name.
 */
export const keywordsAsNames: Record<KeywordWord, TokenType> = Object.fromEntries(
  keywordWords.map((word) => [
    word,
    createToken({
      name: tokenNameOf(word) + '_name',
      pattern: Lexer.NA,
      categories: [keywords[word], Name],
      label: `'${word}'`,
    }),
  ]),
) as Record<KeywordWord, TokenType>;

const K = keywords;

/**
 * The keywords that begin a statement (language.md, "Keywords"): at the start
 * of a line they stay keywords (retypeKeywords() in lexer.ts), and they mark
 * where "after 'offline cpu'" starts in a message.
 */
export const statementStarters: ReadonlySet<TokenType> = new Set([
  K.use, K.state, K.irq, K.driver, K.system, K.scenario, K.arch, K.kernel, K.cpus, K.apic, K['dest-mode'], K['page-size'], K.node, K.domain,
  K.device, K.msi, K.msix, K.ims, K.ioapic, K.bar, K['msix-table'], K['msix-pba'], K.register, K.pasid,
  K.sriov, K.migration, K.set, K.guest, K.hypervisor, K.assign, K.backport, K.cmdline, K.smt, K.alloc, K.free, K.request, K.release,
  K.mask, K.unmask, K.fire, K.affinity, K.offline, K.online, K.vfio, K.mmio, K.dma, K.expect,
]);

/** The set of keyword spellings, for completion and the TextMate grammar test. */
export const keywordSet: ReadonlySet<string> = new Set(keywordWords);

/** The keyword token of each spelling, for the lexer's Identifiers. */
export const keywordOf: ReadonlyMap<string, TokenType> = new Map(keywordWords.map((w) => [w, keywords[w]]));

/** Lexing order: first match wins. The keywords have no pattern of their own; the parser needs them in its vocabulary. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLit,
  UnterminatedString,
  PciAddress,
  Hex,
  Size,
  Version,
  Int,
  BadNumber,
  Errno,
  Arrow,
  Minus,
  Comma,
  Star,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  ...[...keywordWords].sort((a, b) => b.length - a.length).map((w) => keywords[w]),
  Identifier,
  Stray,
  Name,
  Value,
  ...keywordWords.map((w) => keywordsAsNames[w]),
];

export const irqdLexer = new Lexer(allTokens, { ensureOptimizations: true, positionTracking: 'onlyOffset' });
