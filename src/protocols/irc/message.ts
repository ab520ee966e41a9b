/**
 * IRC messages as text: parsing a received line into prefix, command and parameters (RFC 1459 /
 * RFC 2812 §2.3), the low-level quoting that keeps NUL, CR and LF out of a line, nickname case
 * folding, and the splitting of long text into lines that fit the 512-byte limit.
 *
 * Everything here is pure: no transport, no state.
 *
 * @module
 */

import { IRCBadMessage } from "../../errors/irc.js";

/** The longest IRC line, in bytes, including its CR LF (RFC 2812 §2.3). */
export const MAX_COMMAND_LENGTH = 512;

/** The characters a channel name may start with (RFC 2812 §1.3), when the server does not say. */
export const CHANNEL_PREFIXES = "&#!+";

/** One IRC message, as received. */
export interface IRCMessage {
  /** The origin (`nick!user@host` or a server name), without its `:`; `""` when absent. */
  readonly prefix: string;
  /** The command, upper-cased: a word (`PRIVMSG`) or three digits (`001`). */
  readonly command: string;
  /** The parameters; the trailing one (after ` :`) is last and may contain spaces. */
  readonly params: string[];
}

/**
 * Splits one line (without its line ending) into prefix, command and parameters.
 *
 * Runs of spaces separate parameters; a parameter starting with `:` is the trailing one and
 * takes the rest of the line, spaces included. The command is upper-cased. A trailing CR is
 * ignored.
 *
 * @throws {@link IRCBadMessage} for an empty line or a line with no command.
 *
 * @example
 * ```ts
 * parseMessage(":alice!a@host PRIVMSG #braid :hello there");
 * // { prefix: "alice!a@host", command: "PRIVMSG", params: ["#braid", "hello there"] }
 * ```
 */
export function parseMessage(line: string): IRCMessage {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  let pos = 0;
  let prefix = "";
  if (line.charCodeAt(0) === 58 /* : */) {
    const sp = line.indexOf(" ", 1);
    if (sp < 0 || sp >= end) throw new IRCBadMessage(`No command in IRC message ${quote(line)}`);
    prefix = line.slice(1, sp);
    pos = sp + 1;
  }
  let command: string | null = null;
  const params: string[] = [];
  while (pos < end) {
    const c = line.charCodeAt(pos);
    if (c === 32) {
      pos++;
      continue;
    }
    if (c === 58 && command !== null) {
      params.push(line.slice(pos + 1, end));
      break;
    }
    let sp = line.indexOf(" ", pos);
    if (sp < 0 || sp > end) sp = end;
    const word = line.slice(pos, sp);
    if (command === null) command = word.toUpperCase();
    else params.push(word);
    pos = sp;
  }
  if (command === null || command.startsWith(":")) {
    throw new IRCBadMessage(
      line.length === 0 ? "Empty IRC message" : `No command in IRC message ${quote(line)}`,
    );
  }
  return { prefix, command, params };
}

/**
 * Formats a message to send: `COMMAND p1 p2 :last`. The last parameter is sent as a trailing
 * one (after `:`) when it is empty, contains a space or starts with `:`.
 *
 * @throws RangeError when a parameter other than the last is empty, contains a space or starts
 *   with `:`, or when any contains CR, LF or NUL.
 */
export function formatMessage(command: string, ...params: string[]): string {
  let out = command;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (/[\r\n\0]/.test(p))
      throw new RangeError(`IRC parameter ${quote(p)} contains CR, LF or NUL`);
    const needsTrailing = p === "" || p.includes(" ") || p.startsWith(":");
    if (needsTrailing && i < params.length - 1) {
      throw new RangeError(`Only the last IRC parameter may be empty or hold spaces: ${quote(p)}`);
    }
    out += needsTrailing ? ` :${p}` : ` ${p}`;
  }
  return out;
}

/** The nickname part of a prefix: `"alice"` for `"alice!a@host"`. */
export function nickOf(prefix: string): string {
  const bang = prefix.indexOf("!");
  return bang < 0 ? prefix : prefix.slice(0, bang);
}

/**
 * Folds a nickname or channel name for comparison, with the `rfc1459` case mapping that IRC
 * servers use by default: ASCII letters, and `[]\~` as the upper case of `{}|^`.
 */
