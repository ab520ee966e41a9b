/**
 * `LineReceiver`: the line protocol with a raw mode and pausing, the base of line-oriented
 * protocols whose messages carry bodies (HTTP, SMTP's DATA, POP, IRC with DCC…).
 *
 * Pausing design: the protocol is itself a push producer. `pauseProducing()` sets the public
 * {@link LineReceiver.paused} flag and pauses the transport; while the flag is set no line or raw
 * data is delivered, and what arrives is buffered. `resumeProducing()` clears the flag, resumes
 * the transport and delivers what was buffered, in order. A transport cannot tell its protocol
 * that it was paused, so a `lineReceived` that wants the next line held back calls
 * `this.pauseProducing()` (or sets `this.paused = true`), not `this.transport.pauseProducing()`
 * (which only stops further reads: lines already received would still be delivered). Because it
 * is a push producer, a `LineReceiver` can also be registered as the producer of another
 * consumer (a proxy pausing its upstream when the downstream is full).
 *
 * @module
 */

import { InvalidStateError } from "../../errors/errors.js";
import type { IPushProducer } from "../../producers/interfaces.js";
import type { IProtocolFactory, ITransport } from "../../protocol/interfaces.js";
import { Protocol } from "../../protocol/protocol.js";
import { asBuffer, ByteAccumulator, delimiterBytes, EMPTY, findAcross } from "./bytes.js";
import { writeLine } from "./framing.js";

const CRLF = Buffer.from("\r\n");

/**
 * A protocol that receives lines, or raw data, depending on its mode.
 *
 * In line mode (the start), each line is passed to {@link lineReceived} without its
 * {@link delimiter}. After {@link setRawMode}, every byte goes to {@link rawDataReceived}, as it
 * arrives; {@link setLineMode} switches back. Switching to raw mode from inside `lineReceived`
 * delivers the rest of the current chunk as raw data; `setLineMode(extra)` from inside
 * `rawDataReceived` parses `extra` (the bytes after the body) for lines.
 *
 * A line is a view on the chunk the transport delivered (which the transport never reuses) or a
 * fresh buffer when the line spans chunks: it stays valid and unchanged, so it may be kept.
 *
 * Limits: a line longer than {@link MAX_LENGTH} bytes, or `MAX_LENGTH + delimiter.length` bytes
 * with no delimiter, goes to {@link lineLengthExceeded} with everything buffered from its start;
 * the default closes the connection. Once the transport is disconnecting, nothing more is
 * delivered and received bytes are dropped.
 *
 * Re-entrancy: `dataReceived` (and `setLineMode(extra)`) called from inside a callback queues
 * the bytes after those being parsed; they are parsed when the current ones are done, without
 * recursion. {@link clearLineBuffer} may be called from any callback.
 *
 * Subclasses set `delimiter` in their constructor (it is an accessor, so it cannot be redeclared
 * as a field); `MAX_LENGTH` can be overridden as a field.
 *
 * @example
 * ```ts
 * // "SIZE n" announces n raw bytes, which are echoed back; other lines are echoed too.
 * class Sized extends LineReceiver {
 *   #remaining = 0;
 *   override lineReceived(line: Uint8Array): void {
 *     const text = Buffer.from(line).toString("latin1");
 *     if (text.startsWith("SIZE ")) {
 *       this.#remaining = Number(text.slice(5));
 *       this.setRawMode();
 *     } else {
 *       this.sendLine(line);
 *     }
 *   }
 *   override rawDataReceived(data: Uint8Array): void {
 *     const body = data.subarray(0, this.#remaining);
 *     this.#remaining -= body.length;
 *     this.transport!.write(body);
 *     if (this.#remaining === 0) this.setLineMode(data.subarray(body.length));
 *   }
 * }
 * ```
 */
