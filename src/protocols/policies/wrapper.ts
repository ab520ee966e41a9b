/**
 * `ProtocolWrapper` and `WrappingFactory`: the base of every policy in this folder.
 *
 * A policy (a rate limit, a connection limit, an idle timeout) has to sit between a transport
 * and a protocol it knows nothing about. `WrappingFactory` wraps any factory: each protocol the
 * wrapped factory builds is handed to a `ProtocolWrapper`, which the real transport talks to. The
 * wrapper forwards every event to the wrapped protocol and is, in turn, the wrapped protocol's
 * transport: everything the protocol writes, and every flow-control call it makes, goes through
 * the wrapper. A subclass overrides only the calls its policy cares about. Wrappers nest, so
 * policies compose (`new ThrottlingFactory(new TimeoutFactory(factory, …), …)`), and a wrapping
 * factory works with any endpoint, since it is just another `IProtocolFactory`.
 *
 * @module
 */

import type { Failure } from "../../errors/failure.js";
import type { IPullProducer, IPushProducer } from "../../producers/interfaces.js";
import type { Address } from "../../protocol/address.js";
import { ClientFactory } from "../../protocol/factory.js";
import {
  type IClientFactory,
  type IConnector,
  type IProtocol,
  type IProtocolFactory,
  type ITCPTransport,
  type ITransport,
  isHalfCloseable,
} from "../../protocol/interfaces.js";
import { Protocol } from "../../protocol/protocol.js";

/**
 * A protocol that wraps another: it forwards each event (`connectionMade`, `dataReceived`,
 * `connectionLost`, and the half-close events when the wrapped protocol has them) to
 * {@link wrappedProtocol}, and acts as that protocol's transport, forwarding each call to its own
 * transport. On its own it changes nothing; subclasses override what their policy needs.
 *
 * It registers itself with its factory in `connectionMade` and unregisters in `connectionLost`,
 * so the factory always knows its live connections. The wrapper is the transport the wrapped
 * protocol sees: `getPeer()`, `getHost()`, TCP options and flow control all pass through.
 *
 * @example
 * ```ts
 * // Counts the bytes a protocol receives, whatever the protocol is.
 * class Counting extends ProtocolWrapper {
 *   received = 0;
 *   override dataReceived(data: Uint8Array): void {
 *     this.received += data.length;
 *     super.dataReceived(data);
 *   }
 * }
 * class CountingFactory extends WrappingFactory {
 *   override wrapProtocol(p: IProtocol): ProtocolWrapper {
 *     return new Counting(this, p);
 *   }
 * }
 * await endpoint.listen(new CountingFactory(Factory.forProtocol(Echo)));
 * ```
 */
export class ProtocolWrapper<P extends IProtocol = IProtocol>
  extends Protocol<ITransport, WrappingFactory>
  implements ITCPTransport
{
  /** The protocol this wrapper forwards events to, and is the transport of. */
  readonly wrappedProtocol: P;

  /**
   * @param factory - the wrapping factory to register with (`null` for a wrapper used alone).
   * @param wrappedProtocol - the protocol to wrap. When it is half-closeable, the wrapper is too
   *   (it gets `readConnectionLost` / `writeConnectionLost` and forwards them); otherwise it is
   *   not, so the transport treats the pair as the wrapped protocol alone would be treated.
   */
  constructor(factory: WrappingFactory | null, wrappedProtocol: P) {
    super();
    this.factory = factory;
    this.wrappedProtocol = wrappedProtocol;
    if (isHalfCloseable(wrappedProtocol)) {
      const self = this as unknown as {
        readConnectionLost(): void;
        writeConnectionLost(): void;
      };
      self.readConnectionLost = () => wrappedProtocol.readConnectionLost();
      self.writeConnectionLost = () => wrappedProtocol.writeConnectionLost();
    }
  }

  /** Registers with the factory, then connects the wrapped protocol, with this wrapper as its transport. */
  override connectionMade(): void {
    this.factory?.registerProtocol(this);
    this.wrappedProtocol.makeConnection(this);
  }

  /** Forwards `data` to the wrapped protocol. */
  override dataReceived(data: Uint8Array): void {
    this.wrappedProtocol.dataReceived(data);
  }

  /** Unregisters from the factory, then tells the wrapped protocol. */
  override connectionLost(reason: Failure): void {
    this.factory?.unregisterProtocol(this);
    super.connectionLost(reason);
    this.wrappedProtocol.connectionLost(reason);
  }

  // --- the transport the wrapped protocol sees ----------------------------------------------

  /** The underlying transport's `disconnecting`. */
  get disconnecting(): boolean {
    return this.transport?.disconnecting ?? false;
  }

  /** Forwards to the underlying transport. */
  write(data: Uint8Array): void {
    this.transport?.write(data);
  }

  /** Forwards to the underlying transport. */
  writeSequence(data: Iterable<Uint8Array>): void {
    this.transport?.writeSequence(data);
  }

  /** Forwards to the underlying transport. */
  loseConnection(): void {
    this.transport?.loseConnection();
  }

  /** Forwards to the underlying transport. */
  abortConnection(): void {
    this.transport?.abortConnection();
  }

  /** The underlying transport's peer. */
  getPeer(): Address {
    return this.#t().getPeer();
  }

  /** The underlying transport's local address. */
  getHost(): Address {
    return this.#t().getHost();
  }

  /** The underlying transport's write buffer size (0 before the connection). */
  getWriteBufferSize(): number {
    return this.transport?.getWriteBufferSize() ?? 0;
  }

  /** Forwards to the underlying transport. */
  setWriteBufferLimits(high?: number, low?: number): void {
    this.#t().setWriteBufferLimits(high, low);
  }

  /** Forwards to the underlying transport. */
  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    this.#t().registerProducer(producer, streaming);
  }

  /** Forwards to the underlying transport. */
  unregisterProducer(): void {
    this.transport?.unregisterProducer();
  }

  /** Stops reading: forwards to the underlying transport. */
  pauseProducing(): void {
    this.transport?.pauseProducing();
  }

  /** Reads again: forwards to the underlying transport. */
  resumeProducing(): void {
    this.transport?.resumeProducing();
  }

  /** Forwards to the underlying transport. */
  stopProducing(): void {
    this.transport?.stopProducing();
  }

  /** Forwards to the underlying transport when it is a TCP transport; ignored otherwise. */
  setTcpNoDelay(enabled: boolean): void {
    this.#tcp()?.setTcpNoDelay?.(enabled);
  }

  /** The underlying transport's setting; `false` when it is not a TCP transport. */
  getTcpNoDelay(): boolean {
    return this.#tcp()?.getTcpNoDelay?.() ?? false;
  }

  /** Forwards to the underlying transport when it is a TCP transport; ignored otherwise. */
  setTcpKeepAlive(enabled: boolean, initialDelaySeconds?: number): void {
    this.#tcp()?.setTcpKeepAlive?.(enabled, initialDelaySeconds);
  }

  /** The underlying transport's setting; `false` when it is not a TCP transport. */
  getTcpKeepAlive(): boolean {
    return this.#tcp()?.getTcpKeepAlive?.() ?? false;
  }

  /** Half-closes the underlying transport; a transport that cannot half-close is closed. */
  loseWriteConnection(): void {
    const tcp = this.#tcp();
    if (tcp?.loseWriteConnection) tcp.loseWriteConnection();
    else this.loseConnection();
  }

  /** `ProtocolWrapper(<wrapped class name>)`. */
  override toString(): string {
    return `${this.constructor.name}(${this.wrappedProtocol.constructor.name})`;
  }

  #t(): ITransport {
    const t = this.transport;
    if (t === null) throw new TypeError(`${this.constructor.name} is not connected yet`);
    return t;
  }

  #tcp(): Partial<ITCPTransport> | null {
    return this.transport as Partial<ITCPTransport> | null;
  }
}

