/**
 * `LineOnlyReceiver`: the lean line protocol, for peers that only ever send lines.
 *
 * It has no raw mode and no pausing, so its hot path is a single `indexOf` loop over each chunk.
 * Use {@link LineReceiver} when the protocol switches to raw data (HTTP bodies, file transfers)
 * or must stop delivering lines while paused.
 *
 * @module
 */

import { InvalidStateError } from "../../errors/errors.js";
import type { IProtocolFactory, ITransport } from "../../protocol/interfaces.js";
import { Protocol } from "../../protocol/protocol.js";
import { asBuffer, ByteAccumulator, delimiterBytes, findAcross } from "./bytes.js";
import { writeLine } from "./framing.js";

const CRLF = Buffer.from("\r\n");

/**
 * A protocol that receives lines: bytes separated by {@link delimiter}.
 *
 * Each line is passed to {@link lineReceived} without its delimiter. A line is a view on the
 * chunk the transport delivered (the transport never reuses that memory), or a fresh buffer when
 * the line spans chunks: it stays valid and unchanged, so it may be kept without copying.
 *
 * Limits: a line longer than {@link MAX_LENGTH} bytes, or `MAX_LENGTH + delimiter.length` bytes
 * with no delimiter, goes to {@link lineLengthExceeded} instead, which closes the connection by
 * default. The bytes after it in the same chunk are dropped. Nothing more is delivered once the
 * transport is disconnecting (a line that called `loseConnection` is the last one).
 *
 * Subclasses set `delimiter` in their constructor (it is an accessor, so it cannot be redeclared
 * as a field); `MAX_LENGTH` can be overridden as a field.
 *
 * @example
 * ```ts
 * class UpperEcho extends LineOnlyReceiver {
 *   constructor() {
 *     super();
 *     this.delimiter = "\n";
 *   }
 *   override lineReceived(line: Uint8Array): void {
 *     this.sendLine(Buffer.from(line).toString("utf8").toUpperCase());
 *   }
 * }
 * ```
 */
export class LineOnlyReceiver<
  Tr extends ITransport = ITransport,
  F extends IProtocolFactory = IProtocolFactory,
> extends Protocol<Tr, F> {
  /** The longest line accepted, in bytes, not counting the delimiter. Default 16384. */
  MAX_LENGTH = 16384;

  #delimiter: Buffer = CRLF;
  readonly #acc = new ByteAccumulator();

  /** The bytes that end a line; `\r\n` by default. */
  get delimiter(): Uint8Array {
    return this.#delimiter;
  }

  /**
   * Sets the line delimiter, as bytes or as a string (UTF-8 encoded); a private copy is kept.
   *
   * @throws RangeError when it is empty.
   */
  set delimiter(value: Uint8Array | string) {
    this.#delimiter = delimiterBytes(value);
  }

  /** Splits `data` into lines and calls {@link lineReceived} for each. */
  override dataReceived(data: Uint8Array): void {
    const delim = this.#delimiter;
    const dlen = delim.length;
    const acc = this.#acc;
    const chunk = asBuffer(data);
    let pos = 0;
    if (acc.len > 0) {
      // A line was left unfinished by the previous chunk: it may end in this one.
      const end = findAcross(acc, chunk, delim);
      if (end < 0) {
        acc.append(chunk);
        if (acc.len >= this.MAX_LENGTH + dlen) this.lineLengthExceeded(acc.take());
        return;
      }
      let line: Buffer;
      if (end >= dlen) {
        acc.append(chunk, 0, end - dlen);
        line = acc.take();
      } else {
        const lineLength = acc.len + end - dlen;
        line = acc.take().subarray(0, lineLength);
      }
      if (this.transport?.disconnecting) return;
      if (line.length > this.MAX_LENGTH) {
        this.lineLengthExceeded(line);
        return;
      }
      this.lineReceived(line);
      pos = end;
    }
    const one = dlen === 1 ? delim[0]! : -1;
    const max = this.MAX_LENGTH;
    const n = chunk.length;
    while (pos < n) {
      const i = one >= 0 ? chunk.indexOf(one, pos) : chunk.indexOf(delim, pos);
      if (i < 0) break;
      if (this.transport?.disconnecting) return;
      if (i - pos > max) {
        this.lineLengthExceeded(chunk.subarray(pos, i));
        return;
      }
      const line = chunk.subarray(pos, i);
      pos = i + dlen;
      this.lineReceived(line);
    }
    if (pos < n) {
      if (n - pos >= max + dlen) {
        this.lineLengthExceeded(chunk.subarray(pos));
      } else {
        acc.keep(pos === 0 ? chunk : chunk.subarray(pos));
      }
    }
  }

  /**
   * A complete line arrived, without its delimiter. Override it; the default discards the line.
   *
   * @param line - a view that stays valid: it may be kept without copying.
   */
  lineReceived(_line: Uint8Array): void {}

  /**
   * Sends `line` followed by the delimiter, as one coalesced write. A string is UTF-8 encoded.
   *
   * @throws InvalidStateError when the protocol has no transport yet.
   */
  sendLine(line: Uint8Array | string): void {
    const t = this.transport;
    if (t === null) throw new InvalidStateError("sendLine() called before makeConnection()");
    writeLine(t, line, this.#delimiter);
  }

  /**
   * A line was too long (see the class notes). The default closes the connection with
   * `transport.loseConnection()`. Override it to answer with an error first, or to abort.
   *
   * @param line - the offending line, or the unfinished bytes held when no delimiter came.
   */
  lineLengthExceeded(_line: Uint8Array): void {
    this.transport?.loseConnection();
  }
}