export class LineReceiver<
    Tr extends ITransport = ITransport,
    F extends IProtocolFactory = IProtocolFactory,
  >
  extends Protocol<Tr, F>
  implements IPushProducer
{
  /** The longest line accepted, in bytes, not counting the delimiter. Default 16384. */
  MAX_LENGTH = 16384;

  /**
   * While `true`, no line or raw data is delivered: received bytes are buffered until
   * {@link resumeProducing}. Set by {@link pauseProducing} and {@link stopProducing}.
   */
  paused = false;

  #delimiter: Buffer = CRLF;
  #lineMode = true;
  /** Inside dataReceived: re-entrant calls queue their bytes. */
  #busy = false;
  /** Unparsed bytes when not busy; during parsing, only transiently. */
  readonly #acc = new ByteAccumulator();
  /** Whether `#acc` is known to hold no complete delimiter (the seam search may be used). */
  #accScanned = true;
  /** The chunk being parsed and the parse position in it (fields: callbacks may change them). */
  #work: Buffer = EMPTY;
  #pos = 0;
  /** Bytes given to re-entrant dataReceived calls, parsed after `#work`. */
  #queue: Buffer[] | null = null;
  #queued = 0;

  /** The bytes that end a line; `\r\n` by default. */
  get delimiter(): Uint8Array {
    return this.#delimiter;
  }

  /**
   * Sets the line delimiter, as bytes or as a string (UTF-8 encoded); a private copy is kept.
   * It may be changed at any time, from a callback too: the next line is split with it.
   *
   * @throws RangeError when it is empty.
   */
  set delimiter(value: Uint8Array | string) {
    this.#delimiter = delimiterBytes(value);
    this.#accScanned = false;
  }

  /** Whether the protocol is in line mode (`true`, the start) or raw mode. */
  get lineMode(): boolean {
    return this.#lineMode;
  }

  /** Parses `data` into lines (or raw data) and delivers them, unless paused. */
  override dataReceived(data: Uint8Array): void {
    if (this.#busy) {
      if (data.length > 0) {
        if (this.#queue === null) this.#queue = [];
        this.#queue.push(asBuffer(data));
      }
      return;
    }
    this.#busy = true;
    try {
      this.#feed(asBuffer(data));
      for (;;) {
        this.#keepTail();
        const queue = this.#queue;
        if (queue === null || this.#queued >= queue.length) break;
        this.#feed(queue[this.#queued++]!);
      }
      this.#queue = null;
      this.#queued = 0;
    } finally {
      this.#busy = false;
      // Only after a callback threw: keep what was not parsed yet.
      if (this.#pos < this.#work.length || this.#queue !== null) this.#keepRest();
    }
  }

  /** Parses one chunk, after whatever `#acc` holds. */
  #feed(chunk: Buffer): void {
    if (this.transport?.disconnecting) {
      this.#dropAll();
      return;
    }
    const acc = this.#acc;
    if (this.paused) {
      // Held for the resume; appending (amortised) avoids re-copying what is already held.
      if (chunk.length > 0) {
        acc.append(chunk);
        this.#accScanned = false;
      }
      return;
    }
    if (acc.len === 0) {
      this.#work = chunk;
      this.#pos = 0;
    } else if (!this.#lineMode || !this.#accScanned) {
      acc.append(chunk);
      this.#work = acc.take();
      this.#pos = 0;
    } else {
      // The held bytes are an unfinished line: look for its end across the seam.
      const delim = this.#delimiter;
      const dlen = delim.length;
      const end = findAcross(acc, chunk, delim);
      if (end < 0) {
        acc.append(chunk);
        if (acc.len >= this.MAX_LENGTH + dlen) this.lineLengthExceeded(acc.take());
        return;
      }
      const lineLength = acc.len + end - dlen;
      if (lineLength > this.MAX_LENGTH) {
        acc.append(chunk);
        this.lineLengthExceeded(acc.take());
        return;
      }
      let line: Buffer;
      if (end >= dlen) {
        acc.append(chunk, 0, end - dlen);
        line = acc.take();
      } else {
        line = acc.take().subarray(0, lineLength);
      }
      this.#work = chunk;
      this.#pos = end;
      this.lineReceived(line);
    }
    this.#parse();
  }

  /** Delivers lines or raw data from `#work` at `#pos` until done, paused or disconnecting. */
  #parse(): void {
    for (;;) {
      const work = this.#work;
      const pos = this.#pos;
      if (pos >= work.length || this.paused) return;
      if (this.transport?.disconnecting) {
        this.#dropAll();
        return;
      }
      if (!this.#lineMode) {
        this.#pos = work.length;
        this.rawDataReceived(pos === 0 ? work : work.subarray(pos));
        continue;
      }
      const delim = this.#delimiter;
      const i = delim.length === 1 ? work.indexOf(delim[0]!, pos) : work.indexOf(delim, pos);
      if (i < 0) return;
      if (i - pos > this.MAX_LENGTH) {
        this.#pos = work.length;
        this.lineLengthExceeded(work.subarray(pos));
        continue;
      }
      this.#pos = i + delim.length;
      this.lineReceived(work.subarray(pos, i));
    }
  }

  /** Moves the unparsed end of `#work` into `#acc` (which is empty at this point). */
  #keepTail(): void {
    const work = this.#work;
    const pos = this.#pos;
    this.#work = EMPTY;
    this.#pos = 0;
    if (pos >= work.length) return;
    const acc = this.#acc;
    acc.keep(pos === 0 ? work : work.subarray(pos));
    // Left over in line mode and not paused: the parse found no delimiter in it.
    this.#accScanned = this.#lineMode && !this.paused;
    if (this.#accScanned && acc.len >= this.MAX_LENGTH + this.#delimiter.length) {
      this.lineLengthExceeded(acc.take());
    }
  }

  /** After a callback threw: keeps the unparsed bytes, in order, for the next call. */
  #keepRest(): void {
    const acc = this.#acc;
    if (this.#pos < this.#work.length) acc.append(this.#work, this.#pos);
    this.#work = EMPTY;
    this.#pos = 0;
    const queue = this.#queue;
    if (queue !== null) {
      for (let i = this.#queued; i < queue.length; i++) acc.append(queue[i]!);
    }
    this.#queue = null;
    this.#queued = 0;
    this.#accScanned = false;
  }

  #dropAll(): void {
    this.#work = EMPTY;
    this.#pos = 0;
    if (this.#queue !== null) this.#queued = this.#queue.length;
    this.#acc.clear();
  }

  /**
   * Forgets every byte received and not yet delivered, and returns them (what follows the
   * current line when called from `lineReceived`).
   */
  clearLineBuffer(): Uint8Array {
    const parts: Buffer[] = [];
    if (this.#acc.len > 0) parts.push(this.#acc.take());
    if (this.#pos < this.#work.length) parts.push(this.#work.subarray(this.#pos));
    this.#work = EMPTY;
    this.#pos = 0;
    const queue = this.#queue;
    if (queue !== null) {
      for (let i = this.#queued; i < queue.length; i++) parts.push(queue[i]!);
      this.#queued = queue.length;
    }
    this.#accScanned = true;
    if (parts.length === 0) return EMPTY;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Switches to line mode. Given `extra` (from `rawDataReceived`: the bytes after the raw part),
   * parses it for lines before anything received later.
   */
  setLineMode(extra?: Uint8Array): void {
    this.#lineMode = true;
    if (extra !== undefined && extra.length > 0) this.dataReceived(extra);
  }

  /** Switches to raw mode: every byte received from now on goes to {@link rawDataReceived}. */
  setRawMode(): void {
    this.#lineMode = false;
  }

  /**
   * A complete line arrived, without its delimiter. Override it; the default discards the line.
   *
   * @param line - a view that stays valid: it may be kept without copying.
   */
  lineReceived(_line: Uint8Array): void {}

  /**
   * Bytes arrived in raw mode. Override it; the default discards them.
   *
   * @param data - a view that stays valid, like a line.
   */
  rawDataReceived(_data: Uint8Array): void {}

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
   * `transport.loseConnection()`.
   *
   * @param line - everything that was buffered from the start of the offending line: it may
   *   hold more than one line, or only the start of one. It is no longer buffered; an override
   *   may hand part of it back with `setLineMode(rest)`.
   */
  lineLengthExceeded(_line: Uint8Array): void {
    this.transport?.loseConnection();
  }

  /** Stops delivering lines and pauses the transport (see the module notes). */
  pauseProducing(): void {
    this.paused = true;
    this.transport?.pauseProducing();
  }

  /** Resumes the transport and delivers what was buffered while paused. */
  resumeProducing(): void {
    this.paused = false;
    this.transport?.resumeProducing();
    this.dataReceived(EMPTY);
  }

  /** Stops delivering for good and stops the transport's producing. */
  stopProducing(): void {
    this.paused = true;
    this.transport?.stopProducing();
  }
}
