/**
 * Port forwarding (Twisted's `twisted.protocols.portforward`): a server that relays each
 * connection it accepts to a fixed host and port, bytes both ways.
 *
 * Flow control follows the producer contract (`braid/producers`): once both connections are
 * up, each side's transport is registered as the push producer of the other
 * (`registerProducer(peer.transport, true)`), so when one side's write buffer passes its
 * high-water mark the other side stops reading, and the proxy never holds more than about a
 * write buffer per direction, however fast one side and slow the other. Until the outgoing
 * connection is up, the accepted connection is paused (`pauseProducing()`): the peer's data
 * waits in the kernel; what a transport delivered anyway is kept, up to
 * {@link ProxyFactory.maxPendingBytes}, and sent first.
 *
 * When either connection ends, the other is closed after what is queued for it is sent. The
 * proxy does not forward half-closes: a peer that shuts down its sending side ends both
 * connections, as in Twisted.
 *
 * Sans-IO: the outgoing connection is made through the `IReactorTCP` given to the factory, so a
 * `MemoryReactor` drives it in tests.
 *
 * @module
 */

import type { Failure } from "../errors/failure.js";
import { BufferOverflow } from "../errors/producers.js";
import { Logger } from "../logger/logger.js";
import type { Address } from "../protocol/address.js";
import { ClientFactory, Factory } from "../protocol/factory.js";
import type { IConnector, IProtocolFactory, ITransport } from "../protocol/interfaces.js";
import { Protocol } from "../protocol/protocol.js";
import type { IReactorTCP } from "../reactor/interfaces.js";

const log = new Logger("braid.portforward");

/** The default bound of what a proxied connection keeps before its peer is connected. */
const DEFAULT_MAX_PENDING = 1024 * 1024;

/**
 * One side of a proxied connection (Twisted's `Proxy`, renamed not to shadow the global `Proxy`): what it receives is written to its {@link peer}; when it
 * is lost, the peer is closed.
 */
export class ProxyProtocol<F extends IProtocolFactory = IProtocolFactory> extends Protocol<
  ITransport,
  F
> {
  /** Whether a failed outgoing connection is logged. */
  noisy = true;
  /** The other side, once connected. */
  peer: ProxyProtocol<IProtocolFactory> | null = null;

  /** Sets the other side. */
  setPeer(peer: ProxyProtocol<IProtocolFactory>): void {
    this.peer = peer;
  }

  /** Writes `data` to the other side. */
  override dataReceived(data: Uint8Array): void {
    this.peer?.transport?.write(data);
  }

  /** Closes the other side, once what is queued for it is sent. */
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    const peer = this.peer;
    if (peer !== null) {
      this.peer = null;
      const t = peer.transport;
      if (t !== null) {
        // Our transport was its producer: a transport closes only once its producer is gone.
        t.unregisterProducer();
        t.loseConnection();
      }
    } else if (this.noisy) {
      log.info("Unable to connect to peer: {reason}", { reason: reason.getErrorMessage() });
    }
  }
}

/**
 * The outgoing side: when connected, it pairs the two transports as each other's producers and
 * lets the accepted connection read again.
 */
export class ProxyClient extends ProxyProtocol<ProxyClientFactory> {
  /** Wires flow control both ways, sends what arrived early, and resumes the server side. */
  override connectionMade(): void {
    const server = this.peer;
    const transport = this.transport!;
    const serverTransport = server?.transport ?? null;
    if (server === null || serverTransport === null || !server.connected) {
      transport.loseConnection(); // the accepted connection is gone already
      return;
    }
    server.setPeer(this);
    transport.registerProducer(serverTransport, true);
    serverTransport.registerProducer(transport, true);
    if (server instanceof ProxyServer) server.flushPending();
    serverTransport.resumeProducing();
  }
}

/**
 * Makes the {@link ProxyClient} of one accepted connection; closes that connection when the
 * outgoing one cannot be made.
 */
export class ProxyClientFactory extends ClientFactory<ProxyClient> {
  /** The accepted side this factory connects for. */
  server: ProxyProtocol<IProtocolFactory> | null = null;

  constructor() {
    super();
    this.protocol = ProxyClient;
    this.noisy = false;
  }

  /** Sets the accepted side. */
  setServer(server: ProxyProtocol<IProtocolFactory>): void {
    this.server = server;
  }

