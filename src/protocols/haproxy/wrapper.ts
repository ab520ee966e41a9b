/**
 * Servers behind a load balancer that speaks HAProxy's PROXY protocol: the balancer opens the
 * connection and sends a header (v1 text or v2 binary) naming the real client before any of the
 * client's bytes. {@link HAProxyWrappingFactory} wraps a server's factory so that each protocol
 * it builds sees only the client's bytes, and a transport whose `getPeer()` is the real client
 * and `getHost()` the address the client connected to.
 *
 * The wrapped protocol is connected (`makeConnection`) only once the header is complete; a
 * connection whose first bytes are not a valid header is logged and closed, and the wrapped
 * protocol never hears of it.
 *
 * @module
 */

import type { Failure } from "../../errors/failure.js";
import { InvalidProxyHeader } from "../../errors/haproxy.js";
import { Logger } from "../../logger/logger.js";
import type { IPullProducer, IPushProducer } from "../../producers/interfaces.js";
import type { Address } from "../../protocol/address.js";
import {
  type IProtocol,
  type IProtocolFactory,
  type ITCPTransport,
  type ITransport,
  isHalfCloseable,
} from "../../protocol/interfaces.js";
import { Protocol } from "../../protocol/protocol.js";
import type { FeedResult, ProxyInfo } from "./info.js";
import { V1Parser } from "./v1parser.js";
import { V2Parser } from "./v2parser.js";

const log = new Logger("braid.haproxy");

/**
 * The transport the wrapped protocol gets: everything goes to the real transport, except
 * `getPeer()` / `getHost()`, which answer with the header's addresses (or the real ones when the
 * header carried none: v1 `UNKNOWN`, v2 `LOCAL`). The TCP options are passed on when the real
 * transport has them.
 */
export class HAProxyTransport implements ITCPTransport {
  constructor(
    /** The real transport, to the load balancer. */
    readonly transport: ITransport,
    /** What the PROXY header said. */
    readonly info: ProxyInfo,
  ) {}

  /** The real client (the header's source), or the real transport's peer when it has none. */
  getPeer(): Address {
    return this.info.source ?? this.transport.getPeer();
  }

  /** Where the client connected to (the header's destination), or the real transport's host. */
  getHost(): Address {
    return this.info.destination ?? this.transport.getHost();
  }

  /** Passed on. */
  get disconnecting(): boolean {
    return this.transport.disconnecting;
  }

  /** Passed on. */
  write(data: Uint8Array): void {
    this.transport.write(data);
  }

  /** Passed on. */
  writeSequence(data: Iterable<Uint8Array>): void {
    this.transport.writeSequence(data);
  }

  /** Passed on. */
  loseConnection(): void {
    this.transport.loseConnection();
  }

  /** Passed on. */
  abortConnection(): void {
    this.transport.abortConnection();
  }

  /** Passed on. */
  getWriteBufferSize(): number {
    return this.transport.getWriteBufferSize();
  }

  /** Passed on. */
  setWriteBufferLimits(high?: number, low?: number): void {
    this.transport.setWriteBufferLimits(high, low);
  }

  /** Passed on. */
  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    this.transport.registerProducer(producer, streaming);
  }

  /** Passed on. */
  unregisterProducer(): void {
    this.transport.unregisterProducer();
  }

  /** Passed on. */
  pauseProducing(): void {
    this.transport.pauseProducing();
  }

  /** Passed on. */
  resumeProducing(): void {
    this.transport.resumeProducing();
  }

  /** Passed on. */
  stopProducing(): void {
    this.transport.stopProducing();
  }

  #tcp(): Partial<ITCPTransport> {
    return this.transport as Partial<ITCPTransport>;
  }

  /** Passed on when the real transport is a TCP one; ignored otherwise. */
  setTcpNoDelay(enabled: boolean): void {
    this.#tcp().setTcpNoDelay?.(enabled);
  }

  /** The real transport's setting; `false` when it is not a TCP transport. */
  getTcpNoDelay(): boolean {
    return this.#tcp().getTcpNoDelay?.() ?? false;
  }

  /** Passed on when the real transport is a TCP one; ignored otherwise. */
  setTcpKeepAlive(enabled: boolean, initialDelaySeconds?: number): void {
    this.#tcp().setTcpKeepAlive?.(enabled, initialDelaySeconds);
  }

  /** The real transport's setting; `false` when it is not a TCP transport. */
  getTcpKeepAlive(): boolean {
    return this.#tcp().getTcpKeepAlive?.() ?? false;
  }

  /** Passed on; a transport that cannot half-close closes the whole connection. */
  loseWriteConnection(): void {
    const t = this.#tcp();
    if (t.loseWriteConnection) t.loseWriteConnection();
    else this.transport.loseConnection();
  }
}

