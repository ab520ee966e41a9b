/**
 * `MemoryReactor` and `MemoryReactorClock`: reactors that do no I/O and record every port and
 * connection asked of them, for unit tests of code that takes a reactor.
 *
 * A test hands the code a `MemoryReactor`, then checks what it asked for
 * (`reactor.tcpClients[0].host`), and plays the network's part with the recorded factories and
 * connectors: build a protocol from `reactor.tcpServers[0].factory`, connect it to a
 * `StringTransport` or to an in-memory peer with `connectedServerAndClient`.
 *
 * @module
 */

import { Deferred, isDeferred, succeed } from "../defer/deferred.js";
import { ReactorAlreadyRunning, ReactorNotRunning } from "../errors/errors.js";
import { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import { type Address, ipAddress, UNIXAddress } from "../protocol/address.js";
import type { IClientFactory, IConnector, IProtocolFactory } from "../protocol/interfaces.js";
import type {
  BindAddress,
  IDatagramProtocol,
  IListeningPort,
  IReactorCore,
  IReactorPluggableResolver,
  IReactorSSL,
  IReactorTCP,
  IReactorUDP,
  IReactorUNIX,
  IResolver,
  IUDPTransport,
  SystemEvent,
  SystemEventPhase,
  TLSClientOptions,
  TLSServerOptions,
  TriggerID,
} from "../reactor/interfaces.js";
import { Clock } from "../time/clock.js";
import type { DelayedCall } from "../time/delayedcall.js";
import type { IReactorTime } from "../time/interfaces.js";
import {
  FakeConnector,
  FakeListeningPort,
  FakeUDPTransport,
  MemoryResolver,
} from "./memoryports.js";

const log = new Logger("braid.testing");
const PHASES: readonly SystemEventPhase[] = ["before", "during", "after"];

/** A `listenTCP` call recorded by a {@link MemoryReactor}. */
export interface TCPServerRecord {
  /** The port asked for (0 included). */
  port: number;
  factory: IProtocolFactory;
  backlog: number;
  interface: string;
  /** The port returned; its address has the auto-assigned number when `port` was 0. */
  listeningPort: FakeListeningPort;
}

/** A `connectTCP` call recorded by a {@link MemoryReactor}. */
export interface TCPClientRecord {
  host: string;
  port: number;
  factory: IClientFactory;
  timeout: number;
  bindAddress: BindAddress | undefined;
  /** The connector returned. */
  connector: FakeConnector;
}

/** A `listenSSL` call recorded by a {@link MemoryReactor}. */
export interface SSLServerRecord extends TCPServerRecord {
  options: TLSServerOptions;
}

/** A `connectSSL` call recorded by a {@link MemoryReactor}. */
export interface SSLClientRecord extends TCPClientRecord {
  options: TLSClientOptions | undefined;
}

/** A `listenUNIX` call recorded by a {@link MemoryReactor}. */
export interface UNIXServerRecord {
  path: string;
  factory: IProtocolFactory;
  backlog: number;
  mode: number;
  wantPID: boolean;
  listeningPort: FakeListeningPort;
}

/** A `connectUNIX` call recorded by a {@link MemoryReactor}. */
export interface UNIXClientRecord {
  path: string;
  factory: IClientFactory;
  timeout: number;
  connector: FakeConnector;
}

/** A `listenUDP` call recorded by a {@link MemoryReactor}. */
export interface UDPPortRecord {
  port: number;
  protocol: IDatagramProtocol;
  interface: string;
  maxPacketSize: number;
  transport: FakeUDPTransport;
}

/** A system event trigger waiting in a {@link MemoryReactor}. */
export interface TriggerRecord {
  readonly id: TriggerID;
  readonly phase: SystemEventPhase;
  readonly event: SystemEvent;
  readonly f: (...args: never[]) => unknown;
  readonly args: readonly unknown[];
}

/** Options of a {@link MemoryReactor}. */
export interface MemoryReactorOptions {
  /** Names the default {@link MemoryResolver} knows (`localhost` is always known). */
  hosts?: Record<string, string | readonly string[]>;
  /** The clock given to connectors (default: a private `Clock`). */
  clock?: IReactorTime;
  /** The first number handed out for `listenTCP(0, …)` and friends (default 40000). */
  firstEphemeralPort?: number;
}

/**
 * A reactor that records instead of doing: `listen*` calls land in {@link tcpServers},
 * {@link sslServers}, {@link unixServers}, {@link udpPorts} and return already-fired Deferreds of
 * fake ports; `connect*` calls land in {@link tcpClients}, {@link sslClients},
 * {@link unixClients} and return {@link FakeConnector}s that have told the factory
 * `startedConnecting`. The life cycle (`run`, `stop`, system event triggers) runs as the real
 * reactor's does, synchronously when the triggers are; at "during shutdown" the fake ports still
 * listening are stopped. Factories' `doStart` / `doStop` are not called.
 *
 * @example
 * ```ts
 * const reactor = new MemoryReactor();
 * startClient(reactor); // code under test calls reactor.connectTCP("example.com", 80, factory)
 * const { host, port, factory } = reactor.tcpClients[0]!;
 * assert.deepEqual([host, port], ["example.com", 80]);
 * const proto = factory.buildProtocol(new IPv4Address("TCP", "93.184.215.14", 80))!;
 * proto.makeConnection(new StringTransport());
 * ```
 */
export class MemoryReactor
  implements
    IReactorCore,
    IReactorTCP,
    IReactorSSL,
    IReactorUNIX,
    IReactorUDP,
    IReactorPluggableResolver
{
  /** Whether {@link run} was called and {@link stop} has not completed. */
  running = false;
  /** `true` once {@link run} was called. */
  hasRun = false;
  /** `true` once {@link stop} was called. */
  hasStopped = false;
  /** The triggers waiting to run; a trigger leaves the list when its event fires. */
  readonly triggers: TriggerRecord[] = [];
  readonly tcpServers: TCPServerRecord[] = [];
  readonly tcpClients: TCPClientRecord[] = [];
  readonly sslServers: SSLServerRecord[] = [];
  readonly sslClients: SSLClientRecord[] = [];
  readonly unixServers: UNIXServerRecord[] = [];
  readonly unixClients: UNIXClientRecord[] = [];
  readonly udpPorts: UDPPortRecord[] = [];
  /** Every connector handed out, in order. */
  readonly connectors: FakeConnector[] = [];
  /** The clock given to connectors. */
  readonly clock: IReactorTime;

  private _resolver: IResolver;
  private _nextPort: number;
  private _nextTrigger = 1;
  private _stopping = false;
  private _whenStopped: Deferred<void> | null = null;
  private readonly _ports: Array<IListeningPort & { listening: boolean }> = [];

  constructor(options: MemoryReactorOptions = {}) {
    this._resolver = new MemoryResolver(options.hosts);
    this.clock = options.clock ?? new Clock();
    this._nextPort = options.firstEphemeralPort ?? 40000;
  }

  // --- IReactorCore -------------------------------------------------------------------------

  /**
   * Fires the startup triggers and returns a Deferred that fires once {@link stop} completed.
   *
   * @throws ReactorAlreadyRunning when already running.
   */
  run(): Deferred<void> {
    if (this.running) throw new ReactorAlreadyRunning();
    this.running = true;
    this.hasRun = true;
    const stopped = new Deferred<void>();
    this._whenStopped = stopped;
    this.fireSystemEvent("startup");
    return stopped;
  }

  /**
   * Fires the shutdown triggers (stopping the fake ports still listening "during"), then
   * clears {@link running} and fires the Deferred {@link run} returned.
   *
   * @throws ReactorNotRunning when not running, or already stopping.
   */
  stop(): void {
    if (!this.running || this._stopping) throw new ReactorNotRunning();
    this._stopping = true;
    this.hasStopped = true;
    this.fireSystemEvent("shutdown").addCallback(() => {
      this.running = false;
      this._stopping = false;
      const d = this._whenStopped;
      this._whenStopped = null;
      d?.callback(undefined);
    });
  }

  /** Calls `f(...args)` now when running, else adds it as an "after startup" trigger. */
  callWhenRunning<A extends unknown[]>(
    f: (...args: A) => unknown,
    ...args: A
  ): TriggerID | undefined {
    if (this.running) {
      f(...args);
      return undefined;
    }
    return this.addSystemEventTrigger("after", "startup", f, ...args);
  }

  /** Records the trigger in {@link triggers}; it runs when its event fires. */
  addSystemEventTrigger<A extends unknown[]>(
    phase: SystemEventPhase,
    event: SystemEvent,
    f: (...args: A) => unknown,
    ...args: A
  ): TriggerID {
    const id: TriggerID = { phase, event, id: this._nextTrigger++ };
    this.triggers.push({ id, phase, event, f: f as (...args: never[]) => unknown, args });
    return id;
  }

  /**
   * Removes a waiting trigger.
   *
   * @throws RangeError when it is unknown, already removed or already run.
   */
  removeSystemEventTrigger(id: TriggerID): void {
    const i = this.triggers.findIndex((t) => t.id.id === id.id);
    if (i < 0)
      throw new RangeError(`Unknown system event trigger ${id.phase} ${id.event} #${id.id}`);
    this.triggers.splice(i, 1);
  }

  /**
   * Runs `event`'s "before", "during" and "after" triggers, each phase after the Deferreds and
   * Promises returned by the previous one have settled; failures are logged.
   */
  fireSystemEvent(event: SystemEvent): Deferred<void> {
    const done = new Deferred<void>();
    const runPhase = (i: number): void => {
      const phase = PHASES[i];
      if (phase === undefined) {
        done.callback(undefined);
        return;
      }
      const results: unknown[] = [];
      for (const trigger of this.triggers.filter((t) => t.event === event && t.phase === phase)) {
        this.triggers.splice(this.triggers.indexOf(trigger), 1);
        try {
          results.push((trigger.f as (...args: unknown[]) => unknown)(...trigger.args));
        } catch (e) {
          logTriggerFailure(e, phase, event);
        }
      }
      if (phase === "during" && event === "shutdown") {
        for (const port of this._ports) if (port.listening) results.push(port.stopListening());
      }
      whenSettled(results, phase, event, () => runPhase(i + 1));
    };
    runPhase(0);
    return done;
  }

  // --- name resolution ----------------------------------------------------------------------

  /** The resolver in use: a {@link MemoryResolver} unless replaced. */
  get resolver(): IResolver {
    return this._resolver;
  }

  /** Replaces the resolver; returns the previous one. */
  installResolver(resolver: IResolver): IResolver {
    const old = this._resolver;
    this._resolver = resolver;
    return old;
  }

  /** The first address of `name`, through the installed resolver. */
  resolve(name: string, timeoutSeconds?: number): Deferred<string> {
    return this._resolver.getHostByName(name, timeoutSeconds);
  }

  // --- TCP, SSL, UNIX, UDP ------------------------------------------------------------------

  /** Records the call in {@link tcpServers}; `port` 0 gets the next ephemeral number. */
  listenTCP(
    port: number,
    factory: IProtocolFactory,
    backlog = 50,
    iface = "0.0.0.0",
  ): Deferred<IListeningPort> {
    const listeningPort = this._listen(port, iface);
    this.tcpServers.push({ port, factory, backlog, interface: iface, listeningPort });
    return succeed<IListeningPort>(listeningPort);
  }

  /** Records the call in {@link tcpClients}; the connector has started connecting. */
  connectTCP(
    host: string,
    port: number,
    factory: IClientFactory,
    timeout = 30,
    bindAddress?: BindAddress,
  ): IConnector {
    const connector = this._connect(factory, ipAddress("TCP", host, port));
    this.tcpClients.push({ host, port, factory, timeout, bindAddress, connector });
    return connector;
  }

  /** Records the call in {@link sslServers}; `port` 0 gets the next ephemeral number. */
  listenSSL(
    port: number,
    factory: IProtocolFactory,
    options: TLSServerOptions,
    backlog = 50,
    iface = "0.0.0.0",
  ): Deferred<IListeningPort> {
    const listeningPort = this._listen(port, iface);
    this.sslServers.push({ port, factory, options, backlog, interface: iface, listeningPort });
    return succeed<IListeningPort>(listeningPort);
  }

  /** Records the call in {@link sslClients}; the connector has started connecting. */
  connectSSL(
    host: string,
    port: number,
    factory: IClientFactory,
    options?: TLSClientOptions,
    timeout = 30,
    bindAddress?: BindAddress,
  ): IConnector {
    const connector = this._connect(factory, ipAddress("TCP", host, port));
    this.sslClients.push({ host, port, factory, options, timeout, bindAddress, connector });
    return connector;
  }

  /** Records the call in {@link unixServers}. */
  listenUNIX(
    path: string,
    factory: IProtocolFactory,
    backlog = 50,
    mode = 0o666,
    wantPID = false,
  ): Deferred<IListeningPort> {
    const listeningPort = new FakeListeningPort(new UNIXAddress(path));
    this._ports.push(listeningPort);
    this.unixServers.push({ path, factory, backlog, mode, wantPID, listeningPort });
    return succeed<IListeningPort>(listeningPort);
  }

  /** Records the call in {@link unixClients}; the connector has started connecting. */
  connectUNIX(path: string, factory: IClientFactory, timeout = 30): IConnector {
    const connector = this._connect(factory, new UNIXAddress(path));
    this.unixClients.push({ path, factory, timeout, connector });
    return connector;
  }

  /**
   * Records the call in {@link udpPorts} and connects `protocol` to a {@link FakeUDPTransport}
   * (its `makeConnection` runs before the Deferred is returned).
   */
  listenUDP(
    port: number,
    protocol: IDatagramProtocol,
    iface = "0.0.0.0",
    maxPacketSize = 8192,
  ): Deferred<IUDPTransport> {
    const address = ipAddress("UDP", iface, port === 0 ? this._nextPort++ : port);
    const transport = new FakeUDPTransport(address, protocol);
    this._ports.push(transport);
    this.udpPorts.push({ port, protocol, interface: iface, maxPacketSize, transport });
    protocol.makeConnection(transport);
    return succeed<IUDPTransport>(transport);
  }

  private _listen(port: number, iface: string): FakeListeningPort {
    const listeningPort = new FakeListeningPort(
      ipAddress("TCP", iface, port === 0 ? this._nextPort++ : port),
    );
    this._ports.push(listeningPort);
    return listeningPort;
  }

  private _connect(factory: IClientFactory, destination: Address): FakeConnector {
    const connector = new FakeConnector(factory, destination, this.clock);
    this.connectors.push(connector);
    connector.connect();
    return connector;
  }
}

/**
 * A {@link MemoryReactor} that is also a deterministic {@link IReactorTime}: `callLater` schedules
 * on a `Clock` that only moves with {@link advance}.
 *
 * @example
 * ```ts
 * const reactor = new MemoryReactorClock();
 * const client = startClientWithTimeout(reactor); // connectTCP + callLater(30, giveUp)
 * reactor.advance(30);
 * assert.equal(reactor.connectors[0]!.stoppedConnecting, true);
 * ```
 */
export class MemoryReactorClock extends MemoryReactor implements IReactorTime {
  private readonly _time: Clock;

  constructor(options: Omit<MemoryReactorOptions, "clock"> = {}) {
    const time = new Clock();
    super({ ...options, clock: time });
    this._time = time;
  }

  /** The current time, in seconds (starts at 0). */
  get rightNow(): number {
    return this._time.rightNow;
  }

  /** {@inheritDoc IReactorTime.seconds} */
  seconds(): number {
    return this._time.seconds();
  }

  /** {@inheritDoc IReactorTime.callLater} */
  callLater<A extends unknown[]>(
    seconds: number,
    f: (...args: A) => void,
    ...args: A
  ): DelayedCall {
    return this._time.callLater(seconds, f, ...args);
  }

  /** {@inheritDoc IReactorTime.getDelayedCalls} */
  getDelayedCalls(): DelayedCall[] {
    return this._time.getDelayedCalls();
  }

  /**
   * Moves time forward and runs the calls that became due (see `Clock.advance`).
   *
   * @throws RangeError when `seconds` is negative or NaN.
   */
  advance(seconds: number): void {
    this._time.advance(seconds);
  }

  /** Advances by each of `timings` in turn (see `Clock.pump`). */
  pump(timings: Iterable<number>): void {
    this._time.pump(timings);
  }

  /** Runs `f(...args)` at the next `advance` (a `callLater(0, …)`). */
  callFromThread<A extends unknown[]>(f: (...args: A) => unknown, ...args: A): void {
    this._time.callLater(0, () => {
      f(...args);
    });
  }
}

/** Calls `next` once every Deferred or thenable in `results` has settled (at once if none). */
function whenSettled(
  results: readonly unknown[],
  phase: SystemEventPhase,
  event: SystemEvent,
  next: () => void,
): void {
  let pending = 1;
  const settle = (): void => {
    if (--pending === 0) next();
  };
  for (const r of results) {
    if (isDeferred(r)) {
      pending++;
      r.addBoth((v) => {
        if (v instanceof Failure) logTriggerFailure(v, phase, event);
        settle();
      });
    } else if (
      r !== null &&
      typeof r === "object" &&
      typeof (r as PromiseLike<unknown>).then === "function"
    ) {
      pending++;
      Promise.resolve(r as PromiseLike<unknown>).then(settle, (e: unknown) => {
        logTriggerFailure(e, phase, event);
        settle();
      });
    }
  }
  settle();
}

function logTriggerFailure(e: unknown, phase: SystemEventPhase, event: SystemEvent): void {
  log.failure("Error in a {phase} {event} trigger", e, { phase, event }, "error");
}
