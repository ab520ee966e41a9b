/**
 * `NetstringReceiver`: D. J. Bernstein's netstrings (`<length>:<bytes>,`), e.g. `5:hello,`.
 *
 * See https://cr.yp.to/proto/netstrings.txt. The length is decimal ASCII without leading zeros
 * (`0:,` is the empty string), and the payload is followed by a comma.
 *
 * @module
 */

import { InvalidStateError, NetstringParseError } from "../../errors/errors.js";
import type { IProtocolFactory, ITransport } from "../../protocol/interfaces.js";
import { Protocol } from "../../protocol/protocol.js";
import { asBuffer } from "./bytes.js";

const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;
const COMMA_BYTES = Buffer.from(",");

/** Parser states: reading the length, the payload, or the comma after it. */
const LENGTH = 0;
const PAYLOAD = 1;
const TRAILER = 2;
type State = typeof LENGTH | typeof PAYLOAD | typeof TRAILER;

/**
 * A protocol that sends and receives netstrings.
 *
 * Each payload is passed to {@link stringReceived}: a view on the chunk the transport delivered
 * when the whole netstring was in it, a fresh buffer otherwise; either way it stays valid.
 *
 * Security: a length above {@link MAX_LENGTH} is refused as soon as its digits show it (before
 * any payload is buffered), so at most `MAX_LENGTH` payload bytes are ever held. Malformed input
 * (no length, a leading zero, a non-digit, a length above `MAX_LENGTH`, no comma after the
 * payload) sets {@link brokenPeer} and calls {@link netstringParseError}, which closes the
 * connection by default; every byte received afterwards is ignored. Nothing is delivered once
 * the transport is disconnecting.
 *
 * @example
 * ```ts
 * class NetstringEcho extends NetstringReceiver {
 *   override stringReceived(s: Uint8Array): void {
 *     this.sendString(s); // "5:hello," comes back as "5:hello,"
 *   }
 * }
 * ```
 */
export class NetstringReceiver<
  Tr extends ITransport = ITransport,
  F extends IProtocolFactory = IProtocolFactory,
> extends Protocol<Tr, F> {
  /** The longest payload accepted, in bytes. Default 99999. */
  MAX_LENGTH = 99999;

  /** Set when the peer sent a malformed netstring; received bytes are ignored from then on. */
  brokenPeer = false;

  #state: State = LENGTH;
  /** The length read so far, and how many digits it had. */
  #length = 0;
  #digits = 0;
  /** The payload of a netstring that spans chunks, and how much of it has arrived. */
  #payload: Buffer | null = null;
  #filled = 0;

  /** Parses `data` and calls {@link stringReceived} for each complete netstring. */
  override dataReceived(data: Uint8Array): void {
    if (this.brokenPeer) return;
    const buf = asBuffer(data);
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      if (this.transport?.disconnecting) return;
      switch (this.#state) {
        case LENGTH: {
          const c = buf[pos++]!;
          if (c >= ZERO && c <= NINE) {
            if (this.#digits > 0 && this.#length === 0) {
              this.#fail("The length of a netstring has a leading zero");
              return;
            }
            this.#length = this.#length * 10 + (c - ZERO);
            this.#digits++;
            if (this.#length > this.MAX_LENGTH) {
              this.#fail(`The netstring is longer than MAX_LENGTH (${this.MAX_LENGTH})`);
              return;
            }
          } else if (c === COLON && this.#digits > 0) {
            const length = this.#length;
            this.#length = 0;
            this.#digits = 0;
            if (n - pos > length) {
              // The whole payload and the byte after it are here: no copy.
              if (buf[pos + length] !== COMMA) {
                this.#fail("The netstring is not terminated by a comma");
                return;
              }
              const s = buf.subarray(pos, pos + length);
              pos += length + 1;
              this.stringReceived(s);
            } else if (length === 0) {
              this.#state = TRAILER;
            } else {
              this.#payload = Buffer.allocUnsafe(length);
              this.#filled = 0;
              this.#state = PAYLOAD;
            }
          } else {
            this.#fail(
              this.#digits === 0
                ? "The netstring does not start with a length"
                : "The length of a netstring is not followed by a colon",
            );
            return;
          }
          break;
        }
        case PAYLOAD: {
          const payload = this.#payload!;
          const take = Math.min(payload.length - this.#filled, n - pos);
          buf.copy(payload, this.#filled, pos, pos + take);
          this.#filled += take;
          pos += take;
          if (this.#filled === payload.length) this.#state = TRAILER;
          break;
        }
        case TRAILER: {
          if (buf[pos++] !== COMMA) {
            this.#fail("The netstring is not terminated by a comma");
            return;
          }
          const s = this.#payload ?? buf.subarray(0, 0);
          this.#payload = null;
          this.#filled = 0;
          this.#state = LENGTH;
          this.stringReceived(s);
          break;
        }
      }
    }
  }

  #fail(message: string): void {
    this.brokenPeer = true;
    this.#payload = null;
    this.netstringParseError(new NetstringParseError(message));
  }

  /**
   * A complete netstring arrived. Override it; the default discards the payload.
   *
   * @param s - the payload, without the framing; a view that stays valid.
   */
  stringReceived(_s: Uint8Array): void {}

  /**
   * Sends `s` as a netstring (`<length>:<s>,`), as one coalesced write.
   *
   * @throws InvalidStateError when the protocol has no transport yet.
   */
  sendString(s: Uint8Array): void {
    const t = this.transport;
    if (t === null) throw new InvalidStateError("sendString() called before makeConnection()");
    t.writeSequence([Buffer.from(`${s.length}:`, "latin1"), s, COMMA_BYTES]);
  }

  /**
   * The peer sent a malformed netstring ({@link brokenPeer} is already set). The default
   * closes the connection with `transport.loseConnection()`, as Twisted does.
   *
   * @param _error - says what was wrong.
   */
  netstringParseError(_error: NetstringParseError): void {
    this.transport?.loseConnection();
  }
}
