import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import { Deferred, succeed } from "../../src/defer/index.js";
import { CancelledError, type Failure } from "../../src/errors/index.js";
import { Clock } from "../../src/time/clock.js";
import { deferLater } from "../../src/time/deferlater.js";

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

describe("deferLater", () => {
  it("fires with undefined after the delay when no function is given", () => {
    const clock = new Clock();
    const d = deferLater(clock, 2);
    expectTypeOf(d).toEqualTypeOf<Deferred<undefined>>();
    const o = watch(d);
    clock.advance(1.9);
    assert.equal(o.fired, false);
    clock.advance(0.1);
    assert.equal(o.fired, true);
    assert.equal(o.value, undefined);
  });

  it("fires with the function's result, called with its arguments", () => {
    const clock = new Clock();
    let calledAt: number | undefined;
    const d = deferLater(
      clock,
      3,
      (a: number, b: number) => {
        calledAt = clock.seconds();
        return a * b;
      },
      6,
      7,
    );
    expectTypeOf(d).toEqualTypeOf<Deferred<number>>();
    const o = watch(d);
    clock.advance(3);
    assert.equal(calledAt, 3);
    assert.equal(o.value, 42);
  });

  it("waits for a Deferred the function returns", () => {
    const clock = new Clock();
    const inner = new Deferred<string>();
    const d = deferLater(clock, 1, () => inner);
    expectTypeOf(d).toEqualTypeOf<Deferred<string>>();
    const o = watch(d);
    clock.advance(1);
    assert.equal(o.fired, false);
    inner.callback("late");
    assert.equal(o.value, "late");
    assert.equal(watch(deferLater(clock, 0, () => succeed(1))).fired, false);
  });

  it("fails with what the function throws", () => {
    const clock = new Clock();
    const o = watch(
      deferLater(clock, 1, () => {
        throw new TypeError("nope");
      }),
    );
    clock.advance(1);
    assert.ok(o.failure?.value instanceof TypeError);
  });

  it("cancelling cancels the delayed call and fails with CancelledError", () => {
    const clock = new Clock();
    let called = false;
    const d = deferLater(clock, 1, () => {
      called = true;
    });
    assert.equal(clock.getDelayedCalls().length, 1);
    const o = watch(d);
    d.cancel();
    assert.equal(clock.getDelayedCalls().length, 0);
    assert.ok(o.failure?.value instanceof CancelledError);
    clock.advance(2);
    assert.equal(called, false);
  });

  it("rejects a negative delay", () => {
    assert.throws(() => deferLater(new Clock(), -1), RangeError);
  });
});
