import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deferred } from "../../src/defer/index.js";
import type { Failure } from "../../src/errors/index.js";
import { Clock } from "../../src/time/clock.js";
import { LoopingCall } from "../../src/time/loopingcall.js";

interface Outcome<T> {
  fired: boolean;
  value?: T;
  failure?: Failure;
}

/** Watches `d` without changing what a later callback would see (except failures, consumed). */
function watch<T>(d: Deferred<T>): Outcome<T> {
  const o: Outcome<T> = { fired: false };
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

function looping<A extends unknown[]>(
  clock: Clock,
  f: (...args: A) => unknown,
  ...args: A
): LoopingCall<A> {
  const lc = new LoopingCall(f, ...args);
  lc.clock = clock;
  return lc;
}

describe("LoopingCall", () => {
  it("calls now and then every interval; stop fires the start Deferred with the LoopingCall", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(clock, (tag: string) => times.push(clock.seconds()) && tag, "x");
    const done = watch(lc.start(1));
    assert.equal(lc.running, true);
    assert.equal(lc.interval, 1);
    clock.pump([0.5, 0.5, 1, 1]);
    assert.deepEqual(times, [0, 1, 2, 3]);
    assert.equal(done.fired, false);
    lc.stop();
    assert.equal(lc.running, false);
    assert.equal(done.value, lc);
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("passes its arguments", () => {
    const clock = new Clock();
    const got: unknown[][] = [];
    const lc = looping(clock, (a: number, b: string) => got.push([a, b]), 1, "b");
    lc.start(1);
    lc.stop();
    assert.deepEqual(got, [[1, "b"]]);
  });

  it("with now = false, calls first after one interval", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(clock, () => times.push(clock.seconds()));
    lc.start(2, false);
    assert.deepEqual(times, []);
    clock.advance(2);
    assert.deepEqual(times, [2]);
    lc.stop();
  });

  it("stopping before a delayed start fires the Deferred without calling", () => {
    const clock = new Clock();
    let calls = 0;
    const lc = looping(clock, () => calls++);
    const done = watch(lc.start(5, false));
    lc.stop();
    assert.equal(done.value, lc);
    clock.advance(10);
    assert.equal(calls, 0);
  });

  it("stays on the interval grid, skipping missed slots", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(clock, () => times.push(clock.seconds()));
    lc.start(1);
    clock.advance(0.5);
    clock.advance(0.5); // 1
    clock.advance(2.3); // 3.3: one call, next at 4
    clock.advance(0.7); // 4
    assert.deepEqual(times, [0, 1, 3.3, 4]);
    lc.stop();
  });

  it("a slow function skips the slots it overran", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(clock, () => {
      times.push(clock.seconds());
      clock.rightNow += 1.5; // the call itself "takes" 1.5 s
    });
    lc.start(1);
    // First call at 0 ends at 1.5: next slot is 2.
    assert.ok(Math.abs(clock.getDelayedCalls()[0]!.getTime() - 2) < 1e-6);
    clock.advance(0.5);
    assert.deepEqual(times, [0, 2]);
    lc.stop();
  });

  it("keeps the grid with float intervals", () => {
    const clock = new Clock();
    let calls = 0;
    const lc = looping(clock, () => calls++);
    lc.start(0.1);
    for (let i = 0; i < 100; i++) clock.advance(0.1);
    assert.equal(calls, 101);
    lc.stop();
  });

  it("interval 0 calls once per pass", () => {
    const clock = new Clock();
    let calls = 0;
    const lc = looping(clock, () => {
      calls++;
      if (calls === 5) lc.stop();
    });
    const done = watch(lc.start(0));
    assert.equal(calls, 1);
    clock.advance(0);
    assert.equal(calls, 5);
    assert.equal(done.value, lc);
  });

  it("waits for a Deferred returned by the function", () => {
    const clock = new Clock();
    const pending: Deferred<void>[] = [];
    const times: number[] = [];
    const lc = looping(clock, () => {
      times.push(clock.seconds());
      const d = new Deferred<void>();
      pending.push(d);
      return d;
    });
    lc.start(1);
    clock.advance(5);
    assert.deepEqual(times, [0]);
    assert.equal(clock.getDelayedCalls().length, 0);
    pending[0]!.callback(undefined); // at 5: next slot is 6
    clock.advance(1);
    assert.deepEqual(times, [0, 6]);
    lc.stop();
  });

  it("stop while the function's Deferred is pending fires once it fires", () => {
    const clock = new Clock();
    const inner = new Deferred<void>();
    const lc = looping(clock, () => inner);
    const done = watch(lc.start(1));
    lc.stop();
    assert.equal(done.fired, false);
    inner.callback(undefined);
    assert.equal(done.value, lc);
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("a throwing function stops the loop and fails the start Deferred", () => {
    const clock = new Clock();
    const boom = new Error("boom");
    let calls = 0;
    const lc = looping(clock, () => {
      if (++calls === 3) throw boom;
    });
    const done = watch(lc.start(1));
    clock.pump([1, 1, 1, 1]);
    assert.equal(calls, 3);
    assert.equal(lc.running, false);
    assert.equal(done.failure?.value, boom);
    assert.equal(clock.getDelayedCalls().length, 0);
    assert.throws(() => lc.stop(), /not running/);
  });

  it("a failing Deferred stops the loop and fails the start Deferred", () => {
    const clock = new Clock();
    const inner = new Deferred<void>();
    const lc = looping(clock, () => inner);
    const done = watch(lc.start(1));
    inner.errback(new TypeError("bad"));
    assert.equal(lc.running, false);
    assert.ok(done.failure?.value instanceof TypeError);
  });

  it("fails at once when the first call throws", () => {
    const clock = new Clock();
    const lc = looping(clock, () => {
      throw new RangeError("first");
    });
    const done = watch(lc.start(1));
    assert.ok(done.failure?.value instanceof RangeError);
    assert.equal(lc.running, false);
  });

  it("can be restarted after stop", () => {
    const clock = new Clock();
    let calls = 0;
    const lc = looping(clock, () => calls++);
    lc.start(1);
    lc.stop();
    const done = watch(lc.start(2));
    clock.advance(2);
    assert.equal(calls, 3);
    lc.stop();
    assert.equal(done.value, lc);
  });

  it("reset restarts the grid from now", () => {
    const clock = new Clock();
    const times: number[] = [];
    const lc = looping(clock, () => times.push(clock.seconds()));
    lc.start(2, false);
    clock.advance(1);
    lc.reset();
    clock.advance(1.5);
    assert.deepEqual(times, []);
    clock.advance(0.5);
    assert.deepEqual(times, [3]);
    lc.stop();
    assert.throws(() => lc.reset(), /not running/);
  });

  it("rejects bad use", () => {
    const clock = new Clock();
    const lc = new LoopingCall(() => {});
    assert.throws(() => lc.start(1), /no clock/);
    lc.clock = clock;
    assert.throws(() => lc.start(-1), RangeError);
    assert.throws(() => lc.start(Number.NaN), RangeError);
    assert.equal(lc.running, false);
    assert.throws(() => lc.stop(), /not running/);
    lc.start(1);
    assert.throws(() => lc.start(1), /already running/);
    lc.stop();
    assert.throws(() => new LoopingCall(undefined as unknown as () => void), TypeError);
  });

  it("exposes the pending Deferred and a readable toString", () => {
    const clock = new Clock();
    const lc = looping(clock, function heartbeat() {});
    const d = lc.start(1);
    assert.equal(lc.deferred, d);
    assert.equal(lc.toString(), "LoopingCall<every 1s: heartbeat, running>");
    lc.stop();
    assert.equal(lc.deferred, undefined);
  });

  describe("withCount", () => {
    it("counts the intervals since the last call", () => {
      const clock = new Clock();
      const counts: number[] = [];
      const lc = LoopingCall.withCount((n) => counts.push(n));
      lc.clock = clock;
      lc.start(1);
      clock.advance(1);
      clock.advance(3); // slots 2, 3, 4 passed in one go
      clock.advance(1);
      clock.advance(1.5); // 6.5: slot 6
      clock.advance(0.5); // 7
      assert.deepEqual(counts, [1, 1, 3, 1, 1, 1]);
      lc.stop();
    });

    it("counts 1 for the first call of a delayed start", () => {
      const clock = new Clock();
      const counts: number[] = [];
      const lc = LoopingCall.withCount((n) => counts.push(n));
      lc.clock = clock;
      lc.start(2, false);
      clock.pump([2, 2, 6]);
      assert.deepEqual(counts, [1, 1, 3]);
      lc.stop();
    });

    it("counts 1 per step when float steps add up to the grid", () => {
      const clock = new Clock();
      const counts: number[] = [];
      const lc = LoopingCall.withCount((n) => counts.push(n));
      lc.clock = clock;
      lc.start(0.1);
      for (let i = 0; i < 50; i++) clock.advance(0.1);
      assert.equal(counts.length, 51);
      assert.ok(counts.every((n) => n === 1));
      lc.stop();
    });

    it("always counts 1 with interval 0", () => {
      const clock = new Clock();
      const counts: number[] = [];
      const lc = LoopingCall.withCount((n) => {
        counts.push(n);
        if (counts.length === 3) lc.stop();
      });
      lc.clock = clock;
      lc.start(0);
      clock.advance(5);
      assert.deepEqual(counts, [1, 1, 1]);
    });

    it("starts counting afresh after a restart", () => {
      const clock = new Clock();
      const counts: number[] = [];
      const lc = LoopingCall.withCount((n) => counts.push(n));
      lc.clock = clock;
      lc.start(1);
      clock.advance(1);
      lc.stop();
      clock.advance(10);
      lc.start(1);
      clock.advance(1);
      assert.deepEqual(counts, [1, 1, 1, 1]);
      lc.stop();
    });
  });
});
