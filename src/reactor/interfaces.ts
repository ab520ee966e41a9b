/**
 * The reactor's contracts: what a reactor offers to the code above it.
 *
 * The real reactor (`reactor` from `braid`) implements all of them on Node's own event loop;
 * `MemoryReactor` from `braid/testing` implements them in memory for unit tests. Code that needs
 * time or I/O takes the narrowest of these interfaces it needs as a parameter.
 *
 * Where Node differs from Python, the contract says so: binding a port is asynchronous in Node,
 * so the `listen*` methods return a `Deferred<IListeningPort>` that fails with
 * `CannotListenError`, where Twisted returns the port or raises at once.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import type {
  IProcessProtocol,
  IProcessTransport,
  SpawnProcessOptions,
} from "../process/interfaces.js";
import type { Address, IPv4Address, IPv6Address } from "../protocol/address.js";
import type {
  IClientFactory,
  IConnector,
  IProtocolFactory,
  ITCPTransport,
} from "../protocol/interfaces.js";
import type { IReactorThreadPool } from "../threads/interfaces.js";
import type { IReactorTime } from "../time/interfaces.js";

// -----------------------------------------------------------------------------------------------
// Core

/** When a system event trigger runs, relative to the event itself. */
export type SystemEventPhase = "before" | "during" | "after";

/** The reactor's life-cycle events. */
export type SystemEvent = "startup" | "shutdown";

/** Identifies a trigger for {@link IReactorCore.removeSystemEventTrigger}. */
export interface TriggerID {
  readonly phase: SystemEventPhase;
  readonly event: SystemEvent;
  /** @internal */
  readonly id: number;
}

/**
 * Starting, stopping and the life-cycle events of a reactor.
 *
 * Shutdown order: every "before shutdown" trigger runs, and Deferreds they return are waited for;
 * then listening ports stop and connections are closed ("during"); then "after" triggers run.
 */
export interface IReactorCore {
  /** Whether {@link run} was called and {@link stop} not yet completed. */
  readonly running: boolean;

  /**
   * Fires the startup triggers and keeps the process alive until {@link stop}. Returns at once (a
   * JavaScript function cannot block); the returned Deferred fires when the reactor has stopped
   * and every shutdown trigger has finished.
   *
   * @throws ReactorAlreadyRunning when called twice.
   */
  run(): Deferred<void>;

  /**
   * Starts an orderly shutdown (see the interface's description).
   *
   * @throws ReactorNotRunning when the reactor is not running.
   */
  stop(): void;

  /** Calls `f(...args)` once the reactor runs: at once (synchronously) if it already does. */
  callWhenRunning<A extends unknown[]>(
    f: (...args: A) => unknown,
    ...args: A
  ): TriggerID | undefined;

  /**
   * Runs `f(...args)` in `phase` of `event`. A Deferred (or Promise) it returns is waited for
   * before the next phase; a failure is logged and does not stop the others.
   */
  addSystemEventTrigger<A extends unknown[]>(
    phase: SystemEventPhase,
    event: SystemEvent,
    f: (...args: A) => unknown,
    ...args: A
  ): TriggerID;

  /**
   * Removes a trigger added by {@link addSystemEventTrigger}.
   *
   * @throws RangeError when it is unknown or already removed.
   */
  removeSystemEventTrigger(id: TriggerID): void;

  /** Runs the three phases of `event`'s triggers; the Deferred fires when all are done. */
  fireSystemEvent(event: SystemEvent): Deferred<void>;
}

// -----------------------------------------------------------------------------------------------
// Ports and connectors

/** A port accepting connections (or datagrams). */
export interface IListeningPort {
  /** The address actually bound (with the port the system picked, for port 0). */
  getHost(): Address;
  /**
   * Stops accepting. Connections already accepted are not closed. The Deferred fires once the
   * socket is closed and the factory's `doStop` has run.
   */
  stopListening(): Deferred<void>;
}

/** Where to bind the local end of an outgoing connection. */
export interface BindAddress {
  host: string;
  port?: number;
}

// -----------------------------------------------------------------------------------------------
// Transports by kind

/**
 * `listenTCP` / `connectTCP`.
 *
 * @example
 * ```ts
 * const port = await reactor.listenTCP(0, Factory.forProtocol(Echo), 50, "127.0.0.1");
 * reactor.connectTCP("127.0.0.1", (port.getHost() as IPv4Address).port, clientFactory);
 * ```
 */
export interface IReactorTCP {
  /**
   * Listens for TCP connections on `port` (0 picks a free one) and `iface` (default: every IPv4
   * interface, `"::"` for every IPv6 one).
   *
   * @returns a Deferred of the port, failing with `CannotListenError`.
   */
  listenTCP(
    port: number,
    factory: IProtocolFactory,
    backlog?: number,
    iface?: string,
  ): Deferred<IListeningPort>;

