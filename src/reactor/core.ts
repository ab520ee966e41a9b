/**
 * `ReactorCore`: the reactor's life cycle — `run`, `stop`, system event triggers — and the
 * registries of live ports and connections that an orderly shutdown closes.
 *
 * The class is abstract: it needs time (`callLater`, `seconds`) from its subclass, which is the
 * real `Reactor` (on `ReactorTime`) or any reactor a test builds on another time source.
 *
 * System events follow Twisted's three-phase model. Firing an event runs its "before" triggers,
 * waits for the Deferreds (or Promises) they return, then does the same for "during" and
 * "after". Each trigger runs at most once: firing consumes it. A trigger added to a phase while
 * that phase runs (or while it waits on its Deferreds) runs in that same phase; one added to a
 * later phase runs when that phase comes; one added to a phase already over waits for the next
 * time the event fires. If nothing returns a Deferred, the whole event fires synchronously.
 *
 * @module
 */

import { Deferred, maybeDeferred } from "../defer/deferred.js";
import { ReactorAlreadyRunning, ReactorNotRunning } from "../errors/errors.js";
import { Logger } from "../logger/logger.js";
import type { IDelayedCall } from "../time/interfaces.js";
import type {
  IListeningPort,
  IReactorCore,
  SystemEvent,
  SystemEventPhase,
  TriggerID,
} from "./interfaces.js";
import type { ShutdownConnection } from "./internals.js";

const log = new Logger("braid.reactor");

const PHASES: readonly SystemEventPhase[] = ["before", "during", "after"];

/** Longest delay Node's timers accept (about 24.8 days); the keep-alive interval uses it. */
const KEEP_ALIVE_MS = 2 ** 31 - 1;

/** The signals that start an orderly shutdown. */
const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

interface Trigger {
  readonly handle: TriggerID;
  readonly f: (...args: unknown[]) => unknown;
  readonly args: unknown[];
}

/** The triggers of one event, and the ids that ran during the firing in progress. */
interface EventTriggers {
  readonly before: Trigger[];
  readonly during: Trigger[];
  readonly after: Trigger[];
  /** How many firings of this event are in progress. */
  firing: number;
  /** Ids run by the firing(s) in progress: removing one of them is a no-op, not an error. */
  readonly fired: Set<number>;
}

type State = "stopped" | "running" | "stopping";

/**
 * The life cycle of a reactor ({@link IReactorCore}) and the tracking part of the reactor's
 * internal view (`trackPort`, `trackConnection`, …).
 *
 * - {@link run} sets {@link running}, fires the "startup" event and keeps the process alive with
 *   one ref'd interval timer until the reactor has stopped. Unless
 *   {@link installSignalHandlers} is false, SIGINT and SIGTERM start an orderly shutdown; a
 *   second one during the shutdown exits the process at once with code 1. Both the timer and the
 *   handlers are removed when the reactor has stopped, so a program (or test) whose reactor has
 *   stopped exits normally.
 * - {@link stop} fires the "shutdown" event on a later turn of the event loop (after "startup"
 *   has finished, if it still runs): "before" triggers; then, "during", every tracked port stops
 *   listening and every tracked connection is closed (see {@link shutdownGrace}), together with
 *   the "during" triggers; then "after" triggers. Then `running` turns false and the Deferred
 *   from `run()` fires.
 * - Once stopped, the reactor can be run again (handy in tests); triggers already fired are gone,
 *   so add them again.
 *
 * A trigger that throws, or whose Deferred or Promise fails, is logged (namespace
 * `"braid.reactor"`) and the other triggers still run.
 *
 * @example
 * ```ts
 * reactor.addSystemEventTrigger("before", "shutdown", () => db.close()); // a Promise is awaited
 * reactor.callWhenRunning(() => console.log("up"));
 * await reactor.run(); // fires once stop() has completed
 * ```
 */