function isClientFactory(f: IProtocolFactory): f is IClientFactory {
  return typeof (f as Partial<IClientFactory>).clientConnectionFailed === "function";
}

/**
 * A factory that wraps another: {@link buildProtocol} asks the wrapped factory for a protocol
 * and wraps it with {@link wrapProtocol} (a plain {@link ProtocolWrapper} here). Starting and
 * stopping, and the client-side events (`startedConnecting`, `clientConnectionFailed`,
 * `clientConnectionLost`), are forwarded to the wrapped factory, so a wrapping factory can be
 * used to listen or to connect. {@link protocols} holds the live wrappers.
 *
 * @example
 * ```ts
 * const port = await serverFromString(reactor, "tcp:8000").listen(
 *   new WrappingFactory(Factory.forProtocol(Echo)),
 * );
 * ```
 */
export class WrappingFactory extends ClientFactory<ProtocolWrapper> {
  /** The factory whose protocols are wrapped. */
  readonly wrappedFactory: IProtocolFactory;
  /** The wrappers whose connection is up (registered in `connectionMade`). */
  readonly protocols = new Set<ProtocolWrapper>();

  constructor(wrappedFactory: IProtocolFactory) {
    super();
    this.wrappedFactory = wrappedFactory;
    // The wrapped factory logs its own start and stop.
    this.noisy = false;
  }

  /** Starts the wrapped factory, then this one. */
  override doStart(): void {
    this.wrappedFactory.doStart();
    super.doStart();
  }

  /** Stops the wrapped factory, then this one. */
  override doStop(): void {
    this.wrappedFactory.doStop();
    super.doStop();
  }

  /** A wrapped protocol from the wrapped factory, or `null` when it refuses the connection. */
  override buildProtocol(addr: Address): ProtocolWrapper | null {
    const p = this.wrappedFactory.buildProtocol(addr);
    return p === null ? null : this.wrapProtocol(p, addr);
  }

  /**
   * Wraps one protocol the wrapped factory built. Override it to use a subclass of
   * {@link ProtocolWrapper}.
   */
  wrapProtocol(protocol: IProtocol, _addr: Address): ProtocolWrapper {
    return new ProtocolWrapper(this, protocol);
  }

  /** Called by a wrapper whose connection is up. */
  registerProtocol(p: ProtocolWrapper): void {
    this.protocols.add(p);
  }

  /** Called by a wrapper whose connection is lost. */
  unregisterProtocol(p: ProtocolWrapper): void {
    this.protocols.delete(p);
  }

  /** Forwarded to the wrapped factory when it is a client factory. */
  override startedConnecting(connector: IConnector): void {
    if (isClientFactory(this.wrappedFactory)) this.wrappedFactory.startedConnecting(connector);
  }

  /** Forwarded to the wrapped factory when it is a client factory. */
  override clientConnectionFailed(connector: IConnector, reason: Failure): void {
    if (isClientFactory(this.wrappedFactory)) {
      this.wrappedFactory.clientConnectionFailed(connector, reason);
    }
  }

  /** Forwarded to the wrapped factory when it is a client factory. */
  override clientConnectionLost(connector: IConnector, reason: Failure): void {
    if (isClientFactory(this.wrappedFactory)) {
      this.wrappedFactory.clientConnectionLost(connector, reason);
    }
  }

  /** The class name and the wrapped factory's name. */
  override logName(): string {
    const inner = this.wrappedFactory as { logName?: () => string };
    return `${this.constructor.name} (${inner.logName ? inner.logName() : this.wrappedFactory.constructor.name})`;
  }
}