  /**
   * Connects to `host:port` (a host name is resolved first). The factory is told of each stage;
   * `timeout` (seconds, default 30) bounds the attempt.
   */
  connectTCP(
    host: string,
    port: number,
    factory: IClientFactory,
    timeout?: number,
    bindAddress?: BindAddress,
  ): IConnector;
}

/** Options for the server side of TLS: Node's `tls.SecureContextOptions` and server options. */
export interface TLSServerOptions {
  /** Private key(s) in PEM. */
  key: string | Uint8Array | Array<string | Uint8Array>;
  /** Certificate chain(s) in PEM. */
  cert: string | Uint8Array | Array<string | Uint8Array>;
  /** CAs to verify client certificates with (only used with `requestCert`). */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** Ask clients for a certificate. */
  requestCert?: boolean;
  /** Refuse clients without a valid certificate (with `requestCert`). */
  rejectUnauthorized?: boolean;
  /** ALPN protocols offered, in order of preference. */
  ALPNProtocols?: string[];
  /** Lowest TLS version accepted (default `"TLSv1.2"`). */
  minVersion?: "TLSv1.2" | "TLSv1.3";
}

/**
 * Options for the client side of TLS. The peer's certificate and host name are verified by
 * default, against the system's CAs, or against `trustRoot` when given.
 */
export interface TLSClientOptions {
  /** The name to verify the certificate against and to send as SNI (default: the host connected to). */
  hostname?: string;
  /** PEM CA certificate(s) to trust instead of the system's: the explicit way to trust a private CA. */
  trustRoot?: string | Uint8Array | Array<string | Uint8Array>;
  /** A client certificate and key, for servers that ask for one. */
  clientCertificate?: { key: string | Uint8Array; cert: string | Uint8Array };
  /** ALPN protocols offered, in order of preference. */
  ALPNProtocols?: string[];
  /** Lowest TLS version accepted (default `"TLSv1.2"`). */
  minVersion?: "TLSv1.2" | "TLSv1.3";
  /**
   * Turns certificate verification off. Only for tests against a throw-away server; never set it
   * to reach a real service: anyone on the path could read and change the traffic.
   */
  insecureSkipVerify?: boolean;
}

/** A TCP transport that can switch to TLS in the middle of the connection (STARTTLS). */
export interface ITLSTransport extends ITCPTransport {
  /**
   * Starts TLS on this connection: bytes written before the call go out in clear, bytes after
   * are encrypted. `side` says which end of the handshake this is.
   */
  startTLS(options: TLSServerOptions | TLSClientOptions, side: "server" | "client"): void;
  /** Whether the connection runs TLS now. */
  readonly secure: boolean;
}

/** `listenSSL` / `connectSSL`: TCP with TLS from the first byte. */
export interface IReactorSSL {
  /** Like `listenTCP`, with TLS. */
  listenSSL(
    port: number,
    factory: IProtocolFactory,
    options: TLSServerOptions,
    backlog?: number,
    iface?: string,
  ): Deferred<IListeningPort>;
  /** Like `connectTCP`, with TLS; the certificate is verified unless the options say otherwise. */
  connectSSL(
    host: string,
    port: number,
    factory: IClientFactory,
    options?: TLSClientOptions,
    timeout?: number,
    bindAddress?: BindAddress,
  ): IConnector;
}

/** `listenUNIX` / `connectUNIX`: stream sockets on the filesystem. */
export interface IReactorUNIX {
  /**
   * Listens on the UNIX socket at `path`. `mode` sets its permissions (default 0o666 less the
   * umask); a stale socket file left by a dead process is removed when `wantPID` is true and
   * its lock file shows no live owner.
   */
  listenUNIX(
    path: string,
    factory: IProtocolFactory,
    backlog?: number,
    mode?: number,
    wantPID?: boolean,
  ): Deferred<IListeningPort>;
  /** Connects to the UNIX socket at `path`. */
  connectUNIX(path: string, factory: IClientFactory, timeout?: number): IConnector;
}

/** A datagram protocol: reacts to datagrams on a UDP port. */
export interface IDatagramProtocol {
  /** Called when the port starts listening, with its transport. */
  makeConnection(transport: IUDPTransport): void;
  /** A datagram arrived from `addr`. */
  datagramReceived(data: Uint8Array, addr: IPv4Address | IPv6Address): void;
  /** On a connected port: the peer answered with ICMP port unreachable. */
  connectionRefused(): void;
  /** The port stopped listening. */
  doStop(): void;
}

/** The transport of a UDP port. */
export interface IUDPTransport extends IListeningPort {
  /**
   * Sends `data` to `addr` (a `{ host, port }`), or to the connected peer when `addr` is omitted
   * on a connected port.
   *
   * @throws when the datagram is larger than the system allows, or `addr` is missing on an
   *   unconnected port (or given on a connected one).
   */
  write(data: Uint8Array, addr?: { host: string; port: number }): void;
  /** Connects the port to one peer: only its datagrams are received, `write` needs no address. */
  connect(host: string, port: number): Deferred<void>;
  /** The local address. */
  getHost(): IPv4Address | IPv6Address;
  /** Stops reading datagrams until {@link resumeProducing}. */
  pauseProducing(): void;
  /** Resumes reading datagrams. */
  resumeProducing(): void;
}