export abstract class ReactorCore implements IReactorCore {
  /**
   * Seconds a connection gets to close after `loseConnection` at shutdown before it is aborted
   * (`abortConnection`). The shutdown goes on as soon as every tracked connection is gone, so the
   * grace only costs time when a peer does not close its side. Default 1; 0 aborts whatever is
   * still open on the next turn of the event loop, after queued writes had one chance to go out.
   */
  shutdownGrace = 1;

  /**
   * Whether {@link run} installs SIGINT/SIGTERM handlers that stop the reactor. Set it to false
   * before `run()` when the application handles signals itself.
   */
  installSignalHandlers = true;

  private _state: State = "stopped";
  private _startupDone = false;
  private _shutdownQueued = false;
  private _stopped: Deferred<void> | undefined;
  private _keepAlive: ReturnType<typeof setInterval> | undefined;
  private _signalHandler: ((signal: NodeJS.Signals) => void) | undefined;
  private _nextTriggerId = 1;
  private readonly _events = new Map<string, EventTriggers>();
  private readonly _ports = new Set<IListeningPort>();
  private readonly _connections = new Set<ShutdownConnection>();
  /** Connections told to close at shutdown and not yet gone. */
  private _closing: Set<ShutdownConnection> | undefined;
  private _closingGone: (() => void) | undefined;

  /** Schedules `f(...args)` `seconds` from now (the subclass's time source). */
  abstract callLater<A extends unknown[]>(
    seconds: number,
    f: (...args: A) => void,
    ...args: A
  ): IDelayedCall;

  /** The current time in seconds (the subclass's time source). */
  abstract seconds(): number;

  // --- IReactorCore --------------------------------------------------------------------------

  /** {@inheritDoc IReactorCore.running} */
  get running(): boolean {
    return this._state !== "stopped";
  }

  /**
   * Starts the reactor: fires "startup" and keeps the process alive until {@link stop} has
   * completed. Returns at once.
   *
   * @returns a Deferred that fires (with `undefined`) once the reactor has stopped and every
   *   shutdown trigger has finished. It never fails.
   * @throws ReactorAlreadyRunning when the reactor runs (or is stopping).
   */
  run(): Deferred<void> {
    if (this._state !== "stopped") throw new ReactorAlreadyRunning();
    this._state = "running";
    this._startupDone = false;
    this._shutdownQueued = false;
    const stopped = new Deferred<void>();
    this._stopped = stopped;
    this._keepAlive = setInterval(() => {}, KEEP_ALIVE_MS);
    if (this.installSignalHandlers) this._addSignalHandlers();
    this.fireSystemEvent("startup").addCallback(() => {
      this._startupDone = true;
      if (this._state === "stopping") this._queueShutdown();
    });
    return stopped;
  }

  /**
   * Starts an orderly shutdown (see the class description); the Deferred from {@link run} fires
   * when it is over.
   *
   * @throws ReactorNotRunning when the reactor is not running or is already stopping.
   */
  stop(): void {
    if (this._state !== "running") throw new ReactorNotRunning();
    this._state = "stopping";
    if (this._startupDone) this._queueShutdown();
  }

  /**
   * Calls `f(...args)` at once if the reactor runs (an exception it throws reaches the caller),
   * otherwise when it starts, as a "during startup" trigger.
   *
   * @returns the trigger's id when the call was deferred, else `undefined`.
   */
  callWhenRunning<A extends unknown[]>(
    f: (...args: A) => unknown,
    ...args: A
  ): TriggerID | undefined {
    if (this.running) {
      const result = f(...args);
      if (isThenable(result)) observe(Deferred.fromPromise(result), "callWhenRunning");
      return undefined;
    }
    return this.addSystemEventTrigger("during", "startup", f, ...args);
  }

