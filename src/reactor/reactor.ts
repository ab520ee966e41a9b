/**
 * `Reactor`: the real reactor, on Node's own event loop, and the default `reactor` instance.
 *
 * The class only assembles: life cycle from `core.ts`, time from `ReactorTime`, and one module per
 * kind of transport (`tcp.ts`, `unix.ts`, `ssl.ts`, `udp.ts`) and for name resolution
 * (`resolver.ts`). Each of those receives the reactor through the narrow `IReactorInternals`
 * view, so none of them depends on this class.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import type { IProcessProtocol, SpawnProcessOptions } from "../process/interfaces.js";
import { spawnProcess } from "../process/spawn.js";
import type { ProcessTransport } from "../process/transport.js";
import type { IClientFactory, IConnector, IProtocolFactory } from "../protocol/interfaces.js";
import { setDefaultThreadPoolProvider } from "../threads/defer.js";
import type { ThreadPool } from "../threads/pool.js";
import { ReactorThreads } from "../threads/reactor.js";
import type { TaskRef } from "../threads/task.js";
import type { DelayedCall } from "../time/delayedcall.js";
import { ReactorTime } from "../time/reactortime.js";
import { ReactorCore } from "./core.js";
import { primeHeap } from "./heap.js";
import type {
  BindAddress,
  IDatagramProtocol,
  IListeningPort,
  IMulticastTransport,
  IReactor,
  IResolver,
  IUDPTransport,
  TLSClientOptions,
  TLSServerOptions,
} from "./interfaces.js";
import type { IReactorInternals } from "./internals.js";
import { SystemResolver } from "./resolver.js";
import { connectSSL, listenSSL } from "./ssl.js";
import { connectTCP, listenTCP } from "./tcp.js";
import { listenMulticast, listenUDP } from "./udp.js";
import { connectUNIX, listenUNIX } from "./unix.js";

/**
 * The reactor: time, TCP, TLS, UNIX sockets, UDP and multicast, name resolution, and an orderly
 * life cycle. Most programs use the shared {@link reactor}; tests use `MemoryReactor` or `Clock`
 * from `braid/testing` instead.
 *
 * @example
 * ```ts
 * import { Factory, Protocol, reactor } from "braid";
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array) { this.transport!.write(data); }
 * }
 * await reactor.listenTCP(8000, Factory.forProtocol(Echo));
 * reactor.run();
 * ```
 */
export class Reactor extends ReactorCore implements IReactor, IReactorInternals {
  // Every stream entry point below (TCP, TLS, UNIX, processes) first calls `primeHeap()`, once per
  // process: see heap.ts for why a streaming server wants glibc's allocator primed.
  /** @internal the timer heap behind `callLater`. */
  protected readonly time = new ReactorTime();
  private _resolver: IResolver = new SystemResolver(this);

  // --- IReactorTime ------------------------------------------------------------------------

  /** Seconds on a monotonic clock (wall-clock based); see `IReactorTime.seconds`. */
  seconds(): number {
    return this.time.seconds();
  }

  /** Calls `f(...args)` after `seconds`; see `IReactorTime.callLater`. */
  callLater<A extends unknown[]>(
    seconds: number,
    f: (...args: A) => void,
    ...args: A
  ): DelayedCall {
    return this.time.callLater(seconds, f, ...args);
  }

  /** The calls scheduled and not yet run or cancelled. */
  getDelayedCalls(): DelayedCall[] {
    return this.time.getDelayedCalls();
  }

  // --- IReactorThreads -----------------------------------------------------------------------

  /** @internal the worker pool, made on first use and stopped during shutdown. */
  private readonly _threads = new ReactorThreads(this);

  /** The reactor's worker-thread pool (made on first use, stopped at shutdown). */
  getThreadPool(): ThreadPool {
    return this._threads.getThreadPool();
  }