/** Multicast control on a UDP port. */
export interface IMulticastTransport extends IUDPTransport {
  /** Joins the group at `address` on `iface` (default: the system's choice). */
  joinGroup(address: string, iface?: string): Deferred<void>;
  /** Leaves the group. */
  leaveGroup(address: string, iface?: string): Deferred<void>;
  /** Time-to-live of outgoing multicast datagrams. */
  setTTL(ttl: number): void;
  /** Whether this host receives its own multicast datagrams. */
  setLoopbackMode(enabled: boolean): void;
  /** The interface outgoing multicast datagrams leave from. */
  setOutgoingInterface(iface: string): Deferred<void>;
}

/** `listenUDP`. */
export interface IReactorUDP {
  /** Binds a UDP port and gives its transport to `protocol`. */
  listenUDP(
    port: number,
    protocol: IDatagramProtocol,
    iface?: string,
    maxPacketSize?: number,
  ): Deferred<IUDPTransport>;
}

/** `listenMulticast`. */
export interface IReactorMulticast {
  /** Binds a UDP port for multicast; `listenMultiple` lets several sockets share the port. */
  listenMulticast(
    port: number,
    protocol: IDatagramProtocol,
    iface?: string,
    maxPacketSize?: number,
    listenMultiple?: boolean,
  ): Deferred<IMulticastTransport>;
}

// -----------------------------------------------------------------------------------------------
// Name resolution

/** One resolved address of a host name. */
export interface ResolvedAddress {
  /** The address in textual form. */
  address: string;
  /** 4 or 6. */
  family: 4 | 6;
}

/** Resolves host names. The default uses the system resolver (`dns.lookup`). */
export interface IResolver {
  /** The first address of `name`, like Twisted's `getHostByName`. Fails with `DNSLookupError`. */
  getHostByName(name: string, timeoutSeconds?: number): Deferred<string>;
  /** Every address of `name`, in the resolver's order of preference. Fails with `DNSLookupError`. */
  resolveHostName(name: string, timeoutSeconds?: number): Deferred<ResolvedAddress[]>;
}

/** A reactor whose resolver can be replaced (for tests, or a custom DNS client). */
export interface IReactorPluggableResolver {
  /** The resolver in use. */
  readonly resolver: IResolver;
  /** Replaces the resolver; returns the previous one. */
  installResolver(resolver: IResolver): IResolver;
  /** Resolves `name` with the installed resolver (Twisted's `reactor.resolve`). */
  resolve(name: string, timeoutSeconds?: number): Deferred<string>;
}

// -----------------------------------------------------------------------------------------------
// Seams for processes and threads (filled by the process/threads area)

/**
 * Child processes with the protocol/transport model (Twisted's `IReactorProcess`). Implemented by
 * `spawnProcess` in `braid/process`, which the reactor delegates to.
 */
export interface IReactorProcess {
  /**
   * Starts `executable` connected to `processProtocol` (whose `makeConnection` is called before
   * this returns) and returns its transport. `args` is the whole argument vector, `args[0]`
   * (the name the child sees) included; the environment is empty unless `options.env` is given
   * (`null`: the parent's). See `spawnProcess` in `braid/process` for the options and errors.
   *
   * @throws ExecutableNotFoundError, WorkingDirectoryError, ChildFDMapError, PTYNotSupportedError
   *   (`usePTY` when the optional `node-pty` module could not be loaded),
   *   ProcessSpawnError or TypeError, before anything is started.
   */
  spawnProcess(
    processProtocol: IProcessProtocol,
    executable: string,
    args?: readonly string[],
    options?: SpawnProcessOptions,
  ): IProcessTransport;
}

/**
 * Work off the event loop (Twisted's `IReactorThreads`): a pool of worker threads running
 * functions exported by modules (see `braid/threads`), and `callFromThread` to get back onto the
 * event loop.
 */
export interface IReactorThreads extends IReactorThreadPool {
  /** Runs `f(...args)` on the reactor's thread (the event loop) as soon as possible. */
  callFromThread<A extends unknown[]>(f: (...args: A) => unknown, ...args: A): void;
}

// -----------------------------------------------------------------------------------------------
// The whole reactor

/** Everything the real reactor offers. */
export interface IReactor
  extends IReactorCore,
    IReactorTime,
    IReactorTCP,
    IReactorSSL,
    IReactorUNIX,
    IReactorUDP,
    IReactorMulticast,
    IReactorPluggableResolver,
    IReactorProcess,
    IReactorThreads {}