  /**
   * Adds a trigger that runs `f(...args)` in `phase` of `event`, once. A Deferred or Promise it
   * returns is waited for before the next phase.
   *
   * @throws RangeError when `phase` is not "before", "during" or "after".
   */
  addSystemEventTrigger<A extends unknown[]>(
    phase: SystemEventPhase,
    event: SystemEvent,
    f: (...args: A) => unknown,
    ...args: A
  ): TriggerID {
    if (!PHASES.includes(phase)) throw new RangeError(`Invalid system event phase: ${phase}`);
    const handle: TriggerID = Object.freeze({ phase, event, id: this._nextTriggerId++ });
    this._triggers(event)[phase].push({
      handle,
      f: f as (...args: unknown[]) => unknown,
      args,
    });
    return handle;
  }

  /**
   * Removes a trigger that has not run yet. Removing a trigger that already ran during the firing
   * of its event that is still in progress is allowed and does nothing (a service may remove its
   * own shutdown trigger while it runs).
   *
   * @throws RangeError when the trigger is unknown, already removed, or ran in an earlier firing.
   */
  removeSystemEventTrigger(id: TriggerID): void {
    const triggers = this._events.get(id?.event);
    if (triggers !== undefined && PHASES.includes(id.phase)) {
      const list = triggers[id.phase];
      const index = list.findIndex((t) => t.handle.id === id.id);
      if (index >= 0) {
        list.splice(index, 1);
        return;
      }
      if (triggers.fired.has(id.id)) return;
    }
    throw new RangeError("Unknown or already removed system event trigger");
  }

  /**
   * Runs the three phases of `event`'s triggers.
   *
   * @returns a Deferred that fires when the "after" phase is done; it never fails.
   */
  fireSystemEvent(event: SystemEvent): Deferred<void> {
    return this._fire(event, undefined);
  }

  // --- tracking (IReactorInternals) ----------------------------------------------------------

  /** Records a listening port; it stops listening at shutdown. */
  trackPort(port: IListeningPort): void {
    this._ports.add(port);
  }

  /** Forgets a port that stopped listening. */
  untrackPort(port: IListeningPort): void {
    this._ports.delete(port);
  }

  /** Records a live connection; it is closed at shutdown. */
  trackConnection(connection: ShutdownConnection): void {
    this._connections.add(connection);
  }

  /** Forgets a connection that is gone. */
  untrackConnection(connection: ShutdownConnection): void {
    this._connections.delete(connection);
    const closing = this._closing;
    if (closing?.delete(connection) && closing.size === 0) this._closingGone?.();
  }

  // --- internals -----------------------------------------------------------------------------

  private _triggers(event: string): EventTriggers {
    let triggers = this._events.get(event);
    if (triggers === undefined) {
      triggers = { before: [], during: [], after: [], firing: 0, fired: new Set() };
      this._events.set(event, triggers);
    }
    return triggers;
  }

  /** Fires `event`; `duringAction` (the shutdown's closing of ports) runs first in "during". */
  private _fire(event: string, duringAction: (() => Deferred<void>) | undefined): Deferred<void> {
    const triggers = this._triggers(event);
    triggers.firing++;
    const done = new Deferred<void>();
    const finish = (): void => {
      if (--triggers.firing === 0) triggers.fired.clear();
      done.callback(undefined);
    };
    this._runPhase(triggers, "before", undefined, () =>
      this._runPhase(triggers, "during", duringAction, () =>
        this._runPhase(triggers, "after", undefined, finish),
      ),
    );
    return done;
  }

  /**
   * Runs the triggers of one phase until none is left, waiting for those that return a Deferred,
   * then calls `next`.
   */
  private _runPhase(
    triggers: EventTriggers,
    phase: SystemEventPhase,
    first: (() => Deferred<void>) | undefined,
    next: () => void,
  ): void {
    const list = triggers[phase];
    let outstanding = 0;
    let looping = false;
    let finished = false;
    const settle = (d: Deferred<unknown>): void => {
      outstanding++;
      d.addBoth(() => {
        outstanding--;
        if (!looping && outstanding === 0) drain();
      });
    };
    const drain = (): void => {
      looping = true;
      while (list.length > 0) {
        const trigger = list.shift()!;
        triggers.fired.add(trigger.handle.id);
        const d = invoke(trigger);
        if (d !== undefined) settle(d);
      }
      looping = false;
      if (outstanding === 0 && !finished) {
        finished = true;
        next();
      }
    };
    if (first !== undefined) settle(observe(maybeDeferred(first), "the shutdown of ports"));
    drain();
  }

