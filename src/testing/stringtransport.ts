/**
 * `StringTransport` and `StringTransportWithDisconnection`: transports that record what a
 * protocol does to them, for unit tests of protocols.
 *
 * A test connects a protocol to a `StringTransport`, feeds it bytes with `dataReceived`, and
 * reads back what it wrote with `value()` / `valueText()`. Nothing is sent anywhere and nothing
 * happens by itself: closing, producers and TCP options are only recorded, for the test to check.
 *
 * @module
 */

import { ConnectionAborted, ConnectionDone, InvalidStateError } from "../errors/errors.js";
import { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import type { IPullProducer, IPushProducer } from "../producers/interfaces.js";
import { checkWriteBufferLimits, type WriteBufferLimits } from "../producers/registration.js";
import { type Address, IPv4Address } from "../protocol/address.js";
import type { IProtocol, ITCPTransport } from "../protocol/interfaces.js";

const log = new Logger("braid.testing");

// Shared with the real transports; re-exported here, where test code has always found them.
export {
  checkWriteBufferLimits,
  DEFAULT_HIGH_WATER,
  type WriteBufferLimits,
} from "../producers/registration.js";

/** The state of a transport seen as a push producer of what it reads. */
export type ProducerState = "producing" | "paused" | "stopped";

/** Options of a {@link StringTransport}. */
export interface StringTransportOptions {
  /** What `getHost()` returns (default `127.0.0.1:8000` over TCP). */
  hostAddress?: Address;
  /** What `getPeer()` returns (default `127.0.0.2:54321` over TCP). */
  peerAddress?: Address;
}

/**
 * Throws a TypeError unless `data` is a `Uint8Array` (a `Buffer` is one); a string written to a
 * transport is a protocol bug that a test should catch at once.
 *
 * @internal
 */
export function checkBytes(data: unknown, where: string): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    const kind = data === null ? "null" : typeof data;
    throw new TypeError(`${where} takes a Uint8Array, not ${kind}: encode strings first`);
  }
}

/**
 * An {@link ITCPTransport} that records everything: the bytes written, whether and how the
 * connection was closed, the producer registered, the TCP options set.
 *
 * It does not call the protocol back: `loseConnection()` only sets {@link disconnecting} (use
 * {@link StringTransportWithDisconnection} to have it deliver `connectionLost`), and a pull
 * producer is not asked for data (the test calls its `resumeProducing`). Written chunks are
 * copied, so a protocol reusing its buffer does not change what was recorded.
 *
 * @example
 * ```ts
 * const proto = new Echo();
 * const transport = new StringTransport();
 * proto.makeConnection(transport);
 * proto.dataReceived(new TextEncoder().encode("hello"));
 * assert.equal(transport.valueText(), "hello");
 * ```
 */
export class StringTransport implements ITCPTransport {
  /** `true` once `loseConnection()` (or `abortConnection()`) was called. */
  disconnecting = false;
  /** `true` once `abortConnection()` was called. */
  aborted = false;
  /** `true` once `loseWriteConnection()` was called. */
  writeClosed = false;
  /** The registered producer, or `null`. */
  producer: IPushProducer | IPullProducer | null = null;
  /** Whether the registered producer is a push producer; `null` when none is registered. */
  streaming: boolean | null = null;
  /**
   * This transport as a producer of what it reads: `"paused"` after `pauseProducing()`,
   * `"producing"` after `resumeProducing()`, `"stopped"` after `stopProducing()`.
   */
  producerState: ProducerState = "producing";
  /** What `getHost()` returns; may be reassigned. */
  hostAddress: Address;
  /** What `getPeer()` returns; may be reassigned. */
  peerAddress: Address;
  /** The last value given to `setTcpNoDelay` (Braid's default is on). */
  noDelay = true;
  /** The last value given to `setTcpKeepAlive`. */
  keepAlive = false;
  /** The initial delay given with the last `setTcpKeepAlive`, if any. */
  keepAliveDelay: number | undefined = undefined;
  /** The marks set by `setWriteBufferLimits` (defaults 64 KiB and 16 KiB). */
  writeBufferLimits: WriteBufferLimits = checkWriteBufferLimits();

  private _chunks: Uint8Array[] = [];
  private _value: Uint8Array | null = null;

  constructor(options: StringTransportOptions = {}) {
    this.hostAddress = options.hostAddress ?? new IPv4Address("TCP", "127.0.0.1", 8000);
    this.peerAddress = options.peerAddress ?? new IPv4Address("TCP", "127.0.0.2", 54321);
  }

  // --- what was written ---------------------------------------------------------------------

  /** The chunks written since the last {@link clear}, one per `write` (copies), oldest first. */
  get io(): readonly Uint8Array[] {
    return this._chunks;
  }

  /** All bytes written since the last {@link clear}, concatenated. */
  value(): Uint8Array {
    if (this._value === null) this._value = concatBytes(this._chunks);
    return this._value;
  }

  /** {@link value} decoded as text (`encoding` as `TextDecoder` names it; default UTF-8). */
  valueText(encoding = "utf-8"): string {
    return new TextDecoder(encoding).decode(this.value());
  }

  /** Forgets what was written so far. */
  clear(): void {
    this._chunks = [];
    this._value = null;
  }

  // --- ITransport ---------------------------------------------------------------------------

  /**
   * Records `data` (a copy), even after `loseConnection()`.
   *
   * @throws TypeError when `data` is not a `Uint8Array`.
   */
  write(data: Uint8Array): void {
    checkBytes(data, "StringTransport.write");
    this._chunks.push(data.slice());
    this._value = null;
  }

