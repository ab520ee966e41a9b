import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AlreadyCalled, AlreadyCancelled } from "../../src/errors/index.js";
import { Clock } from "../../src/time/clock.js";
import { checkSeconds, DelayedCall } from "../../src/time/delayedcall.js";

describe("DelayedCall", () => {
  it("reports its due time and state", () => {
    const clock = new Clock();
    clock.rightNow = 10;
    const call = clock.callLater(2.5, () => {});
    assert.ok(call instanceof DelayedCall);
    assert.equal(call.getTime(), 12.5);
    assert.equal(call.active(), true);
    assert.equal(call.called, false);
    assert.equal(call.cancelled, false);
    clock.advance(2.5);
    assert.equal(call.active(), false);
    assert.equal(call.called, true);
    assert.equal(call.cancelled, false);
  });

  it("keeps func and args", () => {
    const clock = new Clock();
    const f = (a: number, b: string) => {
      void a;
      void b;
    };
    const call = clock.callLater(1, f, 1, "x");
    assert.equal(call.func, f);
    assert.deepEqual(call.args, [1, "x"]);
  });

  it("cancel prevents the call and makes it inactive", () => {
    const clock = new Clock();
    let ran = false;
    const call = clock.callLater(1, () => {
      ran = true;
    });
    call.cancel();
    assert.equal(call.cancelled, true);
    assert.equal(call.active(), false);
    clock.advance(5);
    assert.equal(ran, false);
  });

  it("cancel, delay and reset throw AlreadyCancelled after cancel", () => {
    const clock = new Clock();
    const call = clock.callLater(1, () => {});
    call.cancel();
    assert.throws(() => call.cancel(), AlreadyCancelled);
    assert.throws(() => call.delay(1), AlreadyCancelled);
    assert.throws(() => call.reset(1), AlreadyCancelled);
  });

  it("cancel, delay and reset throw AlreadyCalled after the call ran", () => {
    const clock = new Clock();
    const call = clock.callLater(1, () => {});
    clock.advance(1);
    assert.throws(() => call.cancel(), AlreadyCalled);
    assert.throws(() => call.delay(1), AlreadyCalled);
    assert.throws(() => call.reset(1), AlreadyCalled);
  });

  it("a call cannot cancel itself while running", () => {
    const clock = new Clock();
    let error: unknown;
    const call = clock.callLater(1, () => {
      try {
        call.cancel();
      } catch (e) {
        error = e;
      }
    });
    clock.advance(1);
    assert.ok(error instanceof AlreadyCalled);
  });

  it("delay moves the call relative to its due time, reset relative to now", () => {
    const clock = new Clock();
    const call = clock.callLater(2, () => {});
    call.delay(3);
    assert.equal(call.getTime(), 5);
    call.delay(-1);
    assert.equal(call.getTime(), 4);
    clock.advance(1);
    call.reset(1);
    assert.equal(call.getTime(), 2);
    clock.advance(0.5);
    assert.equal(call.called, false);
    clock.advance(0.5);
    assert.equal(call.called, true);
  });

  it("reset can move a call earlier", () => {
    const clock = new Clock();
    let ran = false;
    const call = clock.callLater(10, () => {
      ran = true;
    });
    call.reset(1);
    clock.advance(1);
    assert.equal(ran, true);
  });

  it("rejects NaN and negative delays", () => {
    const clock = new Clock();
    const call = clock.callLater(1, () => {});
    assert.throws(() => call.reset(-1), RangeError);
    assert.throws(() => call.reset(Number.NaN), RangeError);
    assert.throws(() => call.delay(Number.NaN), RangeError);
    assert.equal(call.getTime(), 1);
  });

  it("checkSeconds accepts 0 and Infinity", () => {
    checkSeconds(0, "t");
    checkSeconds(Number.POSITIVE_INFINITY, "t");
    assert.throws(() => checkSeconds(-0.001, "t"), RangeError);
    checkSeconds(-1, "t", true);
  });

  it("has a useful toString", () => {
    const clock = new Clock();
    function tick(_n: number, _s: string) {}
    const call = clock.callLater(1.5, tick, 3, "abc");
    assert.equal(call.toString(), 'DelayedCall<due 1.500s, pending: tick(3, "abc")>');
    call.cancel();
    assert.match(call.toString(), /cancelled/);
  });
});