  /** A {@link ProxyClient} whose peer is the accepted side. */
  override buildProtocol(addr: Address): ProxyClient | null {
    const p = super.buildProtocol(addr);
    if (p !== null && this.server !== null) p.setPeer(this.server);
    return p;
  }

  /** The outgoing connection failed: closes the accepted one. */
  override clientConnectionFailed(_connector: IConnector, reason: Failure): void {
    const server = this.server;
    if (server?.noisy) {
      log.info("Proxy connection failed: {reason}", { reason: reason.getErrorMessage() });
    }
    server?.transport?.loseConnection();
  }
}

/**
 * The accepted side: stops reading, connects to the factory's destination, and relays once
 * that connection is up.
 */
export class ProxyServer extends ProxyProtocol<ProxyFactory> {
  /** The factory class of the outgoing connection. */
  clientProtocolFactory: new () => ProxyClientFactory = ProxyClientFactory;
  /** The outgoing connection attempt. */
  connector: IConnector | null = null;

  private _pending: Uint8Array[] = [];
  private _pendingBytes = 0;

  /** Pauses reading and starts the outgoing connection. */
  override connectionMade(): void {
    const factory = this.factory!;
    // Nothing is read until there is somewhere to send it.
    this.transport!.pauseProducing();
    const client = new this.clientProtocolFactory();
    client.setServer(this);
    this.connector = factory.reactor.connectTCP(factory.host, factory.port, client);
  }

  /**
   * Relays `data`, or keeps it until the outgoing connection is up.
   * Closes the connection at once when more than the factory's `maxPendingBytes` arrive early.
   */
  override dataReceived(data: Uint8Array): void {
    const peer = this.peer;
    if (peer !== null) {
      peer.transport?.write(data);
      return;
    }
    const limit = this.factory?.maxPendingBytes ?? DEFAULT_MAX_PENDING;
    if (this._pendingBytes + data.byteLength > limit) {
      log.warn("Proxy: {error}; closing the connection", {
        error: new BufferOverflow(limit).message,
      });
      this._pending = [];
      this._pendingBytes = 0;
      this.transport!.abortConnection();
      return;
    }
    this._pending.push(data);
    this._pendingBytes += data.byteLength;
  }

  /** Bytes received before the outgoing connection was up and not yet relayed. */
  get pendingBytes(): number {
    return this._pendingBytes;
  }

  /** @internal sends what arrived before the outgoing connection was up. */
  flushPending(): void {
    const t = this.peer?.transport ?? null;
    const pending = this._pending;
    this._pending = [];
    this._pendingBytes = 0;
    if (t !== null && pending.length > 0) t.writeSequence(pending);
  }

  /** Closes the peer, or stops the outgoing attempt when it is not connected yet. */
  override connectionLost(reason: Failure): void {
    this._pending = [];
    this._pendingBytes = 0;
    const connector = this.connector;
    this.connector = null;
    if (this.peer === null && connector !== null) {
      super.connectionLost(reason);
      try {
        connector.disconnect();
      } catch (e) {
        log.failure("Proxy: stopping the outgoing connection failed", e, undefined, "warn");
      }
      return;
    }
    super.connectionLost(reason);
  }
}

/**
 * A factory of {@link ProxyServer}s: each accepted connection is relayed to `host:port`, connected
 * through `reactor`.
 *
 * @example
 * ```ts
 * // Everything on 127.0.0.1:8080 goes to example.com:80.
 * await reactor.listenTCP(8080, new ProxyFactory("example.com", 80, reactor), 50, "127.0.0.1");
 * ```
 */
export class ProxyFactory extends Factory<ProxyServer> {
  /**
   * Bytes an accepted connection may deliver before its outgoing connection is up (default
   * 1 MiB; reading is paused meanwhile, so only what a transport had already read counts). The
   * connection is aborted beyond that.
   */
  maxPendingBytes = DEFAULT_MAX_PENDING;

  /**
   * @param host - the destination host (a name is resolved by the reactor).
   * @param port - the destination port.
   * @param reactor - makes the outgoing connections.
   */
  constructor(
    readonly host: string,
    readonly port: number,
    readonly reactor: IReactorTCP,
  ) {
    super();
    this.protocol = ProxyServer;
  }
}