/**
 * Reads the PROXY header at the start of a connection, then connects the wrapped protocol to a
 * {@link HAProxyTransport} and hands it every later byte. It offers the half-close methods only
 * when the wrapped protocol has them.
 */
export class HAProxyProtocolWrapper extends Protocol {
  declare readConnectionLost?: () => void;
  declare writeConnectionLost?: () => void;

  /** What the header said, once it was read. */
  info: ProxyInfo | null = null;
  /** The transport given to the wrapped protocol, once the header was read. */
  proxyTransport: HAProxyTransport | null = null;
  #parser: { feed(data: Uint8Array): FeedResult } | null = null;
  #failed = false;

  constructor(
    /** The server's protocol. */
    readonly wrapped: IProtocol,
  ) {
    super();
    if (isHalfCloseable(wrapped)) {
      this.readConnectionLost = () => {
        if (this.proxyTransport !== null) wrapped.readConnectionLost();
        else this.transport?.loseConnection();
      };
      this.writeConnectionLost = () => {
        if (this.proxyTransport !== null) wrapped.writeConnectionLost();
      };
    }
  }

  /** Before the header: parses. After it: passes the bytes on to the wrapped protocol. */
  override dataReceived(data: Uint8Array): void {
    if (this.proxyTransport !== null) {
      this.wrapped.dataReceived(data);
      return;
    }
    if (this.#failed || data.length === 0) return;
    let result: FeedResult;
    try {
      if (this.#parser === null) {
        // The first byte tells the version: "P" of "PROXY", or the "\r" of the v2 signature.
        if (data[0] === 0x50) this.#parser = new V1Parser();
        else if (data[0] === 0x0d) this.#parser = new V2Parser();
        else throw new InvalidProxyHeader("The connection does not start with a PROXY header");
      }
      result = this.#parser.feed(data);
    } catch (e) {
      if (!(e instanceof InvalidProxyHeader)) throw e;
      this.#reject(e);
      return;
    }
    const info = result.info;
    if (info === null) return;
    this.#parser = null;
    this.info = info;
    const transport = new HAProxyTransport(this.transport!, info);
    this.proxyTransport = transport;
    this.wrapped.makeConnection(transport);
    if (result.remaining.length > 0 && !this.transport!.disconnecting) {
      this.wrapped.dataReceived(result.remaining);
    }
  }

  #reject(error: InvalidProxyHeader): void {
    this.#failed = true;
    this.#parser = null;
    const t = this.transport;
    log.warn("Dropping a connection from {peer}: {error}", {
      peer: t === null ? "?" : String(t.getPeer()),
      error: error.message,
      code: error.code,
    });
    t?.loseConnection();
  }

  /** Passed on to the wrapped protocol when it was connected. */
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.#parser = null;
    if (this.proxyTransport !== null) this.wrapped.connectionLost(reason);
  }
}

/**
 * Wraps a server's factory for use behind a load balancer that sends the PROXY protocol (v1 or
 * v2; HAProxy's `send-proxy` / `send-proxy-v2`). Every connection must start with a valid
 * header: others are logged and closed. Only put it behind a trusted proxy, since anyone who
 * can connect directly can claim any address.
 *
 * `buildProtocol` is called with the load balancer's address (the header has not arrived yet);
 * the protocol's transport then reports the real client through `getPeer()`.
 *
 * @example
 * ```ts
 * import { Factory, HAProxyWrappingFactory, Protocol, reactor } from "braid";
 *
 * class WhoAmI extends Protocol {
 *   override connectionMade(): void {
 *     this.transport!.write(new TextEncoder().encode(`you are ${this.transport!.getPeer()}\n`));
 *     this.transport!.loseConnection();
 *   }
 * }
 * // HAProxy: "server braid 127.0.0.1:8080 send-proxy-v2"
 * await reactor.listenTCP(8080, new HAProxyWrappingFactory(Factory.forProtocol(WhoAmI)));
 * // or: serverFromString(reactor, "haproxy:tcp:8080").listen(Factory.forProtocol(WhoAmI))
 * ```
 */
export class HAProxyWrappingFactory implements IProtocolFactory {
  constructor(
    /** The server's own factory. */
    readonly wrappedFactory: IProtocolFactory,
  ) {}

  /** Passed on. */
  doStart(): void {
    this.wrappedFactory.doStart();
  }

  /** Passed on. */
  doStop(): void {
    this.wrappedFactory.doStop();
  }

  /** The wrapped factory's protocol inside a {@link HAProxyProtocolWrapper}; `null` when it refuses. */
  buildProtocol(addr: Address): HAProxyProtocolWrapper | null {
    const proto = this.wrappedFactory.buildProtocol(addr);
    return proto === null ? null : new HAProxyProtocolWrapper(proto);
  }
}
