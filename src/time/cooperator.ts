/**
 * Cooperative multitasking: `Cooperator` runs many iterators a little at a time, so long
 * CPU-bound jobs share the event loop with I/O instead of blocking it.
 *
 * Each tick, the Cooperator calls `next()` on its tasks in turn (round-robin) until its time
 * slice (10 ms by default) is used up, then schedules the next tick. A task that yields a
 * Deferred (or Promise) sits out until it fires.
 *
 * @module
 */

import { Deferred, isDeferred } from "../defer/index.js";
import {
  NotPaused,
  SchedulerStopped,
  type TaskDone,
  TaskFailed,
  TaskFinished,
  TaskStopped,
} from "../errors/errors.js";
import { Failure } from "../errors/index.js";
import type { IReactorTime } from "./interfaces.js";

/**
 * The delay of each tick on a clock: Twisted's epsilon. On the reactor it means "the next pass",
 * like `callLater(0)`; on a `Clock`, where `advance()` also runs calls scheduled for the time it
 * reached, it makes each `advance()` run one tick instead of looping until every task is done.
 */
const TICK_DELAY = 1e-8;

/** Schedules `tick` to run soon; returns a handle to cancel it. */
export type CooperatorScheduler = (tick: () => void) => { cancel(): void };

/** Called at the start of each tick; the predicate it returns says when the tick must end. */
export type TerminationPredicateFactory = () => () => boolean;

/** Options of {@link Cooperator}: it needs a `clock` or a `scheduler`. */
export interface CooperatorOptions {
  /**
   * Schedules ticks with `clock.callLater(1e-8, tick)` unless `scheduler` is given: the next
   * pass on the reactor; one tick per `advance()` on a `Clock`.
   */
  clock?: IReactorTime;
  /** Schedules the next tick; overrides `clock`. */
  scheduler?: CooperatorScheduler;
  /** Decides when a tick has run long enough; default: {@link timeSlice}(0.01). */
  terminationPredicateFactory?: TerminationPredicateFactory;
  /** Whether ticks are scheduled right away (default) or only after {@link Cooperator.start}. */
  started?: boolean;
}

/**
 * A termination predicate factory that ends each tick after `seconds` of real (monotonic) time,
 * whatever clock schedules the ticks: the default, with 10 ms.
 */
export function timeSlice(seconds: number): TerminationPredicateFactory {
  const ms = seconds * 1000;
  return () => {
    const end = performance.now() + ms;
    return () => performance.now() >= end;
  };
}

const defaultTermination = timeSlice(0.01);

/**
 * An iterator being run by a {@link Cooperator}, made by {@link Cooperator.cooperate}.
 *
 * `pause()` and `resume()` nest: the task runs again after as many `resume()` as `pause()`.
 */
export class CooperativeTask<I extends Iterator<unknown> = Iterator<unknown>> {
  private readonly _iterator: I;
  private readonly _cooperator: Cooperator;
  private _waiting: Deferred<I>[] = [];
  private _pauseCount = 0;
  private _completion: TaskDone | SchedulerStopped | undefined;
  private _result: I | Failure | undefined;

  /** @internal use {@link Cooperator.cooperate}. */
  constructor(iterator: I, cooperator: Cooperator) {
    this._iterator = iterator;
    this._cooperator = cooperator;
    cooperator._addTask(this);
  }

  /** Whether the task has completed: finished, failed or stopped. */
  get done(): boolean {
    return this._completion !== undefined;
  }

  /**
   * A new Deferred that fires with the iterator once it is exhausted, or fails with the error it
   * threw (or the failure of a Deferred it yielded), with {@link TaskStopped} if the task was
   * stopped, or with {@link SchedulerStopped} if its Cooperator was.
   */
  whenDone(): Deferred<I> {
    const d = new Deferred<I>();
    if (this._completion === undefined) {
      this._waiting.push(d);
    } else {
      fire(d, this._result!);
    }
    return d;
  }

  /**
   * Stops running the task until a matching {@link resume}.
   *
   * @throws {@link TaskDone} (a {@link TaskFinished}, {@link TaskStopped} or {@link TaskFailed})
   *   when the task has completed.
   */
  pause(): void {
    this._checkNotDone();
    this._pauseCount++;
    if (this._pauseCount === 1) this._cooperator._removeTask(this);
  }

