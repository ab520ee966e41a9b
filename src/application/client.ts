/**
 * `ClientService`: keeps one client connection up through an endpoint, reconnecting with a
 * retry policy (exponential backoff with jitter by default) while the service runs.
 *
 * @module
 */

import { Deferred, fail, maybeDeferred, succeed } from "../defer/deferred.js";
import type { IStreamClientEndpoint } from "../endpoints/interfaces.js";
import { CancelledError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import type { IProtocol, IProtocolFactory } from "../protocol/interfaces.js";
import { reactor as defaultReactor } from "../reactor/reactor.js";
import type { IDelayedCall, IReactorTime } from "../time/interfaces.js";
import { ConnectionTrackingFactory, type TrackedProtocol } from "./connections.js";
import { Service } from "./service.js";

const log = new Logger("braid.application.client");

/**
 * How long to wait before the next connection attempt, in seconds, after `failedAttempts`
 * consecutive failures (1 for the first retry). A lost connection counts as one failure.
 */
export type RetryPolicy = (failedAttempts: number) => number;

/** Settings of {@link backoffPolicy}. */
export interface BackoffPolicyOptions {
  /** The delay before the first retry, in seconds (default 1). */
  initialDelay?: number;
  /** Each further failure multiplies the delay by this (default 1.5). */
  factor?: number;
  /** The longest delay before the jitter is added, in seconds (default 60). */
  maxDelay?: number;
  /**
   * Random seconds added to each delay, so that many clients do not retry in step: a number is
   * the largest addition (uniform in `[0, jitter)`); a function returns the addition itself.
   * Default 1 (up to one second). Use 0 in tests for exact delays.
   */
  jitter?: number | (() => number);
  /** Source of randomness for a numeric jitter (default `Math.random`). */
  random?: () => number;
}

/**
 * An exponential backoff {@link RetryPolicy}: `min(initialDelay × factor^(n−1), maxDelay) +
 * jitter` before retry `n`.
 *
 * @example
 * ```ts
 * const policy = backoffPolicy({ initialDelay: 0.5, factor: 2, maxDelay: 30, jitter: 0.25 });
 * policy(1); // 0.5 .. 0.75
 * policy(4); // 4 .. 4.25
 * ```
 */
export function backoffPolicy(options: BackoffPolicyOptions = {}): RetryPolicy {
  const initialDelay = options.initialDelay ?? 1;
  const factor = options.factor ?? 1.5;
  const maxDelay = options.maxDelay ?? 60;
  const jitter = options.jitter ?? 1;
  const random = options.random ?? Math.random;
  const extra = typeof jitter === "function" ? jitter : () => random() * jitter;
  return (failedAttempts) => {
    const n = Math.min(Math.max(1, failedAttempts), 1000);
    return Math.min(initialDelay * factor ** (n - 1), maxDelay) + Math.max(0, extra());
  };
}

/** Options of a {@link ClientService}. */
export interface ClientServiceOptions<P extends IProtocol = IProtocol> {
  /** When to retry (default: {@link backoffPolicy} with its defaults). */
  retryPolicy?: RetryPolicy;
  /** The clock retries are scheduled on (default: the reactor). */
  clock?: IReactorTime;
  /**
   * Runs on each new connection before it counts as connected (a login, a handshake); a
   * Deferred or Promise it returns is waited for. If it fails, the connection is dropped and the
   * attempt counts as failed.
   */
  prepareConnection?: (protocol: P) => unknown;
}

/** Options of {@link ClientService.whenConnected}. */
export interface WhenConnectedOptions {
  /**
   * Fail (with the last attempt's failure) once this many consecutive connection attempts have
   * failed, instead of waiting for ever.
   */
  failAfterFailures?: number;
}

type State = "stopped" | "connecting" | "preparing" | "connected" | "waiting" | "stopping";

interface Waiter<P> {
  readonly d: Deferred<P>;
  readonly failAfterFailures: number | undefined;
}

/**
 * Keeps a connection up through `endpoint` while running: connects at start, and after a failed
 * attempt or a lost connection waits as the retry policy says and tries again.
 *
 * - {@link whenConnected} gives the protocol of the current connection, or of the next one.
 * - Stopping cancels the attempt in progress and any scheduled retry, closes the connection and
 *   fails every pending `whenConnected` with `CancelledError`; the Deferred `stopService` returns
 *   fires once the connection is gone.
 *
 * @example
 * ```ts
 * const endpoint = clientFromString(reactor, "tcp:host=127.0.0.1:port=8000");
 * const client = new ClientService(endpoint, Factory.forProtocol(Greeter), {
 *   retryPolicy: backoffPolicy({ initialDelay: 0.5, maxDelay: 10 }),
 * });
 * client.setServiceParent(application);
 * const greeter = await client.whenConnected({ failAfterFailures: 3 });
 * greeter.transport!.write(new TextEncoder().encode("hello\n"));
 * ```
 */
export class ClientService<P extends IProtocol = IProtocol> extends Service {
  /** The retry policy. */
  readonly retryPolicy: RetryPolicy;
  /** The clock of the retries. */
  readonly clock: IReactorTime;
  private readonly _prepare: ((protocol: P) => unknown) | undefined;
  private readonly _tracker: ConnectionTrackingFactory;
  private _state: State = "stopped";
  private _failedAttempts = 0;
  private _attempt: Deferred<IProtocol> | null = null;
  private _retry: IDelayedCall | null = null;
  private _current: TrackedProtocol | null = null;
  private _waiters: Waiter<P>[] = [];
  private _stopped: Deferred<void> | null = null;

  constructor(
    /** Where to connect. */
    readonly endpoint: IStreamClientEndpoint,
    /** The factory of the connections' protocols. */
    readonly factory: IProtocolFactory,
    options: ClientServiceOptions<P> = {},
  ) {
    super();
    this.retryPolicy = options.retryPolicy ?? backoffPolicy();
    this.clock = options.clock ?? defaultReactor;
    this._prepare = options.prepareConnection;
    this._tracker = new ConnectionTrackingFactory(factory, {
      log,
      label: "client",
      direction: "to",
      onLost: (connection) => this._lost(connection),
    });
  }

  /** Consecutive failed attempts since the last connection (0 while connected). */
  get failedAttempts(): number {
    return this._failedAttempts;
  }

  /**
   * The protocol of the current connection, or of the next one to be made.
   *
   * @returns a Deferred of the protocol; it fails with `CancelledError` when the service is not
   *   running or stops first, and with the last failure once `failAfterFailures` consecutive
   *   attempts have failed. Cancelling it just stops waiting.
   */
  whenConnected(options: WhenConnectedOptions = {}): Deferred<P> {
    if (this._state === "connected" && this._current !== null) {
      return succeed(this._current.wrapped as P);
    }
    if (!this.running || this._state === "stopped" || this._state === "stopping") {
      return fail(new CancelledError("The ClientService is not running"));
    }
    const d: Deferred<P> = new Deferred<P>((cancelled) => {
      this._waiters = this._waiters.filter((w) => w.d !== cancelled);
    });
    this._waiters.push({ d, failAfterFailures: options.failAfterFailures });
    return d;
  }

  /** Starts connecting. */
  override startService(): void {
    if (this.running) return;
    super.startService();
    this._failedAttempts = 0;
    this._stopped = null;
    this._connect();
  }

  /**
   * Stops: see the class description.
   *
   * @returns a Deferred that fires once the connection (if any) is gone.
   */
  override stopService(): Deferred<void> {
    super.stopService();
    if (this._state === "stopping" && this._stopped !== null) return this._waitStopped();
    const wasState = this._state;
    this._state = "stopping";
    if (this._retry?.active()) this._retry.cancel();
    this._retry = null;
    const attempt = this._attempt;
    this._attempt = null;
    attempt?.cancel();
    const waiters = this._waiters;
    this._waiters = [];
    for (const w of waiters) w.d.errback(new CancelledError("The ClientService was stopped"));
    const current = this._current;
    if (current === null || wasState === "stopped") {
      this._state = "stopped";
      return succeed(undefined);
    }
    this._stopped = new Deferred<void>();
    const waiting = this._waitStopped();
    current.transport?.loseConnection();
    return waiting;
  }

  private _waitStopped(): Deferred<void> {
    const d = new Deferred<void>();
    this._stopped?.addBoth(() => d.callback(undefined));
    return d;
  }

  private _connect(): void {
    this._state = "connecting";
    this._retry = null;
    const attempt = maybeDeferred(() => this.endpoint.connect(this._tracker));
    this._attempt = attempt;
    attempt.addCallbacks(
      (proto) => {
        if (this._attempt !== attempt) {
          // Stopped meanwhile: nobody wants this connection.
          (proto as TrackedProtocol).transport?.abortConnection();
          return;
        }
        this._attempt = null;
        this._made(proto as TrackedProtocol);
      },
      (f: Failure) => {
        if (this._attempt !== attempt) return; // cancelled by stopService
        this._attempt = null;
        this._failed(f);
      },
    );
  }

  private _made(connection: TrackedProtocol): void {
    this._current = connection;
    const prepare = this._prepare;
    if (prepare === undefined) {
      this._ready(connection);
      return;
    }
    this._state = "preparing";
    maybeDeferred(() => prepare(connection.wrapped as P)).addCallbacks(
      () => {
        if (this._current === connection && this._state === "preparing") this._ready(connection);
      },
      (f: Failure) => {
        if (this._current !== connection || this._state !== "preparing") return;
        log.failure("Preparing the connection failed", f, undefined, "warn");
        this._countFailure(f);
        // The loss that follows schedules the retry.
        connection.transport?.abortConnection();
      },
    );
  }

  private _ready(connection: TrackedProtocol): void {
    this._state = "connected";
    this._failedAttempts = 0;
    const waiters = this._waiters;
    this._waiters = [];
    for (const w of waiters) w.d.callback(connection.wrapped as P);
  }

  private _failed(f: Failure): void {
    this._countFailure(f);
    this._wait(f.getErrorMessage());
  }

  /** Counts a failed attempt and fails the waiters that have had enough. */
  private _countFailure(f: Failure): void {
    this._failedAttempts++;
    const failed = this._failedAttempts;
    const keep: Waiter<P>[] = [];
    const give: Waiter<P>[] = [];
    for (const w of this._waiters) {
      if (w.failAfterFailures !== undefined && w.failAfterFailures <= failed) give.push(w);
      else keep.push(w);
    }
    this._waiters = keep;
    for (const w of give) w.d.errback(f);
  }

  private _wait(why: string): void {
    this._state = "waiting";
    const attempt = Math.max(1, this._failedAttempts);
    let delay = this.retryPolicy(attempt);
    if (!Number.isFinite(delay) || delay < 0) delay = 0;
    log.info("Connecting failed or lost ({why}); retry {attempt} in {delay} s", {
      why,
      attempt,
      delay: Math.round(delay * 1000) / 1000,
    });
    this._retry = this.clock.callLater(delay, () => this._connect());
  }

  private _lost(connection: TrackedProtocol): void {
    if (this._current !== connection) return;
    this._current = null;
    if (this._state === "stopping") {
      this._state = "stopped";
      this._stopped?.callback(undefined);
      return;
    }
    if (!this.running) return;
    if (this._state === "connected") this._failedAttempts = 1;
    this._wait("connection lost");
  }
}