export function ircLower(name: string): string {
  return name.toLowerCase().replace(/[[\]\\~]/g, (c) => FOLD[c]!);
}

const FOLD: Record<string, string> = { "[": "{", "]": "}", "\\": "|", "~": "^" };

/** Whether two nicknames or channel names are the same under {@link ircLower}. */
export function ircEquals(a: string, b: string): boolean {
  return a === b || ircLower(a) === ircLower(b);
}

// ---------------------------------------------------------------------------------------------
// Low-level quoting (CTCP spec "low level quoting"): keeps NUL, CR and LF out of a line.

const M_QUOTE = "\x10";
const LOW_QUOTE: Record<string, string> = {
  [M_QUOTE]: `${M_QUOTE}${M_QUOTE}`,
  "\0": `${M_QUOTE}0`,
  "\n": `${M_QUOTE}n`,
  "\r": `${M_QUOTE}r`,
};
const LOW_DEQUOTE: Record<string, string> = { [M_QUOTE]: M_QUOTE, "0": "\0", n: "\n", r: "\r" };

// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are the point
const LOW_SPECIAL = /[\x10\0\n\r]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are the point
const LOW_ESCAPE = /\x10([\s\S]?)/g;

/** Escapes NUL, CR, LF and the quote character itself (`\x10`) so `s` fits on one line. */
export function lowQuote(s: string): string {
  return s.replace(LOW_SPECIAL, (c) => LOW_QUOTE[c]!);
}

/** Undoes {@link lowQuote}; an unknown escape keeps the character after the quote. */
export function lowDequote(s: string): string {
  if (!s.includes(M_QUOTE)) return s;
  return s.replace(LOW_ESCAPE, (_m, c: string) => LOW_DEQUOTE[c] ?? c);
}

// ---------------------------------------------------------------------------------------------
// Splitting long text

const encoder = new TextEncoder();

/** The UTF-8 length of `s`, in bytes. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/**
 * Splits `text` into lines of at most `length` bytes (UTF-8) each: at every `\n`, then at spaces
 * near the limit, like Python's `textwrap.wrap` (which Twisted uses): spaces at a break are
 * dropped, a word longer than `length` is cut (never inside a character), and empty lines are
 * left out.
 *
 * @throws RangeError when `length` is less than 1. A character longer than `length` (UTF-8 takes
 *   up to 4 bytes) gets a line of its own.
 *
 * @example
 * ```ts
 * splitText("the quick brown fox", 10); // ["the quick", "brown fox"]
 * ```
 */
export function splitText(text: string, length: number): string[] {
  if (!(length >= 1)) throw new RangeError(`Line length ${length} is too small to split text`);
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    let current = "";
    let currentBytes = 0;
    let pending = "";
    for (const token of raw.replace(/[\t\v\f\r]/g, " ").match(/ +|[^ ]+/g) ?? []) {
      if (token.charCodeAt(0) === 32) {
        pending = token;
        continue;
      }
      const wb = byteLength(token);
      if (currentBytes > 0 && currentBytes + pending.length + wb <= length) {
        current += pending + token;
        currentBytes += pending.length + wb;
        continue;
      }
      if (currentBytes > 0) out.push(current);
      if (wb <= length) {
        current = token;
        currentBytes = wb;
        continue;
      }
      // A word longer than a line: cut it at character boundaries.
      const pieces = cutBytes(token, length);
      for (let i = 0; i < pieces.length - 1; i++) out.push(pieces[i]!);
      current = pieces[pieces.length - 1]!;
      currentBytes = byteLength(current);
    }
    if (currentBytes > 0) out.push(current);
  }
  return out;
}

/** `word` cut into pieces of at most `length` UTF-8 bytes, never inside a code point. */
function cutBytes(word: string, length: number): string[] {
  const pieces: string[] = [];
  let piece = "";
  let bytes = 0;
  for (const ch of word) {
    const n = ch.length === 2 ? 4 : encoder.encode(ch).length;
    if (bytes + n > length && bytes > 0) {
      pieces.push(piece);
      piece = "";
      bytes = 0;
    }
    piece += ch;
    bytes += n;
  }
  pieces.push(piece);
  return pieces;
}

/** `s` quoted for an error message, cut to a readable length. */
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}
