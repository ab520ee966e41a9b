/**
 * Services for the network and for time: listening on an endpoint while running
 * ({@link StreamServerEndpointService}), keeping a client connection up (`ClientService`, in
 * `client.ts`, re-exported here), and calling a function periodically ({@link TimerService}).
 *
 * @module
 */

import { Deferred, maybeDeferred, succeed } from "../defer/deferred.js";
import type { IStreamServerEndpoint } from "../endpoints/interfaces.js";
import type { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import type { IProtocolFactory } from "../protocol/interfaces.js";
import type { IListeningPort } from "../reactor/interfaces.js";
import { reactor as defaultReactor } from "../reactor/reactor.js";
import type { IReactorTime } from "../time/interfaces.js";
import { LoopingCall } from "../time/loopingcall.js";
import { ConnectionTrackingFactory } from "./connections.js";
import { Service } from "./service.js";

export {
  type BackoffPolicyOptions,
  backoffPolicy,
  ClientService,
  type ClientServiceOptions,
  type RetryPolicy,
  type WhenConnectedOptions,
} from "./client.js";

const log = new Logger("braid.application");

/** Default seconds open connections get to finish when a server service stops. */
export const DEFAULT_GRACE = 5;

/** Options of a {@link StreamServerEndpointService}. */
export interface StreamServerEndpointServiceOptions {
  /**
   * Seconds the connections still open when the service stops get to finish by themselves before
   * they are dropped (default {@link DEFAULT_GRACE}; 0 drops them at once).
   */
  grace?: number;
  /** The clock the grace period runs on (default: the reactor). */
  clock?: IReactorTime;
  /** How log lines name the service (default: its name, else the endpoint's class name). */
  label?: string;
}

/**
 * Listens on an endpoint while running.
 *
 * - Starting begins listening (in `privilegedStartService`, which `startService` calls if nobody
 *   did); the Deferred `startService` returns fires with the listening port, or fails with the
 *   endpoint's error (`CannotListenError` when the port is in use).
 * - Stopping stops listening at once, then waits up to {@link grace} seconds for the connections
 *   still open to close by themselves; those left after that are dropped (`abortConnection`).
 *   The Deferred `stopService` returns fires once every connection is gone.
 * - Every connection's opening and closing is logged at debug level with the peer's address
 *   (namespace `"braid.application"`).
 *
 * @example
 * ```ts
 * const endpoint = serverFromString(reactor, "tcp:8000:interface=127.0.0.1");
 * const service = new StreamServerEndpointService(endpoint, Factory.forProtocol(Echo), { grace: 2 });
 * service.setServiceParent(application);
 * ```
 */
export class StreamServerEndpointService extends Service {
  /**
   * Seconds open connections get to finish when the service stops; `undefined` means the default
   * ({@link DEFAULT_GRACE}), which the `braid` runner replaces with its `--grace`.
   */
  grace: number | undefined;
  /** The clock of the grace period. */
  clock: IReactorTime;
  /** The listening port while listening, else `null`. */
  port: IListeningPort | null = null;
  /** The wrapper that tracks the connections of the current listening period. */
  private _tracker: ConnectionTrackingFactory | null = null;
  /** Settles when the listen attempt has: with the port, or `null` when it failed. */
  private _listening: Deferred<IListeningPort | null> | null = null;
  /** The listen attempt's failure, if it failed. */
  private _listenFailure: Failure | null = null;
  private readonly _label: string | undefined;

  constructor(
    /** Where to listen. */
    readonly endpoint: IStreamServerEndpoint,
    /** The factory of the connections' protocols. */
    readonly factory: IProtocolFactory,
    options: StreamServerEndpointServiceOptions = {},
  ) {
    super();
    this.grace = options.grace;
    this.clock = options.clock ?? defaultReactor;
    this._label = options.label;
  }

  /** The open connections being tracked (their count, for logs and tests). */
  get connectionCount(): number {
    return this._tracker?.connections.size ?? 0;
  }

  /** Starts listening, unless already listening (or trying to). */
  override privilegedStartService(): void {
    super.privilegedStartService();
    if (this._listening !== null) return;
    const label = this._label ?? this.name ?? this.endpoint.constructor.name;
    const tracker = new ConnectionTrackingFactory(this.factory, { log, label });
    this._tracker = tracker;
    this._listenFailure = null;
    const listening = new Deferred<IListeningPort | null>();
    this._listening = listening;
    maybeDeferred(() => this.endpoint.listen(tracker)).addCallbacks(
      (port) => {
        this.port = port;
        log.info("{label}: listening on {address}", { label, address: String(port.getHost()) });
        listening.callback(port);
      },
      (f: Failure) => {
        this._listenFailure = f;
        listening.callback(null);
      },
    );
  }

  /**
   * Starts listening (see the class description).
   *
   * @returns a Deferred of the listening port, failing with the endpoint's error.
   */
  override startService(): Deferred<IListeningPort> {
    super.startService();
    this.privilegedStartService();
    const result = new Deferred<IListeningPort>();
    this._listening!.addCallback((port) => {
      if (port !== null) result.callback(port);
      else result.errback(this._listenFailure ?? new Error("listening failed"));
      return port;
    });
    return result;
  }

  /**
   * Stops listening, lets open connections finish within the grace period, then drops the rest.
   *
   * @returns a Deferred that fires once the port is closed and every connection is gone.
   */
  override stopService(): Deferred<void> {
    super.stopService();
    const listening = this._listening;
    const tracker = this._tracker;
    this._listening = null;
    if (listening === null || tracker === null) return succeed(undefined);
    const done = new Deferred<void>();
    listening.addCallback((port) => {
      const stopped =
        port === null ? succeed(undefined) : maybeDeferred(() => port.stopListening());
      stopped
        .addErrback((f: Failure) => {
          log.failure("Stopping listening failed", f, undefined, "error");
        })
        .addCallback(() => {
          if (this.port === port) this.port = null;
          return this._drain(tracker);
        })
        .addCallback(() => done.callback(undefined));
      return port;
    });
    return done;
  }

  /** Waits for `tracker`'s connections to close, dropping them once the grace period is over. */
  private _drain(tracker: ConnectionTrackingFactory): Deferred<void> {
    const count = tracker.connections.size;
    if (count === 0) return succeed(undefined);
    const grace = Math.max(0, this.grace ?? DEFAULT_GRACE);
    if (grace === 0) {
      tracker.abortAll();
      return tracker.whenIdle();
    }
    log.info("Waiting up to {grace} s for {count} open connection(s) to finish", { grace, count });
    const idle = tracker.whenIdle();
    const timer = this.clock.callLater(grace, () => {
      log.info("Grace period over: dropping {count} connection(s)", {
        count: tracker.connections.size,
      });
      tracker.abortAll();
    });
    return idle.addCallback(() => {
      if (timer.active()) timer.cancel();
    });
  }
}

/**
 * Calls `fn(...args)` every `interval` seconds while running (a `LoopingCall`, first call at
 * start). If `fn` returns a Deferred, the next call waits for it; if it throws or fails, the
 * failure is logged and the calls stop until the service is restarted.
 *
 * @example
 * ```ts
 * const flush = new TimerService(60, () => cache.flush());
 * flush.clock = reactor; // the default; tests use a Clock
 * flush.setServiceParent(application);
 * ```
 */
export class TimerService<A extends unknown[] = []> extends Service {
  /** The clock the calls run on (default: the reactor). */
  clock: IReactorTime | undefined;
  /** The loop while running. */
  private _loop: LoopingCall<A> | null = null;
  private _loopFinished: Deferred<unknown> | null = null;
  /** The function called. */
  readonly fn: (...args: A) => unknown;
  /** Its arguments. */
  readonly args: A;

  constructor(
    /** Seconds between calls. */
    readonly interval: number,
    fn: (...args: A) => unknown,
    ...args: A
  ) {
    super();
    this.fn = fn;
    this.args = args;
  }

  /** Starts the loop; the first call happens now. */
  override startService(): void {
    super.startService();
    const loop = new LoopingCall(this.fn, ...this.args);
    loop.clock = this.clock ?? defaultReactor;
    this._loop = loop;
    this._loopFinished = loop.start(this.interval, true).addErrback((f: Failure) => {
      log.failure(
        "TimerService {service} stopped: its function failed",
        f,
        {
          service: String(this),
        },
        "error",
      );
    });
  }

  /**
   * Stops the loop.
   *
   * @returns a Deferred that fires once the call in progress (if it returned a Deferred) is done.
   */
  override stopService(): Deferred<unknown> {
    super.stopService();
    const loop = this._loop;
    const finished = this._loopFinished;
    this._loop = null;
    this._loopFinished = null;
    if (loop === null || finished === null) return succeed(undefined);
    if (loop.running) loop.stop();
    const d = new Deferred<unknown>();
    finished.addBoth(() => d.callback(undefined));
    return d;
  }
}
