import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import type { ITimeoutScheduler } from "../../src/defer/index.js";
import { Clock, type DelayedCall, ReactorTime } from "../../src/time/index.js";
import type { IDelayedCall, IReactorTime } from "../../src/time/interfaces.js";

describe("time interfaces", () => {
  it("Clock and ReactorTime are IReactorTime; DelayedCall is IDelayedCall", () => {
    expectTypeOf<Clock>().toExtend<IReactorTime>();
    expectTypeOf<ReactorTime>().toExtend<IReactorTime>();
    expectTypeOf<DelayedCall>().toExtend<IDelayedCall>();
    // Deferred.addTimeout accepts any IReactorTime.
    expectTypeOf<IReactorTime>().toExtend<ITimeoutScheduler>();
  });

  it("callLater checks the arguments against the function", () => {
    const time: IReactorTime = new Clock();
    const call = time.callLater(1, (a: number, b: string) => void [a, b], 1, "x");
    // @ts-expect-error wrong argument type
    time.callLater(1, (a: number) => void a, "x");
    // @ts-expect-error missing argument
    time.callLater(1, (a: number) => void a);
    expectTypeOf(call).toEqualTypeOf<IDelayedCall>();
    // A function whose only parameter is void, like a Promise's resolve, needs no argument.
    void new Promise<void>((resolve) => time.callLater(1, resolve));
    assert.equal(time.getDelayedCalls().length, 4);
  });

  it("both implementations follow the same ordering rules", () => {
    for (const time of [new Clock(), new ReactorTime()] as IReactorTime[]) {
      const seen: number[] = [];
      const calls = [3, 1, 2, 1].map((d, i) => time.callLater(d, () => seen.push(i)));
      assert.deepEqual(
        time.getDelayedCalls().map((c) => calls.indexOf(c)),
        [1, 3, 2, 0],
      );
      for (const c of calls) c.cancel();
      assert.equal(time.getDelayedCalls().length, 0);
      assert.throws(() => time.callLater(-1, () => {}), RangeError);
      assert.throws(() => time.callLater(Number.NaN, () => {}), RangeError);
    }
  });
});
