/**
 * CTCP, the Client-To-Client Protocol carried inside `PRIVMSG` (queries) and `NOTICE` (replies):
 * `\x01TAG data\x01` segments mixed with normal text, with their own quoting of `\x01` and
 * backslash. `ACTION` ("/me waves"), `VERSION` and `PING` are the ones clients answer.
 *
 * @module
 */

/** The delimiter of a CTCP segment. */
export const X_DELIM = "\x01";
/** The CTCP-level quote character. */
export const X_QUOTE = "\\";

/** One CTCP segment: its tag (`"ACTION"`) and its data, `null` when it has none. */
export type CTCPMessage = readonly [tag: string, data: string | null];

/** Normal text and CTCP segments of a message, as {@link ctcpExtract} separates them. */
export interface CTCPExtracted {
  /** The CTCP segments, in order, dequoted and split into tag and data. */
  readonly extended: CTCPMessage[];
  /** The pieces of normal text between them, in order, empty ones left out. */
  readonly normal: string[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: \x01 delimits CTCP segments
const X_SPECIAL = /[\x01\\]/g;

/** Escapes `\x01` (as `\a`) and the backslash (as `\\`) for a CTCP segment. */
export function ctcpQuote(s: string): string {
  return s.replace(X_SPECIAL, (c) => (c === X_DELIM ? "\\a" : "\\\\"));
}

/** Undoes {@link ctcpQuote}; an unknown escape keeps the character after the backslash. */
export function ctcpDequote(s: string): string {
  if (!s.includes(X_QUOTE)) return s;
  return s.replace(/\\([\s\S]?)/g, (_m, c: string) => (c === "a" ? X_DELIM : c));
}

/**
 * Separates the CTCP segments of `message` from its normal text. Text between an odd and an
 * even `\x01` is a segment; an unterminated segment at the end counts as one too.
 *
 * @example
 * ```ts
 * ctcpExtract("\x01ACTION waves\x01");
 * // { extended: [["ACTION", "waves"]], normal: [] }
 * ```
 */
export function ctcpExtract(message: string): CTCPExtracted {
  const extended: CTCPMessage[] = [];
  const normal: string[] = [];
  const parts = message.split(X_DELIM);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === "") continue;
    if (i % 2 === 0) {
      normal.push(ctcpDequote(part));
      continue;
    }
    const text = ctcpDequote(part);
    const sp = text.indexOf(" ");
    extended.push(sp < 0 ? [text, null] : [text.slice(0, sp), text.slice(sp + 1)]);
  }
  return { extended, normal };
}

/**
 * Encodes CTCP segments for a `PRIVMSG` or `NOTICE`: each becomes `\x01TAG data\x01`, quoted.
 *
 * @example
 * ```ts
 * ctcpStringify([["ACTION", "waves"]]); // "\x01ACTION waves\x01"
 * ```
 */
export function ctcpStringify(messages: Iterable<CTCPMessage>): string {
  let out = "";
  for (const [tag, data] of messages) {
    const m = data ? `${tag} ${data}` : tag;
    out += X_DELIM + ctcpQuote(m) + X_DELIM;
  }
  return out;
}
