import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deferred } from "../../src/defer/index.js";
import {
  NotPaused,
  SchedulerStopped,
  TaskFailed,
  TaskFinished,
  TaskStopped,
} from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/index.js";
import { Clock } from "../../src/time/clock.js";
import {
  Cooperator,
  coiterate,
  cooperate,
  cooperatorFor,
  timeSlice,
} from "../../src/time/cooperator.js";
import { ReactorTime } from "../../src/time/reactortime.js";

function watch<T>(d: Deferred<T>): { fired: boolean; value?: T; failure?: Failure } {
  const o: { fired: boolean; value?: T; failure?: Failure } = { fired: false };
  d.addCallbacks(
    (v: T) => {
      o.fired = true;
      o.value = v;
      return v;
    },
    (f: Failure) => {
      o.fired = true;
      o.failure = f;
      return undefined;
    },
  );
  return o;
}

/** Ends each tick after `n` steps. */
function steps(n: number) {
  return () => {
    let i = 0;
    return () => ++i >= n;
  };
}

function* counter(log: string[], name: string, n: number): Generator<undefined> {
  for (let i = 1; i <= n; i++) {
    log.push(`${name}${i}`);
    yield;
  }
}

function setup(perTick = 3) {
  const clock = new Clock();
  const coop = new Cooperator({ clock, terminationPredicateFactory: steps(perTick) });
  return { clock, coop };
}