  /** Runs `task(...args)` on a worker thread; a failure is logged. */
  callInThread<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): void {
    this._threads.callInThread(task, ...args);
  }

  /** Sets the largest number of worker threads the pool may use. */
  suggestThreadPoolSize(size: number): void {
    this._threads.suggestThreadPoolSize(size);
  }

  /** Runs `f(...args)` on the event loop as soon as possible (after the current code). */
  callFromThread<A extends unknown[]>(f: (...args: A) => unknown, ...args: A): void {
    this.time.callLater(0, () => {
      f(...args);
    });
  }

  // --- IReactorProcess ------------------------------------------------------------------------

  /**
   * Starts `executable` as a child process talking to `processProtocol` (see `braid/process`);
   * `args[0]` is the name the child sees. The process is closed at shutdown like a connection.
   */
  spawnProcess(
    processProtocol: IProcessProtocol,
    executable: string,
    args?: readonly string[],
    options?: SpawnProcessOptions,
  ): ProcessTransport {
    primeHeap();
    return spawnProcess(this, processProtocol, executable, args, options);
  }

  // --- Name resolution -----------------------------------------------------------------------

  /** The resolver in use (the system's, unless {@link installResolver} replaced it). */
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

  // --- Transports ----------------------------------------------------------------------------

  /** See {@link IReactorTCP.listenTCP}. */
  listenTCP(
    port: number,
    factory: IProtocolFactory,
    backlog?: number,
    iface?: string,
  ): Deferred<IListeningPort> {
    primeHeap();
    return listenTCP(this, port, factory, backlog, iface);
  }

  /** See {@link IReactorTCP.connectTCP}. */
  connectTCP(
    host: string,
    port: number,
    factory: IClientFactory,
    timeout?: number,
    bindAddress?: BindAddress,
  ): IConnector {
    primeHeap();
    return connectTCP(this, host, port, factory, timeout, bindAddress);
  }

  /** See {@link IReactorSSL.listenSSL}. */
  listenSSL(
    port: number,
    factory: IProtocolFactory,
    options: TLSServerOptions,
    backlog?: number,
    iface?: string,
  ): Deferred<IListeningPort> {
    primeHeap();
    return listenSSL(this, port, factory, options, backlog, iface);
  }

  /** See {@link IReactorSSL.connectSSL}. */
  connectSSL(
    host: string,
    port: number,
    factory: IClientFactory,
    options?: TLSClientOptions,
    timeout?: number,
    bindAddress?: BindAddress,
  ): IConnector {
    primeHeap();
    return connectSSL(this, host, port, factory, options, timeout, bindAddress);
  }

  /** See {@link IReactorUNIX.listenUNIX}. */
  listenUNIX(
    path: string,
    factory: IProtocolFactory,
    backlog?: number,
    mode?: number,
    wantPID?: boolean,
  ): Deferred<IListeningPort> {
    primeHeap();
    return listenUNIX(this, path, factory, backlog, mode, wantPID);
  }

  /** See {@link IReactorUNIX.connectUNIX}. */
  connectUNIX(path: string, factory: IClientFactory, timeout?: number): IConnector {
    primeHeap();
    return connectUNIX(this, path, factory, timeout);
  }

  /** See {@link IReactorUDP.listenUDP}. */
  listenUDP(
    port: number,
    protocol: IDatagramProtocol,
    iface?: string,
    maxPacketSize?: number,
  ): Deferred<IUDPTransport> {
    return listenUDP(this, port, protocol, iface, maxPacketSize);
  }

  /** See {@link IReactorMulticast.listenMulticast}. */
  listenMulticast(
    port: number,
    protocol: IDatagramProtocol,
    iface?: string,
    maxPacketSize?: number,
    listenMultiple?: boolean,
  ): Deferred<IMulticastTransport> {
    return listenMulticast(this, port, protocol, iface, maxPacketSize, listenMultiple);
  }
}

/**
 * The shared reactor, for convenience. Libraries should take a reactor (or the narrow interface
 * they need) as a parameter instead, so that tests can pass a `MemoryReactor` or a `Clock`.
 */
export const reactor: Reactor = new Reactor();

// `deferToThread` without an explicit pool uses the shared reactor's.
setDefaultThreadPoolProvider(() => reactor.getThreadPool());