  /**
   * Undoes one {@link pause}.
   *
   * @throws {@link NotPaused} when the task is not paused.
   */
  resume(): void {
    if (this._pauseCount === 0) throw new NotPaused();
    this._pauseCount--;
    if (this._pauseCount === 0 && this._completion === undefined) this._cooperator._addTask(this);
  }

  /**
   * Stops the task for good: its iterator is not advanced again and {@link whenDone} fails
   * with {@link TaskStopped}.
   *
   * @throws {@link TaskDone} when the task has already completed.
   */
  stop(): void {
    this._checkNotDone();
    this._completeWith(new TaskStopped(), new Failure(new TaskStopped()));
  }

  /** @internal runs one step of the iterator. */
  _oneWorkUnit(): void {
    let step: IteratorResult<unknown>;
    try {
      step = this._iterator.next();
    } catch (e) {
      this._completeWith(new TaskFailed(), Failure.from(e));
      return;
    }
    if (step.done) {
      this._completeWith(new TaskFinished(), this._iterator);
      return;
    }
    const value = step.value;
    let wait: Deferred<unknown> | undefined;
    if (isDeferred(value)) {
      wait = value;
    } else if (isThenable(value)) {
      wait = Deferred.fromPromise(value);
    }
    if (wait !== undefined) {
      this.pause();
      wait.addCallbacks(
        () => {
          this.resume();
        },
        (failure: Failure) => {
          // A task stopped meanwhile keeps its first outcome.
          if (this._completion === undefined) this._completeWith(new TaskFailed(), failure);
        },
      );
    }
  }

  /** @internal records the outcome and fires the `whenDone()` Deferreds. */
  _completeWith(state: TaskDone | SchedulerStopped, result: I | Failure): void {
    if (this._completion !== undefined) return;
    this._completion = state;
    this._result = result;
    this._cooperator._forget(this);
    if (this._pauseCount === 0) this._cooperator._removeTask(this);
    // Fire after leaving the cooperator, so callbacks may safely touch it.
    const waiting = this._waiting;
    this._waiting = [];
    for (const d of waiting) fire(d, result);
  }

  private _checkNotDone(): void {
    if (this._completion !== undefined) throw this._completion;
  }
}

/**
 * Runs {@link CooperativeTask}s in time slices; see the module comment.
 *
 * It needs a way to schedule its ticks: a `clock` (the reactor, or a `Clock` in tests) or a
 * `scheduler` function. With a `Clock`, each `clock.advance(x)` (x > 0) runs one tick; give a
 * `terminationPredicateFactory` too if the test needs to know how many steps a tick runs (the
 * default measures real time).
 *
 * @example
 * ```ts
 * const coop = new Cooperator({ clock: reactor });
 * function* checksum(chunks: Uint8Array[]) {
 *   for (const c of chunks) { sum = update(sum, c); yield; }
 * }
 * coop.cooperate(checksum(chunks)).whenDone().addCallback(() => console.log(sum));
 * ```
 */
export class Cooperator {
  private readonly _scheduler: CooperatorScheduler;
  private readonly _termination: TerminationPredicateFactory;
  /** The tasks that get steps: not paused, not done. */
  private _tasks: CooperativeTask<Iterator<unknown>>[] = [];
  /** Every task not done yet, paused ones included, for {@link stop}. */
  private readonly _unfinished = new Set<CooperativeTask<Iterator<unknown>>>();
  /** Index in `_tasks` of the task that gets the next step. */
  private _cursor = 0;
  private _tickCall: { cancel(): void } | undefined;
  private _started: boolean;
  private _stopped = false;
  private _mustScheduleOnStart = false;

  /** @throws TypeError when neither `clock` nor `scheduler` is given. */
  constructor(options: CooperatorOptions) {
    const { clock, scheduler } = options;
    if (scheduler !== undefined) {
      this._scheduler = scheduler;
    } else if (clock !== undefined) {
      this._scheduler = (tick) => clock.callLater(TICK_DELAY, tick);
    } else {
      throw new TypeError("Cooperator: give a clock (the reactor, or a Clock) or a scheduler");
    }
    this._termination = options.terminationPredicateFactory ?? defaultTermination;
    this._started = options.started ?? true;
  }

  /** Whether the Cooperator is started and not stopped. */
  get running(): boolean {
    return this._started && !this._stopped;
  }

