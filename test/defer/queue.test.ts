import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import type { Deferred } from "../../src/defer/deferred.js";
import { DeferredQueue, Fifo } from "../../src/defer/queue.js";
import { CancelledError, QueueOverflow, QueueUnderflow } from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import { assertNoResult, successResultOf } from "../../src/testing/results.js";

describe("DeferredQueue", () => {
  it("stores values put while nobody waits, and hands them out in order", () => {
    const q = new DeferredQueue<number>();
    q.put(1);
    q.put(2);
    q.put(3);
    assert.deepEqual(q.pending, [1, 2, 3]);
    assert.equal(successResultOf(q.get()), 1);
    assert.equal(successResultOf(q.get()), 2);
    assert.deepEqual(q.pending, [3]);
    assert.equal(successResultOf(q.get()), 3);
    assert.deepEqual(q.pending, []);
  });

  it("gives each value to the oldest waiting get, synchronously inside put", () => {
    const q = new DeferredQueue<string>();
    const g1 = q.get();
    const g2 = q.get();
    assert.equal(q.waiting, 2);
    assertNoResult(g1);
    q.put("a");
    assert.equal(successResultOf(g1), "a");
    assertNoResult(g2);
    assert.equal(q.waiting, 1);
    q.put("b");
    assert.equal(successResultOf(g2), "b");
    assert.equal(q.waiting, 0);
    assert.deepEqual(q.pending, []);
  });

  it("pending is a copy", () => {
    const q = new DeferredQueue<number>();
    q.put(1);
    q.pending.push(99);
    assert.deepEqual(q.pending, [1]);
  });

  it("carries undefined and other falsy values like any other", () => {
    const q = new DeferredQueue<number | undefined>();
    q.put(undefined);
    q.put(0);
    assert.equal(successResultOf(q.get()), undefined);
    assert.equal(successResultOf(q.get()), 0);
    const g = q.get();
    q.put(undefined);
    assert.equal(successResultOf(g), undefined);
  });

  describe("bounds", () => {
    it("throws QueueOverflow when `size` values are already stored", () => {
      const q = new DeferredQueue<number>({ size: 2 });
      q.put(1);
      q.put(2);
      assert.throws(() => q.put(3), QueueOverflow);
      assert.deepEqual(q.pending, [1, 2]);
      successResultOf(q.get());
      q.put(3);
      assert.deepEqual(q.pending, [2, 3]);
    });

    it("with size 0, a value can only go straight to a waiting get", () => {
      const q = new DeferredQueue<number>({ size: 0 });
      assert.throws(() => q.put(1), QueueOverflow);
      const g = q.get();
      q.put(1);
      assert.equal(successResultOf(g), 1);
    });

    it("throws QueueUnderflow when `backlog` gets are already waiting", () => {
      const q = new DeferredQueue<number>({ backlog: 2 });
      q.get();
      q.get();
      assert.throws(() => q.get(), QueueUnderflow);
      assert.equal(q.waiting, 2);
      q.put(1);
      q.get();
      assert.equal(q.waiting, 2);
    });

    it("a get with a stored value never underflows", () => {
      const q = new DeferredQueue<number>({ backlog: 0 });
      assert.throws(() => q.get(), QueueUnderflow);
      q.put(1);
      assert.equal(successResultOf(q.get()), 1);
    });

    it("is unlimited by default", () => {
      const q = new DeferredQueue<number>();
      assert.equal(q.size, Number.POSITIVE_INFINITY);
      assert.equal(q.backlog, Number.POSITIVE_INFINITY);
      for (let i = 0; i < 10_000; i++) q.put(i);
      assert.equal(q.pending.length, 10_000);
    });

    it("rejects bounds that are negative, fractional or NaN", () => {
      assert.throws(() => new DeferredQueue({ size: -1 }), RangeError);
      assert.throws(() => new DeferredQueue({ size: 1.5 }), RangeError);
      assert.throws(() => new DeferredQueue({ backlog: Number.NaN }), RangeError);
      assert.equal(
        new DeferredQueue({ size: Number.POSITIVE_INFINITY }).size,
        Number.POSITIVE_INFINITY,
      );
    });
  });

  describe("cancelling get()", () => {
    it("removes a waiting get from the line and fails it with CancelledError", () => {
      const q = new DeferredQueue<number>();
      const g1 = q.get();
      const g2 = q.get();
      g1.cancel();
      let failure: Failure | undefined;
      g1.addErrback((f) => {
        failure = f;
      });
      assert.ok(failure?.value instanceof CancelledError);
      assert.equal(q.waiting, 1);
      q.put(7);
      assert.equal(successResultOf(g2), 7);
      assert.deepEqual(q.pending, []);
    });

    it("frees room in the backlog", () => {
      const q = new DeferredQueue<number>({ backlog: 1 });
      const g = q.get();
      g.cancel();
      g.addErrback(() => undefined);
      assert.equal(q.waiting, 0);
      const g2 = q.get(); // no QueueUnderflow: the cancelled get left the line
      q.put(1);
      assert.equal(successResultOf(g2), 1);
    });

    it("does nothing to a get that already has its value", () => {
      const q = new DeferredQueue<number>();
      q.put(1);
      const g = q.get();
      g.cancel();
      assert.equal(successResultOf(g), 1);
    });
  });

  it("a consumer that asks again from its callback gets the values in order", () => {
    const q = new DeferredQueue<number>();
    const seen: number[] = [];
    const consume = (): void => {
      q.get().addCallback((v) => {
        seen.push(v);
        consume();
      });
    };
    consume();
    for (let i = 0; i < 1000; i++) q.put(i);
    assert.deepEqual(
      seen,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    assert.equal(q.waiting, 1);
  });

  it("handles 100,000 waiting gets and values efficiently", () => {
    const q = new DeferredQueue<number>();
    const n = 100_000;
    const gets = Array.from({ length: n }, () => q.get());
    for (let i = 0; i < n; i++) q.put(i);
    assert.equal(successResultOf(gets[n - 1]!), n - 1);
    for (let i = 0; i < n; i++) q.put(i);
    for (let i = 0; i < n; i++) assert.equal(successResultOf(q.get()), i);
    assert.equal(q.waiting, 0);
    assert.deepEqual(q.pending, []);
  });

  it("is typed", () => {
    const q = new DeferredQueue<string>();
    expectTypeOf(q.get()).toEqualTypeOf<Deferred<string>>();
    expectTypeOf(q.pending).toEqualTypeOf<string[]>();
    // @ts-expect-error wrong value type
    q.put(1);
  });
});

describe("Fifo", () => {
  it("is first in, first out across compactions, and removes from the middle", () => {
    const f = new Fifo<number>();
    assert.equal(f.shift(), undefined);
    for (let i = 0; i < 5000; i++) f.push(i);
    for (let i = 0; i < 3000; i++) assert.equal(f.shift(), i);
    assert.equal(f.length, 2000);
    assert.ok(f.remove(4000));
    assert.equal(f.remove(4000), false);
    assert.equal(f.remove(0), false, "already shifted");
    const rest = f.toArray();
    assert.equal(rest.length, 1999);
    assert.equal(rest[0], 3000);
    assert.ok(!rest.includes(4000));
    f.push(-1);
    let last: number | undefined;
    while (f.length > 0) last = f.shift();
    assert.equal(last, -1);
    assert.equal(f.shift(), undefined);
  });
});
