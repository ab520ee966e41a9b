/**
 * `FakeTransport`: one end of an in-memory connection. It queues what its protocol writes, and an
 * `IOPump` (see `iosim.ts`) moves the bytes to the other end, delivers closes, and applies
 * backpressure as a real transport does.
 *
 * @module
 */

import { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import type { IPullProducer, IPushProducer } from "../producers/interfaces.js";
import { ProducerRegistration, type WriteBufferLimits } from "../producers/registration.js";
import type { Address } from "../protocol/address.js";
import type { IProtocol, ITCPTransport } from "../protocol/interfaces.js";
import { checkBytes, concatBytes } from "./stringtransport.js";

const log = new Logger("braid.testing");

/** Options of a {@link FakeTransport}. */
export interface FakeTransportOptions {
  /** What `getHost()` returns. */
  hostAddress: Address;
  /** What `getPeer()` returns. */
  peerAddress: Address;
}

/**
 * The transport of one side of an in-memory connection, driven by an `IOPump`.
 *
 * Writes are copied into an outgoing buffer that the pump empties into the peer. Flow control
 * is the real transports': a registered push producer is paused when the buffer exceeds the
 * high-water mark and resumed when the pump has drained it to the low-water mark; a pull producer
 * is asked for a chunk on registration and whenever the buffer is empty. `pauseProducing()`
 * (called by the protocol to stop reading) makes the pump hold back what the peer sends.
 * `loseConnection()` takes effect once the buffer is empty and the producer unregistered;
 * `abortConnection()` drops the buffer and takes effect at the next pump. Writes are queued until
 * the connection is lost, aborted or half-closed, and dropped after that.
 *
 * @example
 * ```ts
 * const { client, clientTransport, pump } = connectedServerAndClient(Echo, AccumulatingProtocol);
 * clientTransport.write(new TextEncoder().encode("ping"));
 * assert.equal(clientTransport.getWriteBufferSize(), 4);
 * pump.flush();
 * assert.equal(client.dataText(), "ping");
 * ```
 */
export class FakeTransport implements ITCPTransport {
  /** `true` after `loseConnection()`, `abortConnection()`, or once the connection is lost. */
  disconnecting = false;
  /** `true` after `abortConnection()`. */
  aborted = false;
  /** `true` after `loseWriteConnection()`. */
  writeDisconnecting = false;
  /** `true` once this side's write direction is closed (the peer was told). */
  writeDisconnected = false;
  /** `true` once the peer's write direction is closed (this side was told). */
  readDisconnected = false;
  /** `true` once `connectionLost` was delivered to {@link protocol}. */
  disconnected = false;
  /** `true` while the protocol has paused reading (`pauseProducing()`). */
  readPaused = false;
  /** What `getHost()` returns. */
  hostAddress: Address;
  /** What `getPeer()` returns. */
  peerAddress: Address;

  private _noDelay = true;
  private _keepAlive = false;
  /** The producer and the marks, paced as the real transports pace theirs. */
  private readonly _flow = new ProducerRegistration(log);
  private _out: Uint8Array[] = [];
  private _outSize = 0;

  constructor(
    /** The protocol this transport belongs to (it receives what the peer sends). */
    readonly protocol: IProtocol,
    /** Whether this is the accepting side. */
    readonly isServer: boolean,
    options: FakeTransportOptions,
  ) {
    this.hostAddress = options.hostAddress;
    this.peerAddress = options.peerAddress;
  }

  /** The marks set with {@link setWriteBufferLimits}. */
  get writeBufferLimits(): WriteBufferLimits {
    return { high: this._flow.high, low: this._flow.low };
  }

  /** The registered producer, or `null`. */
  get producer(): IPushProducer | IPullProducer | null {
    return this._flow.producer;
  }

  /** Whether the registered producer is a push producer; `null` when none is registered. */
  get streaming(): boolean | null {
    return this._flow.producer === null ? null : this._flow.streaming;
  }

  /** `true` while this transport holds its push producer paused (buffer above the high mark). */
  get producerPaused(): boolean {
    return this._flow.paused;
  }

  // --- ITransport ---------------------------------------------------------------------------

  /**
   * Queues a copy of `data` for the pump (also after `loseConnection()`, while the close waits
   * for the buffer and the producer); dropped once the connection is lost or aborted, or this
   * side's write direction is closed.
   *
   * @throws TypeError when `data` is not a `Uint8Array`.
   */
  write(data: Uint8Array): void {
    checkBytes(data, "FakeTransport.write");
    if (this.disconnected || this.aborted || this.writeDisconnected || data.length === 0) return;
    this._out.push(data.slice());
    this._outSize += data.length;
    this._flow.written(this._outSize);
  }

  /**
   * Queues each chunk in turn.
   *
   * @throws TypeError when a chunk is not a `Uint8Array` (the chunks before it are queued).
   */
  writeSequence(data: Iterable<Uint8Array>): void {
    for (const chunk of data) this.write(chunk);
  }

  /** Closes once the buffer is drained and the producer unregistered (at a later pump). */
  loseConnection(): void {
    this.disconnecting = true;
  }

  /** Drops the buffer; both sides lose the connection at the next pump. */
  abortConnection(): void {
    if (this.disconnected) return;
    this.aborted = true;
    this.disconnecting = true;
    this.discardOutgoing();
  }

  /** Half-closes once the buffer is drained and the producer unregistered (at a later pump). */
  loseWriteConnection(): void {
    this.writeDisconnecting = true;
  }

  /** {@link peerAddress}. */
  getPeer(): Address {
    return this.peerAddress;
  }

  /** {@link hostAddress}. */
  getHost(): Address {
    return this.hostAddress;
  }

  /** Bytes written and not yet moved by the pump. */
  getWriteBufferSize(): number {
    return this._outSize;
  }

  /**
   * Sets the flow-control marks (pausing or resuming the producer at once if needed).
   *
   * @throws RangeError when `low > high` or either is negative.
   */
  setWriteBufferLimits(high?: number, low?: number): void {
    this._flow.setLimits(high, low, this._outSize);
  }

  // --- IConsumer ----------------------------------------------------------------------------

  /**
   * Attaches `producer`. A pull producer is asked for a chunk at once. On a connection already
   * closed, the producer is stopped instead.
   *
   * @throws InvalidStateError when a producer is already registered.
   */
  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    this._flow.register(
      producer,
      streaming,
      this._outSize,
      this.disconnected || this.writeDisconnected,
      "this FakeTransport",
    );
  }

  /** Detaches the producer; a no-op when none is registered. */
  unregisterProducer(): void {
    this._flow.unregister();
  }

  // --- IPushProducer (the reading side) -----------------------------------------------------

  /** Stops the pump delivering to this side until {@link resumeProducing}. */
  pauseProducing(): void {
    this.readPaused = true;
  }

  /** Lets the pump deliver to this side again. */
  resumeProducing(): void {
    this.readPaused = false;
  }

  /** Nothing more is wanted from the peer: closes the connection. */
  stopProducing(): void {
    this.loseConnection();
  }

  // --- ITCPTransport ------------------------------------------------------------------------

  /** Records the option (no effect in memory). */
  setTcpNoDelay(enabled: boolean): void {
    this._noDelay = enabled;
  }

  /** The last value given to {@link setTcpNoDelay} (default `true`). */
  getTcpNoDelay(): boolean {
    return this._noDelay;
  }

  /** Records the option (no effect in memory). */
  setTcpKeepAlive(enabled: boolean, _initialDelaySeconds?: number): void {
    this._keepAlive = enabled;
  }

  /** The last value given to {@link setTcpKeepAlive} (default `false`). */
  getTcpKeepAlive(): boolean {
    return this._keepAlive;
  }

  // --- the pump's side ----------------------------------------------------------------------

  /** Whether the pump may deliver the peer's bytes to this side now. */
  isReading(): boolean {
    return !this.readPaused && !this.disconnecting && !this.readDisconnected;
  }

  /** Whether everything written has been moved and no producer is registered. */
  isFlushed(): boolean {
    return this._outSize === 0 && this.producer === null;
  }

  /** Removes and returns everything queued, as one array (`null` when nothing is queued). */
  takeOutgoing(): Uint8Array | null {
    if (this._outSize === 0) return null;
    const data = concatBytes(this._out);
    this._out = [];
    this._outSize = 0;
    return data;
  }

  /** Puts back at the front of the buffer what the pump could not deliver. */
  putBack(data: Uint8Array): void {
    if (data.length === 0) return;
    this._out.unshift(data);
    this._outSize += data.length;
  }

  /** Forgets everything queued. */
  discardOutgoing(): void {
    this._out = [];
    this._outSize = 0;
  }

  /** Asks a registered pull producer for a chunk when the buffer is empty. */
  askPullProducer(): void {
    if (!this.disconnected && !this._flow.streaming) this._flow.drained(this._outSize, true);
  }

  /** Resumes the push producer this transport paused, once the buffer is at the low mark. */
  maybeResumeProducer(): void {
    if (this._flow.streaming) this._flow.drained(this._outSize, false);
  }

  /**
   * Delivers the end of the connection to the protocol (once): drops the buffer, stops and
   * forgets the producer, then calls `protocol.connectionLost(new Failure(reason))`.
   */
  deliverConnectionLost(reason: Error): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.disconnecting = true;
    this.readPaused = false;
    this.discardOutgoing();
    this._flow.stop();
    this.protocol.connectionLost(new Failure(reason));
  }

  /** `FakeTransport<S,ProtocolName>` or `FakeTransport<C,…>`. */
  toString(): string {
    return `FakeTransport<${this.isServer ? "S" : "C"},${this.protocol.constructor.name}>`;
  }
}