  /**
   * Adds `iterator` as a task, run from the next tick on. A Cooperator that was stopped fails
   * the task at once with {@link SchedulerStopped}.
   */
  cooperate<I extends Iterator<unknown>>(iterator: I): CooperativeTask<I> {
    return new CooperativeTask(iterator, this);
  }

  /** Like {@link cooperate}, returning just the task's {@link CooperativeTask.whenDone}. */
  coiterate<I extends Iterator<unknown>>(iterator: I): Deferred<I> {
    return this.cooperate(iterator).whenDone();
  }

  /** Starts a Cooperator made with `started: false`, or restarts a stopped one. */
  start(): void {
    this._stopped = false;
    this._started = true;
    if (this._mustScheduleOnStart) {
      this._mustScheduleOnStart = false;
      this._reschedule();
    }
  }

  /**
   * Stops every task, paused ones too (their {@link CooperativeTask.whenDone} fail with
   * {@link SchedulerStopped})
   * and fails tasks added later the same way, until {@link start}.
   */
  stop(): void {
    this._stopped = true;
    const tasks = [...this._unfinished];
    this._unfinished.clear();
    this._tasks = [];
    this._cursor = 0;
    this._cancelTick();
    for (const t of tasks)
      t._completeWith(new SchedulerStopped(), new Failure(new SchedulerStopped()));
  }

  /** @internal a task has completed. */
  _forget(task: CooperativeTask<Iterator<unknown>>): void {
    this._unfinished.delete(task);
  }

  /** @internal a new or resumed task. */
  _addTask(task: CooperativeTask<Iterator<unknown>>): void {
    if (this._stopped) {
      task._completeWith(new SchedulerStopped(), new Failure(new SchedulerStopped()));
      return;
    }
    this._unfinished.add(task);
    this._tasks.push(task);
    this._reschedule();
  }

  /** @internal a paused or completed task. */
  _removeTask(task: CooperativeTask<Iterator<unknown>>): void {
    const i = this._tasks.indexOf(task);
    if (i < 0) return;
    this._tasks.splice(i, 1);
    if (i < this._cursor) this._cursor--;
    if (this._tasks.length === 0) this._cancelTick();
  }

  private _cancelTick(): void {
    const call = this._tickCall;
    this._tickCall = undefined;
    call?.cancel();
  }

  private _reschedule(): void {
    if (!this._started) {
      this._mustScheduleOnStart = true;
      return;
    }
    if (this._tickCall === undefined && this._tasks.length > 0) {
      this._tickCall = this._scheduler(this._tick);
    }
  }

  private readonly _tick = (): void => {
    this._tickCall = undefined;
    const done = this._termination();
    const tasks = this._tasks;
    while (this._tasks === tasks && tasks.length > 0) {
      if (this._cursor >= tasks.length) this._cursor = 0;
      const task = tasks[this._cursor++]!;
      task._oneWorkUnit();
      if (done()) break;
    }
    this._reschedule();
  };
}

const byClock = new WeakMap<IReactorTime, Cooperator>();

/** The shared Cooperator that {@link cooperate} and {@link coiterate} use for `clock`. */
export function cooperatorFor(clock: IReactorTime): Cooperator {
  let coop = byClock.get(clock);
  if (coop === undefined) {
    coop = new Cooperator({ clock });
    byClock.set(clock, coop);
  }
  return coop;
}

/**
 * Runs `iterator` cooperatively on the shared Cooperator of `clock` (one per clock, made on
 * first use; there is no global reactor to default to).
 *
 * @example
 * ```ts
 * function* work() { for (let i = 0; i < 1e6; i++) { step(i); yield; } }
 * const task = cooperate(work(), reactor);
 * await task.whenDone();
 * ```
 */
export function cooperate<I extends Iterator<unknown>>(
  iterator: I,
  clock: IReactorTime,
): CooperativeTask<I> {
  return cooperatorFor(clock).cooperate(iterator);
}

/** Like {@link cooperate}, returning the task's `whenDone()` Deferred. */
export function coiterate<I extends Iterator<unknown>>(
  iterator: I,
  clock: IReactorTime,
): Deferred<I> {
  return cooperate(iterator, clock).whenDone();
}

function fire<I>(d: Deferred<I>, result: I | Failure): void {
  if (result instanceof Failure) d.errback(result);
  else d.callback(result);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function"
  );
}
