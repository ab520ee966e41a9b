/**
 * Length-prefixed strings: each message is a big-endian unsigned length of 1, 2 or 4 bytes
 * followed by that many bytes. `Int8StringReceiver`, `Int16StringReceiver` and
 * `Int32StringReceiver` share one implementation, {@link IntNStringReceiver}.
 *
 * @module
 */

import { InvalidStateError, StringTooLongError } from "../../errors/errors.js";
import type { IPushProducer } from "../../producers/interfaces.js";
import type { IProtocolFactory, ITransport } from "../../protocol/interfaces.js";
import { Protocol } from "../../protocol/protocol.js";
import { asBuffer, ByteAccumulator, EMPTY } from "./bytes.js";

/**
 * The shared implementation of length-prefixed string protocols; use one of its three
 * subclasses, which fix {@link prefixLength}.
 *
 * Each string is passed to {@link stringReceived}: a view on the chunk the transport delivered
 * when the whole message was in it, a fresh buffer otherwise; either way it stays valid.
 *
 * Limits: a length prefix above {@link MAX_LENGTH} calls {@link lengthLimitExceeded} before any
 * of the string is buffered (the default closes the connection); the stream cannot be followed
 * after that, so every byte received afterwards is ignored. At most `MAX_LENGTH` bytes of a
 * string are ever held. Nothing is delivered once the transport is disconnecting.
 *
 * Pausing works as in `LineReceiver`: `pauseProducing()` sets {@link paused} (and pauses the
 * transport) so no string is delivered until `resumeProducing()`, which delivers what was
 * buffered, in order.
 */