  /**
   * Records each chunk in turn.
   *
   * @throws TypeError when a chunk is not a `Uint8Array` (the chunks before it are recorded).
   */
  writeSequence(data: Iterable<Uint8Array>): void {
    for (const chunk of data) {
      checkBytes(chunk, "StringTransport.writeSequence");
      this._chunks.push(chunk.slice());
    }
    this._value = null;
  }

  /** Sets {@link disconnecting}; nothing else happens. */
  loseConnection(): void {
    this.disconnecting = true;
  }

  /** Sets {@link aborted} and {@link disconnecting}; nothing else happens. */
  abortConnection(): void {
    this.aborted = true;
    this.loseConnection();
  }

  /** {@link peerAddress}. */
  getPeer(): Address {
    return this.peerAddress;
  }

  /** {@link hostAddress}. */
  getHost(): Address {
    return this.hostAddress;
  }

  /** Always 0: nothing is ever queued. */
  getWriteBufferSize(): number {
    return 0;
  }

  /**
   * Records the marks in {@link writeBufferLimits}.
   *
   * @throws RangeError when `low > high` or either is negative.
   */
  setWriteBufferLimits(high?: number, low?: number): void {
    this.writeBufferLimits = checkWriteBufferLimits(high, low);
  }

  // --- IConsumer ----------------------------------------------------------------------------

  /**
   * Records `producer` in {@link producer} and {@link streaming}. A pull producer is not asked
   * for data: the test drives it.
   *
   * @throws InvalidStateError when a producer is already registered.
   */
  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null) {
      throw new InvalidStateError("StringTransport already has a producer registered");
    }
    this.producer = producer;
    this.streaming = streaming;
  }

  /** Forgets the producer; a no-op when none is registered. */
  unregisterProducer(): void {
    this.producer = null;
    this.streaming = null;
  }

  // --- IPushProducer (the reading side) -----------------------------------------------------

  /**
   * Records `"paused"` in {@link producerState}.
   *
   * @throws InvalidStateError after `stopProducing()`: pausing a stopped transport is a bug.
   */
  pauseProducing(): void {
    this._checkNotStopped("pause");
    this.producerState = "paused";
  }

  /**
   * Records `"producing"` in {@link producerState}.
   *
   * @throws InvalidStateError after `stopProducing()`: resuming a stopped transport is a bug.
   */
  resumeProducing(): void {
    this._checkNotStopped("resume");
    this.producerState = "producing";
  }

  /** Records `"stopped"` in {@link producerState}. */
  stopProducing(): void {
    this.producerState = "stopped";
  }

  private _checkNotStopped(what: string): void {
    if (this.producerState === "stopped") {
      throw new InvalidStateError(`Cannot ${what} a transport whose producing was stopped`);
    }
  }

  // --- ITCPTransport ------------------------------------------------------------------------

  /** Records the value in {@link noDelay}. */
  setTcpNoDelay(enabled: boolean): void {
    this.noDelay = enabled;
  }

  /** {@link noDelay}. */
  getTcpNoDelay(): boolean {
    return this.noDelay;
  }

  /** Records the values in {@link keepAlive} and {@link keepAliveDelay}. */
  setTcpKeepAlive(enabled: boolean, initialDelaySeconds?: number): void {
    this.keepAlive = enabled;
    this.keepAliveDelay = initialDelaySeconds;
  }

  /** {@link keepAlive}. */
  getTcpKeepAlive(): boolean {
    return this.keepAlive;
  }

  /** Sets {@link writeClosed}; nothing else happens. */
  loseWriteConnection(): void {
    this.writeClosed = true;
  }
}

/**
 * A {@link StringTransport} whose `loseConnection()` and `abortConnection()` deliver
 * `connectionLost` to {@link protocol} at once (once): the registered producer is stopped
 * first, then the protocol gets `ConnectionDone` (or `ConnectionAborted` after an abort).
 *
 * @example
 * ```ts
 * const proto = new QuitOnBye();
 * const transport = new StringTransportWithDisconnection();
 * transport.protocol = proto;
 * proto.makeConnection(transport);
 * proto.dataReceived(new TextEncoder().encode("bye\r\n"));
 * assert.equal(transport.connected, false); // proto.connectionLost has run
 * ```
 */
export class StringTransportWithDisconnection extends StringTransport {
  /** The protocol told about the disconnection; set it before closing. */
  protocol: IProtocol | null = null;
  /** `false` once `connectionLost` was delivered. */
  connected = true;

  /**
   * Sets {@link disconnecting}, stops the producer and calls `protocol.connectionLost` with
   * `ConnectionDone`, the first time only.
   */
  override loseConnection(): void {
    this._lose(new ConnectionDone());
  }

  /** Like {@link loseConnection}, with `ConnectionAborted`. */
  override abortConnection(): void {
    this.aborted = true;
    this._lose(new ConnectionAborted());
  }

  private _lose(reason: Error): void {
    this.disconnecting = true;
    if (!this.connected) return;
    this.connected = false;
    const producer = this.producer;
    if (producer !== null) {
      this.unregisterProducer();
      try {
        producer.stopProducing();
      } catch (e) {
        log.failure("Error in stopProducing of a producer", e, undefined, "error");
      }
    }
    this.protocol?.connectionLost(new Failure(reason));
  }
}

/**
 * `chunks` concatenated into one new array (the only chunk itself when there is one).
 *
 * @internal
 */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