  private _queueShutdown(): void {
    if (this._shutdownQueued) return;
    this._shutdownQueued = true;
    this.callLater(0, () => {
      this._fire("shutdown", () => this._closeEverything()).addCallback(() => this._finishStop());
    });
  }

  private _finishStop(): void {
    if (this._keepAlive !== undefined) clearInterval(this._keepAlive);
    this._keepAlive = undefined;
    this._removeSignalHandlers();
    this._state = "stopped";
    const stopped = this._stopped;
    this._stopped = undefined;
    stopped?.callback(undefined);
  }

  /** "During shutdown": stops every port and closes every connection. */
  private _closeEverything(): Deferred<void> {
    const waits: Deferred<unknown>[] = [];
    for (const port of [...this._ports]) {
      waits.push(
        observe(
          maybeDeferred(() => port.stopListening()),
          "stopListening",
        ),
      );
    }
    waits.push(this._closeConnections());
    const all = new Deferred<void>();
    let left = waits.length;
    for (const d of waits) {
      d.addBoth(() => {
        if (--left === 0) all.callback(undefined);
      });
    }
    return all;
  }

  /** `loseConnection` on each connection; `abortConnection` on those left after the grace. */
  private _closeConnections(): Deferred<void> {
    const done = new Deferred<void>();
    const closing = new Set(this._connections);
    if (closing.size === 0) {
      done.callback(undefined);
      return done;
    }
    this._closing = closing;
    let timer: IDelayedCall | undefined;
    const end = (): void => {
      if (this._closing !== closing) return;
      this._closing = undefined;
      this._closingGone = undefined;
      if (timer?.active()) timer.cancel();
      done.callback(undefined);
    };
    this._closingGone = end;
    for (const connection of [...closing]) {
      try {
        connection.loseConnection();
      } catch (e) {
        log.failure("loseConnection failed at shutdown", e, undefined, "error");
      }
    }
    if (this._closing !== closing) return done;
    timer = this.callLater(Math.max(0, this.shutdownGrace), () => {
      for (const connection of [...closing]) {
        try {
          connection.abortConnection();
        } catch (e) {
          log.failure("abortConnection failed at shutdown", e, undefined, "error");
        }
      }
      end();
    });
    return done;
  }

  private _addSignalHandlers(): void {
    const handler = (signal: NodeJS.Signals): void => {
      if (this._state === "running") {
        log.info("Received {signal}, shutting down", { signal });
        this.stop();
      } else if (this._state === "stopping") {
        log.warn("Received {signal} again during shutdown, exiting now", { signal });
        process.exit(1);
      }
    };
    this._signalHandler = handler;
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, handler);
  }

  private _removeSignalHandlers(): void {
    const handler = this._signalHandler;
    if (handler === undefined) return;
    this._signalHandler = undefined;
    for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, handler);
  }
}

/** Runs one trigger: `undefined` when it is done, else a Deferred (failures logged) to wait on. */
function invoke(trigger: Trigger): Deferred<unknown> | undefined {
  let result: unknown;
  try {
    result = trigger.f(...trigger.args);
  } catch (e) {
    log.failure(
      "System event trigger failed ({phase} {event})",
      e,
      {
        phase: trigger.handle.phase,
        event: trigger.handle.event,
      },
      "error",
    );
    return undefined;
  }
  if (result instanceof Deferred || isThenable(result)) {
    return observe(
      maybeDeferred(() => result),
      "a system event trigger",
    );
  }
  return undefined;
}

/** Logs `d`'s failure, if any, so that it is neither lost nor reported as unhandled. */
function observe(d: Deferred<unknown>, what: string): Deferred<unknown> {
  return d.addErrback((f) => {
    log.failure("Failure in {what}", f, { what }, "error");
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