export abstract class IntNStringReceiver<
    Tr extends ITransport = ITransport,
    F extends IProtocolFactory = IProtocolFactory,
  >
  extends Protocol<Tr, F>
  implements IPushProducer
{
  /** The size of the length prefix, in bytes. */
  abstract readonly prefixLength: 1 | 2 | 4;

  /** The longest string accepted, in bytes. Default 99999. */
  MAX_LENGTH = 99999;

  /** While `true`, no string is delivered: received bytes are buffered until resumed. */
  paused = false;

  /** Prefix bytes read so far of a prefix that spans chunks, and their value. */
  #prefixRead = 0;
  #prefixValue = 0;
  /** The string of a message that spans chunks, and how much of it has arrived. */
  #body: Buffer | null = null;
  #filled = 0;
  /** Bytes received and not parsed yet (while paused, or from re-entrant calls). */
  readonly #held = new ByteAccumulator();
  #busy = false;
  #broken = false;

  /** Parses `data` and calls {@link stringReceived} for each complete string, unless paused. */
  override dataReceived(data: Uint8Array): void {
    if (this.#broken) return;
    const held = this.#held;
    if (this.#busy || this.paused) {
      held.append(asBuffer(data));
      return;
    }
    this.#busy = true;
    try {
      let work = asBuffer(data);
      if (held.len > 0) {
        held.append(work);
        work = held.take();
      }
      for (;;) {
        const pos = this.#parse(work);
        if (this.#broken) {
          held.clear();
          return;
        }
        if (pos < work.length) {
          // Paused: the rest of this chunk goes before anything queued meanwhile.
          const later = held.take();
          held.keep(work.subarray(pos));
          held.append(later);
          return;
        }
        if (held.len === 0 || this.paused) return;
        work = held.take();
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Parses `work` until it is used up or the protocol pauses; returns where it stopped. */
  #parse(work: Buffer): number {
    const n = work.length;
    const size = this.prefixLength;
    let pos = 0;
    while (pos < n) {
      if (this.paused) return pos;
      if (this.transport?.disconnecting) {
        this.#drop();
        return n;
      }
      const body = this.#body;
      if (body !== null) {
        const take = Math.min(body.length - this.#filled, n - pos);
        work.copy(body, this.#filled, pos, pos + take);
        this.#filled += take;
        pos += take;
        if (this.#filled < body.length) return pos;
        this.#body = null;
        this.#filled = 0;
        this.stringReceived(body);
        continue;
      }
      let length: number;
      if (this.#prefixRead === 0 && n - pos >= size) {
        length =
          size === 1 ? work[pos]! : size === 2 ? work.readUInt16BE(pos) : work.readUInt32BE(pos);
        pos += size;
      } else {
        while (this.#prefixRead < size && pos < n) {
          this.#prefixValue = this.#prefixValue * 256 + work[pos++]!;
          this.#prefixRead++;
        }
        if (this.#prefixRead < size) return pos;
        length = this.#prefixValue;
        this.#prefixRead = 0;
        this.#prefixValue = 0;
      }
      if (length > this.MAX_LENGTH) {
        this.#drop();
        this.#broken = true;
        this.lengthLimitExceeded(length);
        return n;
      }
      if (n - pos >= length) {
        const s = length === 0 ? EMPTY : work.subarray(pos, pos + length);
        pos += length;
        this.stringReceived(s);
      } else {
        this.#body = Buffer.allocUnsafe(length);
        this.#filled = 0;
      }
    }
    return pos;
  }

  #drop(): void {
    this.#body = null;
    this.#filled = 0;
    this.#prefixRead = 0;
    this.#prefixValue = 0;
    this.#held.clear();
  }

  /**
   * A complete string arrived. Override it; the default discards it.
   *
   * @param s - the string, without its prefix; a view that stays valid.
   */
  stringReceived(_s: Uint8Array): void {}

  /**
   * A length prefix above {@link MAX_LENGTH} arrived. The default closes the connection with
   * `transport.loseConnection()`. Bytes received afterwards are ignored.
   *
   * @param _length - the length the prefix announced.
   */
  lengthLimitExceeded(_length: number): void {
    this.transport?.loseConnection();
  }

  /**
   * Sends `s` with its length prefix, as one coalesced write.
   *
   * @throws StringTooLongError when `s` is longer than the prefix can describe
   *   (`2 ** (8 * prefixLength) - 1` bytes).
   * @throws InvalidStateError when the protocol has no transport yet.
   */
  sendString(s: Uint8Array): void {
    const size = this.prefixLength;
    const max = 2 ** (8 * size) - 1;
    if (s.length > max) throw new StringTooLongError(s.length, max);
    const t = this.transport;
    if (t === null) throw new InvalidStateError("sendString() called before makeConnection()");
    const prefix = Buffer.allocUnsafe(size);
    if (size === 1) prefix[0] = s.length;
    else if (size === 2) prefix.writeUInt16BE(s.length, 0);
    else prefix.writeUInt32BE(s.length, 0);
    t.writeSequence([prefix, s]);
  }

  /** Stops delivering strings and pauses the transport. */
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

/**
 * Strings prefixed by their length as one byte (at most 255 bytes).
 *
 * @example
 * ```ts
 * class Echo8 extends Int8StringReceiver {
 *   override stringReceived(s: Uint8Array): void {
 *     this.sendString(s); // [3, "a", "b", "c"] comes back unchanged
 *   }
 * }
 * ```
 */
export class Int8StringReceiver<
  Tr extends ITransport = ITransport,
  F extends IProtocolFactory = IProtocolFactory,
> extends IntNStringReceiver<Tr, F> {
  /** One byte of length prefix. */
  readonly prefixLength = 1 as const;
}

/**
 * Strings prefixed by their length as two big-endian bytes (at most 65535 bytes).
 *
 * @example
 * ```ts
 * class Echo16 extends Int16StringReceiver {
 *   override stringReceived(s: Uint8Array): void {
 *     this.sendString(s); // [0, 3, "a", "b", "c"] comes back unchanged
 *   }
 * }
 * ```
 */
export class Int16StringReceiver<
  Tr extends ITransport = ITransport,
  F extends IProtocolFactory = IProtocolFactory,
> extends IntNStringReceiver<Tr, F> {
  /** Two bytes of length prefix, big-endian. */
  readonly prefixLength = 2 as const;
}

/**
 * Strings prefixed by their length as four big-endian bytes (up to `MAX_LENGTH`, 99999 by
 * default; the prefix itself allows 2³² − 1).
 *
 * @example
 * ```ts
 * class Echo32 extends Int32StringReceiver {
 *   override stringReceived(s: Uint8Array): void {
 *     this.sendString(s); // [0, 0, 0, 3, "a", "b", "c"] comes back unchanged
 *   }
 * }
 * ```
 */
export class Int32StringReceiver<
  Tr extends ITransport = ITransport,
  F extends IProtocolFactory = IProtocolFactory,
> extends IntNStringReceiver<Tr, F> {
  /** Four bytes of length prefix, big-endian. */
  readonly prefixLength = 4 as const;
}