describe("Cooperator", () => {
  it("round-robins over tasks, a time slice per tick", () => {
    const { clock, coop } = setup(3);
    const log: string[] = [];
    coop.cooperate(counter(log, "a", 3));
    coop.cooperate(counter(log, "b", 3));
    assert.deepEqual(log, []);
    clock.advance(1);
    assert.deepEqual(log, ["a1", "b1", "a2"]);
    clock.advance(1);
    assert.deepEqual(log, ["a1", "b1", "a2", "b2", "a3", "b3"]);
  });

  it("whenDone fires with the iterator once exhausted, and ticks stop", () => {
    const { clock, coop } = setup(10);
    const log: string[] = [];
    const it = counter(log, "a", 2);
    const task = coop.cooperate(it);
    const done = watch(task.whenDone());
    clock.advance(1);
    assert.equal(done.value, it);
    assert.equal(task.done, true);
    assert.equal(clock.getDelayedCalls().length, 0);
    // Asked again after the end: fires at once.
    assert.equal(watch(task.whenDone()).value, it);
    assert.throws(() => task.pause(), TaskFinished);
    assert.throws(() => task.stop(), TaskFinished);
    assert.throws(() => task.resume(), NotPaused);
  });

  it("a yielded Deferred pauses the task until it fires", () => {
    const { clock, coop } = setup(100);
    const log: string[] = [];
    const gate = new Deferred<string>();
    const task = coop.cooperate(
      (function* () {
        log.push("before");
        yield gate;
        log.push("after");
      })(),
    );
    const other = coop.cooperate(counter(log, "o", 3));
    const done = watch(task.whenDone());
    clock.advance(1);
    assert.deepEqual(log, ["before", "o1", "o2", "o3"]);
    assert.equal(watch(other.whenDone()).fired, true);
    assert.equal(clock.getDelayedCalls().length, 0);
    gate.callback("go");
    clock.advance(1);
    assert.deepEqual(log, ["before", "o1", "o2", "o3", "after"]);
    assert.equal(done.fired, true);
    assert.equal(done.failure, undefined);
  });

  it("a yielded Deferred that fails fails the task with that failure", () => {
    const { clock, coop } = setup(100);
    const gate = new Deferred<void>();
    const task = coop.cooperate(
      (function* () {
        yield gate;
      })(),
    );
    const done = watch(task.whenDone());
    clock.advance(1);
    const boom = new Error("boom");
    gate.errback(boom);
    assert.equal(done.failure?.value, boom);
    assert.throws(() => task.stop(), TaskFailed);
  });

  it("a yielded Promise pauses the task until it settles", async () => {
    const { clock, coop } = setup(100);
    const log: string[] = [];
    const task = coop.cooperate(
      (function* () {
        yield Promise.resolve(1);
        log.push("after");
      })(),
    );
    clock.advance(1);
    assert.deepEqual(log, []);
    await Promise.resolve();
    await Promise.resolve();
    clock.advance(1);
    assert.deepEqual(log, ["after"]);
    assert.equal(task.done, true);
  });

  it("an iterator that throws fails whenDone with its error", () => {
    const { clock, coop } = setup(100);
    const err = new RangeError("bad step");
    const task = coop.cooperate(
      (function* () {
        yield;
        throw err;
      })(),
    );
    const done = watch(task.whenDone());
    clock.advance(1);
    assert.equal(done.failure?.value, err);
    assert.throws(() => task.pause(), TaskFailed);
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("stop() ends the task: whenDone fails with TaskStopped", () => {
    const { clock, coop } = setup(2);
    const log: string[] = [];
    const task = coop.cooperate(counter(log, "a", 10));
    const done = watch(task.whenDone());
    clock.advance(1);
    task.stop();
    clock.advance(1);
    assert.deepEqual(log, ["a1", "a2"]);
    assert.ok(done.failure?.value instanceof TaskStopped);
    assert.throws(() => task.stop(), TaskStopped);
    assert.throws(() => task.pause(), TaskStopped);
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("a task stopped while waiting keeps TaskStopped when its Deferred fails later", () => {
    const { clock, coop } = setup(100);
    const gate = new Deferred<void>();
    const task = coop.cooperate(
      (function* () {
        yield gate;
      })(),
    );
    const done = watch(task.whenDone());
    clock.advance(1);
    task.stop();
    gate.errback(new Error("late"));
    assert.ok(done.failure?.value instanceof TaskStopped);
  });

  it("pause and resume nest; resume when not paused throws NotPaused", () => {
    const { clock, coop } = setup(1);
    const log: string[] = [];
    const task = coop.cooperate(counter(log, "a", 5));
    assert.throws(() => task.resume(), NotPaused);
    task.pause();
    task.pause();
    clock.advance(1);
    assert.deepEqual(log, []);
    task.resume();
    clock.advance(1);
    assert.deepEqual(log, []);
    task.resume();
    clock.advance(1);
    assert.deepEqual(log, ["a1"]);
    task.stop();
  });

  it("stop() fails every task with SchedulerStopped, and later ones until start()", () => {
    const { clock, coop } = setup(1);
    const log: string[] = [];
    const a = watch(coop.cooperate(counter(log, "a", 5)).whenDone());
    const pausedTask = coop.cooperate(counter(log, "p", 5));
    pausedTask.pause();
    const p = watch(pausedTask.whenDone());
    assert.equal(coop.running, true);
    coop.stop();
    assert.equal(coop.running, false);
    assert.ok(a.failure?.value instanceof SchedulerStopped);
    assert.ok(p.failure?.value instanceof SchedulerStopped);
    const late = watch(coop.coiterate(counter(log, "l", 1)));
    assert.ok(late.failure?.value instanceof SchedulerStopped);
    assert.equal(clock.getDelayedCalls().length, 0);
    coop.start();
    const again = watch(coop.coiterate(counter(log, "r", 1)));
    clock.advance(1);
    clock.advance(1);
    assert.equal(again.fired, true);
    assert.deepEqual(log, ["r1"]);
  });

  it("with started: false, runs nothing until start()", () => {
    const clock = new Clock();
    const coop = new Cooperator({ clock, started: false, terminationPredicateFactory: steps(5) });
    const log: string[] = [];
    coop.cooperate(counter(log, "a", 2));
    assert.equal(clock.getDelayedCalls().length, 0);
    coop.start();
    clock.advance(1);
    assert.deepEqual(log, ["a1", "a2"]);
  });

  it("uses a given scheduler", () => {
    const ticks: (() => void)[] = [];
    const coop = new Cooperator({
      scheduler: (tick) => {
        ticks.push(tick);
        return { cancel: () => {} };
      },
      terminationPredicateFactory: steps(1),
    });
    const log: string[] = [];
    coop.cooperate(counter(log, "a", 2));
    assert.equal(ticks.length, 1);
    ticks.shift()!();
    assert.deepEqual(log, ["a1"]);
    assert.equal(ticks.length, 1);
  });

  it("needs a clock or a scheduler", () => {
    assert.throws(() => new Cooperator({}), TypeError);
  });

  it("by default ends a tick after about 10 ms of real time", () => {
    const clock = new Clock();
    const coop = new Cooperator({ clock });
    let n = 0;
    const task = coop.cooperate(
      (function* () {
        for (;;) {
          n++;
          yield;
        }
      })(),
    );
    const start = performance.now();
    clock.advance(1);
    const took = performance.now() - start;
    assert.ok(n > 0);
    assert.ok(took >= 9 && took < 100, `tick took ${took} ms`);
    task.stop();
    assert.ok(timeSlice(0.001)()() === false);
  });

  it("cooperate/coiterate share one Cooperator per clock", () => {
    const clock = new Clock();
    assert.equal(cooperatorFor(clock), cooperatorFor(clock));
    assert.notEqual(cooperatorFor(clock), cooperatorFor(new Clock()));
    const log: string[] = [];
    const it = counter(log, "a", 2);
    const task = cooperate(it, clock);
    const done = watch(coiterate(counter(log, "b", 1), clock));
    clock.advance(1);
    clock.advance(1);
    assert.deepEqual(log.sort(), ["a1", "a2", "b1"]);
    assert.equal(done.fired, true);
    assert.equal(watch(task.whenDone()).value, it);
  });

  it("keeps ReactorTime responsive while a CPU-bound iterator runs ~300 ms", async () => {
    const time = new ReactorTime();
    const coop = new Cooperator({ clock: time });
    const end = performance.now() + 300;
    const busy = coop.coiterate(
      (function* () {
        while (performance.now() < end) {
          // ~0.1 ms of work per step
          const stop = performance.now() + 0.1;
          while (performance.now() < stop) {}
          yield;
        }
      })(),
    );
    const lags: number[] = [];
    const probe = () => {
      const due = time.seconds();
      time.callLater(0, () => {
        lags.push((time.seconds() - due) * 1000);
        if (performance.now() < end) time.callLater(0.02, probe);
      });
    };
    probe();
    await busy;
    // Without cooperation the probe would wait the whole ~300 ms. One outlier is tolerated: on a
    // loaded CI machine the process itself can be descheduled for a while.
    assert.ok(lags.length >= 4, `only ${lags.length} probes ran`);
    const sorted = [...lags].sort((a, b) => a - b);
    const typical = sorted[sorted.length - 2]!;
    assert.ok(typical < 50, `lags (ms): ${lags.map((l) => l.toFixed(1)).join(" ")}`);
  });
});
