/**
 * TCP for the reactor: `listenTCP`, `connectTCP`, and the two classes the UNIX and TLS modules
 * build on, {@link StreamPort} (a listening `net.Server`) and {@link StreamConnector} (one
 * client connection attempt, retryable, as Twisted's connectors).
 *
 * Client life cycle, as in Twisted: `connect()` starts the factory (once for a chain of
 * attempts), then calls `startedConnecting`; the host name is resolved through the reactor's
 * resolver, the socket connects, `buildProtocol(peer)` makes the protocol (`null` fails the
 * attempt with `NoProtocolError`) and the transport calls `makeConnection`. A failed attempt
 * calls `clientConnectionFailed`, a lost connection `clientConnectionLost`; unless the factory
 * called `connector.connect()` again from there, the factory is then stopped.
 *
 * @module
 */

import {
  createServer,
  isIP,
  type ListenOptions,
  connect as netConnect,
  type Server,
  type Socket,
} from "node:net";
import type { TLSSocket } from "node:tls";
import { Deferred, fail, succeed } from "../defer/deferred.js";
import {
  CancelledError,
  CannotListenError,
  ConnectError,
  ConnectionRefusedError,
  ConnectTimeoutError,
  DNSLookupError,
  InvalidStateError,
  NoProtocolError,
  UserError,
} from "../errors/errors.js";
import { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import { type Address, ipAddress, UNIXAddress } from "../protocol/address.js";
import type { IClientFactory, IConnector, IProtocolFactory } from "../protocol/interfaces.js";
import type { IDelayedCall, IReactorTime } from "../time/interfaces.js";
import { StreamTransport, type StreamTransportOwner } from "../transports/stream.js";
import { type ServerTLSConfig, wrapClientSocket, wrapServerSocket } from "../transports/tls.js";
import type { BindAddress, IListeningPort } from "./interfaces.js";
import type { IReactorInternals } from "./internals.js";

const log = new Logger("braid.tcp");

/** The listen backlog when none is given (as Twisted). */
export const DEFAULT_BACKLOG = 50;
/** The connect timeout when none is given, in seconds. */
export const DEFAULT_CONNECT_TIMEOUT = 30;

const kPort: unique symbol = Symbol("braid.port");
const kConnector: unique symbol = Symbol("braid.connector");

type PortServer = Server & { [kPort]?: StreamPort };
type ConnectingSocket = Socket & { [kConnector]?: StreamConnector };

/** What kind of stream a port or connector handles. */
export interface StreamKind {
  /** UNIX-domain sockets (else TCP). */
  readonly unix?: boolean;
  /** Server side TLS configuration, for `listenSSL`. */
  readonly tls?: ServerTLSConfig;
}

/**
 * A listening stream socket: accepts connections, builds a protocol for each, and runs them on
 * a {@link StreamTransport}. Used by `listenTCP`, `listenUNIX` and `listenSSL`.
 */
export class StreamPort implements IListeningPort, StreamTransportOwner {
  /** The reactor the port's connections are tracked by. */
  readonly reactor: IReactorInternals;
  /** The factory that builds a protocol per connection. */
  readonly factory: IProtocolFactory;
  /** The socket path of a UNIX port, else `null`. */
  readonly unixPath: string | null;
  /** The reactor, as the clock of lingering closes. */
  get clock(): IReactorTime {
    return this.reactor;
  }
  /** Always `null`: accepted connections have no host name to verify. */
  readonly hostname = null;
  private readonly _tls: ServerTLSConfig | null;
  private readonly _server: PortServer;
  private _address: Address | null = null;
  private _state: "new" | "listening" | "stopping" | "stopped" = "new";
  private _waiters: Deferred<void>[] = [];
  /** Called once the port is closed (before the factory's `doStop`); UNIX removes its lock. */
  onClosed: (() => void) | null = null;

  /** A port for `factory`; call {@link listen} to bind it. */
  constructor(
    reactor: IReactorInternals,
    factory: IProtocolFactory,
    kind: StreamKind = {},
    unixPath: string | null = null,
  ) {
    this.reactor = reactor;
    this.factory = factory;
    this.unixPath = unixPath;
    this._tls = kind.tls ?? null;
    const server: PortServer = createServer({
      allowHalfOpen: true,
      pauseOnConnect: false,
      noDelay: true,
    });
    server[kPort] = this;
    server.on("connection", onConnection);
    this._server = server;
  }

  /**
   * Binds and listens. The Deferred fires with this port once listening (after the factory's
   * `doStart`), or fails with `CannotListenError` whose `cause` is the system error.
   */
  listen(options: ListenOptions, iface: string, label: number | string): Deferred<IListeningPort> {
    const d = new Deferred<IListeningPort>();
    const server = this._server;
    const onError = (err: Error): void => {
      server.removeListener("listening", onListening);
      this._state = "stopped";
      this.onClosed?.();
      d.errback(new CannotListenError(iface, label, { cause: err }));
    };
    const onListening = (): void => {
      server.removeListener("error", onError);
      server.on("error", onServerError);
      this._state = "listening";
      const a = server.address();
      this._address =
        this.unixPath !== null || a === null || typeof a === "string"
          ? new UNIXAddress(this.unixPath ?? (a as string | null))
          : ipAddress("TCP", a.address, a.port, a.family);
      try {
        this.listening();
        this.factory.doStart();
      } catch (e) {
        log.failure("Starting the factory of {port} failed", e, { port: String(this._address) });
      }
      this.reactor.trackPort(this);
      d.callback(this);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    try {
      server.listen(options);
    } catch (e) {
      onError(e instanceof Error ? e : new Error(String(e)));
    }
    return d;
  }

  /** Hook run once bound, before the factory starts; UNIX ports set the socket's mode here. */
  listening(): void {}

  /** The bound address (the port the system picked, for port 0). */
  getHost(): Address {
    if (this._address === null) throw new InvalidStateError("The port is not listening");
    return this._address;
  }

  /** {@inheritDoc IListeningPort.stopListening} */
  stopListening(): Deferred<void> {
    if (this._state === "stopped" || this._state === "new") return succeed(undefined);
    const d = new Deferred<void>();
    this._waiters.push(d);
    if (this._state === "stopping") return d;
    this._state = "stopping";
    // Node closes the listening descriptor at once; its 'close' event would also wait for every
    // accepted connection, which stopListening must not do.
    this._server.close();
    this.reactor.untrackPort(this);
    process.nextTick(portClosed, this);
    return d;
  }

  /** @internal */
  _closed(): void {
    this._state = "stopped";
    try {
      this.onClosed?.();
      this.factory.doStop();
    } catch (e) {
      log.failure("Stopping the factory of {port} failed", e, { port: String(this._address) });
    }
    const waiters = this._waiters;
    this._waiters = [];
    for (const d of waiters) d.callback(undefined);
  }

  /** @internal a connection was accepted. */
  _accept(socket: Socket): void {
    let peer: Address;
    if (this.unixPath !== null) {
      peer = new UNIXAddress(null);
    } else {
      const host = socket.remoteAddress;
      if (host === undefined) {
        socket.destroy(); // reset before we saw it
        return;
      }
      peer = ipAddress("TCP", host, socket.remotePort ?? 0, socket.remoteFamily);
    }
    let protocol: ReturnType<IProtocolFactory["buildProtocol"]>;
    try {
      protocol = this.factory.buildProtocol(peer);
    } catch (e) {
      log.failure("buildProtocol failed for a connection from {peer}", e, { peer: String(peer) });
      socket.destroy();
      return;
    }
    if (protocol === null) {
      socket.destroy();
      return;
    }
    let s: Socket = socket;
    if (this._tls !== null) s = wrapServerSocket(socket, this._tls);
    const t = new StreamTransport(
      s,
      protocol,
      this,
      { unix: this.unixPath !== null, tls: this._tls !== null },
      peer,
    );
    this.reactor.trackConnection(t);
    t.start();
  }

  /** @internal */
  transportLost(transport: StreamTransport): void {
    this.reactor.untrackConnection(transport);
  }

  /** `"<TCP port 127.0.0.1:8000>"` and the like. */
  toString(): string {
    return `<${this._tls ? "TLS" : this.unixPath !== null ? "UNIX" : "TCP"} port ${String(this._address)}>`;
  }
}

function onConnection(this: PortServer, socket: Socket): void {
  this[kPort]?._accept(socket);
}

function onServerError(this: PortServer, err: Error): void {
  log.failure("Error on listening port {port}", err, { port: String(this[kPort]) });
}

function portClosed(port: StreamPort): void {
  port._closed();
}

/** Where a {@link StreamConnector} connects, and how. */
export interface ConnectTarget {
  /** Host name or address (TCP, TLS). */
  readonly host?: string;
  /** Port (TCP, TLS). */
  readonly port?: number;
  /** Socket path (UNIX). */
  readonly path?: string;
  /** Local address to bind (TCP, TLS). */
  readonly bindAddress?: BindAddress | undefined;
  /** Client TLS options in Node's form, for `connectSSL`. */
  readonly tls?: import("node:tls").ConnectionOptions;
}

/**
 * One client connection, retryable: the {@link IConnector} of `connectTCP`, `connectUNIX` and
 * `connectSSL`. While an attempt is in progress the reactor tracks the connector itself, so
 * that shutting the reactor down stops the attempt.
 */
export class StreamConnector implements IConnector, StreamTransportOwner {
  /** The reactor, as the clock factories schedule retries on. */
  readonly clock: IReactorTime;
  /** The factory told about each stage. */
  readonly factory: IClientFactory;
  /** `"disconnected"`, `"connecting"` or `"connected"`. */
  state: "disconnected" | "connecting" | "connected" = "disconnected";
  /** The transport of the established connection, else `null`. */
  transport: StreamTransport | null = null;
  /** The attempt's time limit, in seconds. */
  readonly timeout: number;
  private readonly _reactor: IReactorInternals;
  private readonly _target: ConnectTarget;
  private _factoryStarted = false;
  private _attempt = 0;
  private _socket: ConnectingSocket | null = null;
  private _resolving: Deferred<unknown> | null = null;
  private _timer: IDelayedCall | null = null;

  /** A connector for `target`; nothing happens until {@link connect}. */
  constructor(
    reactor: IReactorInternals,
    factory: IClientFactory,
    target: ConnectTarget,
    timeout = DEFAULT_CONNECT_TIMEOUT,
  ) {
    this._reactor = reactor;
    this.clock = reactor;
    this.factory = factory;
    this._target = target;
    this.timeout = timeout;
  }

  /** The UNIX socket path, else `null`. */
  get unixPath(): string | null {
    return this._target.path ?? null;
  }

  /** The host name connected to, else `null`. */
  get hostname(): string | null {
    return this._target.host ?? null;
  }

  /**
   * {@inheritDoc IConnector.connect}
   *
   * @throws InvalidStateError when an attempt is in progress or the connection is up.
   */
  connect(): void {
    if (this.state !== "disconnected") {
      throw new InvalidStateError(`Can't connect in state "${this.state}"`);
    }
    this.state = "connecting";
    const attempt = ++this._attempt;
    if (!this._factoryStarted) {
      this._factoryStarted = true;
      this.factory.doStart();
    }
    this._reactor.trackConnection(this);
    this._timer = this._reactor.callLater(this.timeout, connectTimedOut, this, attempt);
    try {
      this.factory.startedConnecting(this);
    } catch (e) {
      log.failure("startedConnecting failed", e);
    }
    if (this.state !== "connecting" || attempt !== this._attempt) return;
    const { host, path } = this._target;
    if (path !== undefined || host === undefined || isIP(host) !== 0) {
      this._open(host ?? "", attempt);
      return;
    }
    const d = this._reactor.resolver.getHostByName(host);
    this._resolving = d;
    d.addCallbacks(
      (address: string) => {
        if (attempt === this._attempt && this.state === "connecting") {
          this._resolving = null;
          this._open(address, attempt);
        }
        return undefined;
      },
      (f: Failure) => {
        if (attempt === this._attempt && this.state === "connecting" && !f.check(CancelledError)) {
          this._resolving = null;
          const e = f.value;
          this._failed(
            e instanceof DNSLookupError
              ? e
              : new DNSLookupError(`Could not resolve ${host}: ${f.getErrorMessage()}`, {
                  cause: e,
                }),
          );
        }
        return undefined;
      },
    );
  }

  private _open(address: string, attempt: number): void {
    const { port, path, bindAddress } = this._target;
    let socket: ConnectingSocket;
    try {
      socket =
        path !== undefined
          ? netConnect({ path, allowHalfOpen: true })
          : netConnect({
              host: address,
              port: port ?? 0,
              allowHalfOpen: true,
              noDelay: true,
              ...(bindAddress !== undefined
                ? { localAddress: bindAddress.host, localPort: bindAddress.port ?? 0 }
                : {}),
            });
    } catch (e) {
      this._failed(new ConnectError(`Could not connect: ${String(e)}`, { cause: e }));
      return;
    }
    if (attempt !== this._attempt) return;
    socket[kConnector] = this;
    socket.on("connect", onConnect);
    socket.on("error", onConnectError);
    this._socket = socket;
  }

  /** @internal the socket connected. */
  _connected(socket: ConnectingSocket): void {
    if (socket !== this._socket) return;
    socket.removeListener("connect", onConnect);
    socket.removeListener("error", onConnectError);
    socket[kConnector] = undefined;
    this._socket = null;
    this._endAttempt();
    const { path } = this._target;
    let peer: Address;
    if (path !== undefined) peer = new UNIXAddress(path);
    else
      peer = ipAddress(
        "TCP",
        socket.remoteAddress ?? "",
        socket.remotePort ?? 0,
        socket.remoteFamily,
      );
    let protocol: ReturnType<IProtocolFactory["buildProtocol"]>;
    try {
      protocol = this.factory.buildProtocol(peer);
    } catch (e) {
      log.failure("buildProtocol failed for a connection to {peer}", e, { peer: String(peer) });
      socket.destroy();
      this._failed(e instanceof Error ? e : new ConnectError(String(e), { cause: e }));
      return;
    }
    if (protocol === null) {
      socket.destroy();
      this._failed(new NoProtocolError());
      return;
    }
    let s: Socket = socket;
    const tlsOptions = this._target.tls;
    if (tlsOptions !== undefined) s = wrapClientSocket(socket, tlsOptions) as TLSSocket;
    this.state = "connected";
    const t = new StreamTransport(
      s,
      protocol,
      this,
      { unix: path !== undefined, tls: tlsOptions !== undefined, client: true },
      peer,
    );
    this.transport = t;
    this._reactor.trackConnection(t);
    t.start();
  }

  /** @internal the attempt failed at the socket level. */
  _connectError(socket: ConnectingSocket, err: Error & { code?: string }): void {
    if (socket !== this._socket) return;
    const code = err.code;
    this._failed(
      code === "ECONNREFUSED"
        ? new ConnectionRefusedError(`Connection was refused by ${String(this.getDestination())}`, {
            cause: err,
          })
        : code === "ETIMEDOUT"
          ? new ConnectTimeoutError(`Connecting to ${String(this.getDestination())} timed out`, {
              cause: err,
            })
          : new ConnectError(
              `Could not connect to ${String(this.getDestination())}: ${err.message}`,
              {
                cause: err,
              },
            ),
    );
  }

  /** @internal the time limit passed. */
  _timedOut(attempt: number): void {
    if (attempt !== this._attempt || this.state !== "connecting") return;
    this._timer = null;
    this._failed(
      new ConnectTimeoutError(
        `Connecting to ${String(this.getDestination())} timed out after ${this.timeout} s`,
      ),
    );
  }

  /** Cancels the timer and resolution of the current attempt and forgets it. */
  private _endAttempt(): void {
    const timer = this._timer;
    this._timer = null;
    if (timer?.active()) timer.cancel();
    const resolving = this._resolving;
    this._resolving = null;
    if (resolving !== null) resolving.cancel();
    this._reactor.untrackConnection(this);
  }

  private _failed(reason: Error): void {
    this._endAttempt();
    const socket = this._socket;
    this._socket = null;
    if (socket !== null) {
      socket[kConnector] = undefined;
      socket.removeListener("connect", onConnect);
      socket.destroy();
    }
    this._attempt++;
    this.state = "disconnected";
    try {
      this.factory.clientConnectionFailed(this, new Failure(reason));
    } catch (e) {
      log.failure("clientConnectionFailed failed", e);
    }
    this._maybeStopFactory();
  }

  /** @internal the established connection is gone. */
  transportLost(transport: StreamTransport, reason: Failure): void {
    this._reactor.untrackConnection(transport);
    if (this.transport !== transport) return;
    this.transport = null;
    this.state = "disconnected";
    try {
      this.factory.clientConnectionLost(this, reason);
    } catch (e) {
      log.failure("clientConnectionLost failed", e);
    }
    this._maybeStopFactory();
  }

  private _maybeStopFactory(): void {
    if (this.state === "disconnected" && this._factoryStarted) {
      this._factoryStarted = false;
      try {
        this.factory.doStop();
      } catch (e) {
        log.failure("Stopping the factory failed", e);
      }
    }
  }

  /** {@inheritDoc IConnector.disconnect} */
  disconnect(): void {
    if (this.state === "connecting") this.stopConnecting();
    else if (this.state === "connected") this.transport?.loseConnection();
  }

  /** {@inheritDoc IConnector.stopConnecting} */
  stopConnecting(): void {
    if (this.state !== "connecting") throw new InvalidStateError("Not connecting");
    this._failed(new UserError());
  }

  /** @internal reactor shutdown: stops an attempt in progress. */
  loseConnection(): void {
    this.disconnect();
  }

  /** @internal reactor shutdown: stops an attempt, or aborts the connection. */
  abortConnection(): void {
    if (this.state === "connecting") this.stopConnecting();
    else this.transport?.abortConnection();
  }

  /** {@inheritDoc IConnector.getDestination} */
  getDestination(): Address {
    const { host, port, path } = this._target;
    return path !== undefined ? new UNIXAddress(path) : ipAddress("TCP", host ?? "", port ?? 0);
  }
}

function connectTimedOut(connector: StreamConnector, attempt: number): void {
  connector._timedOut(attempt);
}

function onConnect(this: ConnectingSocket): void {
  this[kConnector]?._connected(this);
}

function onConnectError(this: ConnectingSocket, err: Error): void {
  this[kConnector]?._connectError(this, err);
}

/**
 * Listens for TCP connections; see `IReactorTCP.listenTCP`.
 *
 * @param iface - the address to bind: `""` (default) for every IPv4 interface, `"::"` for every
 *   IPv6 one.
 */
export function listenTCP(
  reactor: IReactorInternals,
  port: number,
  factory: IProtocolFactory,
  backlog: number = DEFAULT_BACKLOG,
  iface = "",
): Deferred<IListeningPort> {
  const p = new StreamPort(reactor, factory);
  return p.listen({ port, host: iface === "" ? "0.0.0.0" : iface, backlog }, iface, port);
}

/**
 * Connects to `host:port` over TCP; see `IReactorTCP.connectTCP`. The attempt starts at once.
 *
 * @param timeout - seconds before the attempt (resolution included) fails with
 *   `ConnectTimeoutError` (default 30).
 */
export function connectTCP(
  reactor: IReactorInternals,
  host: string,
  port: number,
  factory: IClientFactory,
  timeout: number = DEFAULT_CONNECT_TIMEOUT,
  bindAddress?: BindAddress,
): IConnector {
  const c = new StreamConnector(reactor, factory, { host, port, bindAddress }, timeout);
  c.connect();
  return c;
}

/** A Deferred already failed with `error`; re-exported for the UNIX and TLS modules. */
export function failedListen(
  iface: string,
  label: number | string,
  error: unknown,
): Deferred<IListeningPort> {
  return fail(new CannotListenError(iface, label, { cause: error }));
}
