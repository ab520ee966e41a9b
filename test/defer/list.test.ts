import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import fc from "fast-check";
import { Deferred, fail, succeed } from "../../src/defer/deferred.js";
import {
  DeferredList,
  type DeferredListEntry,
  type DeferredListResult,
  gatherResults,
} from "../../src/defer/list.js";
import { CancelledError, FirstError } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";
import { captureLogEvents } from "../../src/logger/capture.js";
import { assertNoResult, failureResultOf, successResultOf } from "../../src/testing/results.js";

class Boom extends Error {}

// ---------------------------------------------------------------------------------------------

describe("DeferredList", () => {
  it("fires at once with [] when given no Deferreds", () => {
    assert.deepEqual(successResultOf(new DeferredList([])), []);
    assert.deepEqual(successResultOf(new DeferredList([], { fireOnOneCallback: true })), []);
    assert.deepEqual(successResultOf(new DeferredList([], { fireOnOneErrback: true })), []);
  });

  it("waits for every input and gives results in input order, not completion order", () => {
    const ds = [new Deferred<string>(), new Deferred<string>(), new Deferred<string>()];
    const dl = new DeferredList(ds);
    ds[2]!.callback("c");
    assertNoResult(dl);
    ds[0]!.callback("a");
    assertNoResult(dl);
    ds[1]!.callback("b");
    assert.deepEqual(successResultOf(dl), [
      [true, "a"],
      [true, "b"],
      [true, "c"],
    ]);
  });

  it("reports failures as [false, failure] and still fires (it never fails on its own)", () => {
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    const dl = new DeferredList([d1, d2], { consumeErrors: true });
    const error = new Boom("no");
    d2.errback(error);
    d1.callback(1);
    const result = successResultOf(dl);
    assert.deepEqual(result[0], [true, 1]);
    const [ok, f] = result[1]!;
    assert.equal(ok, false);
    assert.ok(f instanceof Failure);
    assert.equal(f.value, error);
  });

  it("exposes partial results in resultList and counts finished inputs", () => {
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    const dl = new DeferredList([d1, d2]);
    assert.deepEqual(dl.resultList, [undefined, undefined]);
    assert.equal(dl.finishedCount, 0);
    d2.callback(2);
    assert.deepEqual(dl.resultList, [undefined, [true, 2]]);
    assert.equal(dl.finishedCount, 1);
    d1.callback(1);
    assert.equal(successResultOf(dl), dl.resultList);
    assert.equal(dl.finishedCount, 2);
  });

  it("accepts inputs that have already fired", () => {
    const dl = new DeferredList([succeed(1), fail<number>(new Boom("x")), succeed(3)], {
      consumeErrors: true,
    });
    const r = successResultOf(dl);
    assert.deepEqual(r[0], [true, 1]);
    assert.equal(r[1]![0], false);
    assert.deepEqual(r[2], [true, 3]);
  });

  it("accepts any iterable, consumed once", () => {
    function* gen(): Generator<Deferred<number>> {
      yield succeed(1);
      yield succeed(2);
    }
    assert.deepEqual(successResultOf(new DeferredList(gen())), [
      [true, 1],
      [true, 2],
    ]);
    assert.deepEqual(successResultOf(new DeferredList(new Set([succeed("x")]))), [[true, "x"]]);
  });

  it("leaves each input's successful result unchanged on its own chain", () => {
    const d = new Deferred<number>();
    new DeferredList([d]);
    d.callback(7);
    assert.equal(successResultOf(d), 7);
  });

  it("is a Deferred: callbacks can be added and chained", () => {
    const d = new Deferred<number>();
    const dl = new DeferredList([d]).addCallback((r) => r.length);
    d.callback(1);
    assert.equal(successResultOf(dl), 1);
  });

  describe("fireOnOneCallback", () => {
    it("fires with [value, index] on the first success", () => {
      const ds = [new Deferred<string>(), new Deferred<string>(), new Deferred<string>()];
      const dl = new DeferredList(ds, { fireOnOneCallback: true });
      ds[1]!.callback("b");
      assert.deepEqual(successResultOf(dl), ["b", 1]);
      // Later results are recorded but do not fire the list again.
      ds[0]!.callback("a");
      ds[2]!.callback("c");
      assert.deepEqual(dl.resultList, [
        [true, "a"],
        [true, "b"],
        [true, "c"],
      ]);
    });

    it("fires on an input that had already fired", () => {
      const dl = new DeferredList([new Deferred<number>(), succeed(5)], {
        fireOnOneCallback: true,
      });
      assert.deepEqual(successResultOf(dl), [5, 1]);
    });

    it("ignores failures, and fires with the full list when every input failed", () => {
      const d1 = new Deferred<number>();
      const d2 = new Deferred<number>();
      const dl = new DeferredList([d1, d2], { fireOnOneCallback: true, consumeErrors: true });
      d1.errback(new Boom("1"));
      assertNoResult(dl);
      d2.errback(new Boom("2"));
      const r = successResultOf(dl) as DeferredListResult<number>;
      assert.equal(r.length, 2);
      assert.equal(r[0]![0], false);
      assert.equal(r[1]![0], false);
    });
  });

  describe("fireOnOneErrback", () => {
    it("fails with FirstError(failure, index) on the first failure", () => {
      const ds = [new Deferred<number>(), new Deferred<number>(), new Deferred<number>()];
      const dl = new DeferredList(ds, { fireOnOneErrback: true, consumeErrors: true });
      ds[0]!.callback(1);
      const error = new Boom("second");
      ds[1]!.errback(error);
      const f = failureResultOf(dl, FirstError);
      const first = f.value as FirstError;
      assert.equal(first.index, 1);
      assert.ok(first.failure instanceof Failure);
      assert.equal(first.failure.value, error);
      assert.equal(first.cause, error);
      // Later results do not fire it again.
      ds[2]!.errback(new Boom("third"));
      assert.equal(dl.finishedCount, 3);
    });

    it("fires with the full list when no input fails", () => {
      const d1 = new Deferred<number>();
      const d2 = new Deferred<number>();
      const dl = new DeferredList([d1, d2], { fireOnOneErrback: true });
      d2.callback(2);
      d1.callback(1);
      assert.deepEqual(successResultOf(dl), [
        [true, 1],
        [true, 2],
      ]);
    });

    it("fails on an input that had already failed", () => {
      const dl = new DeferredList([new Deferred<number>(), fail<number>(new Boom("x"))], {
        fireOnOneErrback: true,
        consumeErrors: true,
      });
      assert.equal((failureResultOf(dl, FirstError).value as FirstError).index, 1);
    });

    it("with fireOnOneCallback too, whichever comes first wins", () => {
      const d1 = new Deferred<number>();
      const d2 = new Deferred<number>();
      const dl = new DeferredList([d1, d2], {
        fireOnOneCallback: true,
        fireOnOneErrback: true,
        consumeErrors: true,
      });
      d2.errback(new Boom("x"));
      d1.callback(1);
      assert.equal((failureResultOf(dl, FirstError).value as FirstError).index, 1);
    });
  });

  describe("consumeErrors", () => {
    it("leaves a failed input's chain with undefined", () => {
      const d = new Deferred<number>();
      const dl = new DeferredList([d], { consumeErrors: true });
      d.errback(new Boom("x"));
      assert.equal(successResultOf(d), undefined);
      assert.equal(successResultOf(dl)[0]![0], false);
    });

    it("without it, a failed input's chain still carries the failure", () => {
      const d = new Deferred<number>();
      const dl = new DeferredList([d]);
      const error = new Boom("x");
      d.errback(error);
      const [ok, f] = successResultOf(dl)[0]!;
      assert.equal(ok, false);
      // The same Failure continues down the input's chain (consumed here so it is not reported).
      assert.equal(failureResultOf(d, Boom), f);
    });

    it("applies to inputs that failed after the list had already fired", () => {
      const d1 = new Deferred<number>();
      const d2 = new Deferred<number>();
      new DeferredList([d1, d2], { fireOnOneCallback: true, consumeErrors: true });
      d1.callback(1);
      d2.errback(new Boom("late"));
      assert.equal(successResultOf(d2), undefined);
    });
  });

  describe("cancel", () => {
    it("cancels every input that has not fired; the list fires with their CancelledErrors", () => {
      const d1 = new Deferred<number>();
      const d2 = new Deferred<number>();
      const d3 = new Deferred<number>();
      const dl = new DeferredList([d1, d2, d3], { consumeErrors: true });
      d2.callback(2);
      dl.cancel();
      const r = successResultOf(dl);
      assert.equal(r[0]![0], false);
      assert.ok((r[0]![1] as Failure).value instanceof CancelledError);
      assert.deepEqual(r[1], [true, 2]);
      assert.equal(r[2]![0], false);
      assert.ok((r[2]![1] as Failure).value instanceof CancelledError);
    });

    it("without consumeErrors, the cancelled inputs carry their CancelledError too", () => {
      const d1 = new Deferred<number>();
      const dl = new DeferredList([d1]);
      dl.cancel();
      failureResultOf(d1, CancelledError);
      assert.equal(successResultOf(dl)[0]![0], false);
    });

    it("uses what the inputs' cancellers fire them with", () => {
      const d1 = new Deferred<string>((d) => d.callback("hello"));
      const d2 = new Deferred<string>((d) => d.callback("world"));
      const dl = new DeferredList([d1, d2], { fireOnOneCallback: true });
      dl.cancel();
      assert.deepEqual(successResultOf(dl), ["hello", 0]);
      assert.equal(successResultOf(d2), "world");
    });

    it("with fireOnOneErrback, fails with FirstError of the first cancellation and still cancels all", () => {
      const d1 = new Deferred<number>();
      const d2 = new Deferred<number>();
      const dl = new DeferredList([d1, d2], { fireOnOneErrback: true, consumeErrors: true });
      dl.cancel();
      const first = failureResultOf(dl, FirstError).value as FirstError;
      assert.equal(first.index, 0);
      assert.ok(first.failure.value instanceof CancelledError);
      assert.ok(d2.called);
      assert.equal(dl.finishedCount, 2);
    });

    it("does nothing once the list has fired on one success", () => {
      const d1 = new Deferred<number>();
      const d2 = new Deferred<number>();
      const dl = new DeferredList([d1, d2], { fireOnOneCallback: true });
      d1.callback(1);
      dl.cancel();
      assertNoResult(d2);
      assert.deepEqual(successResultOf(dl), [1, 0]);
    });

    it("does nothing once the list has fired on one failure", () => {
      const d1 = new Deferred<number>();
      const d2 = new Deferred<number>();
      const dl = new DeferredList([d1, d2], { fireOnOneErrback: true, consumeErrors: true });
      d1.errback(new Boom("x"));
      dl.cancel();
      assertNoResult(d2);
      failureResultOf(dl, FirstError);
    });

    it("logs an input canceller that throws and still cancels the other inputs", () => {
      const d1 = new Deferred<number>(() => {
        throw new Boom("canceller broke");
      });
      const d2 = new Deferred<number>();
      const dl = new DeferredList([d1, d2], { consumeErrors: true });
      const events = captureLogEvents(() => dl.cancel());
      assert.equal(events.length, 1);
      assert.ok(d2.called);
      // d1's canceller threw before d1 could fail, so the list still lacks a result: it fails.
      assert.equal(d1.called, false);
      failureResultOf(dl, CancelledError);
      d1.callback(1); // ignored by the list, which has fired
      assert.equal(successResultOf(d1), 1);
    });

    it("fails with CancelledError if the cancelled inputs still do not reach it", () => {
      const d = new Deferred<number>();
      const dl = new DeferredList([d]);
      d.pause(); // the cancellation's CancelledError cannot travel down d's chain yet
      dl.cancel();
      failureResultOf(dl, CancelledError);
      // When d's chain finally runs, the list ignores it and d's chain carries on.
      d.unpause();
      failureResultOf(d, CancelledError);
    });

    it("aborts the list's signal", () => {
      const dl = new DeferredList([new Deferred<number>()], { consumeErrors: true });
      const signal = dl.signal;
      dl.cancel();
      assert.ok(signal.aborted);
    });
  });

  it("has result types that follow fireOnOneCallback", () => {
    const d = new Deferred<number>();
    expectTypeOf(new DeferredList([d])).toExtend<Deferred<DeferredListResult<number>>>();
    expectTypeOf(new DeferredList([d]).addCallback((r) => r)).toEqualTypeOf<
      Deferred<DeferredListResult<number>>
    >();
    expectTypeOf(
      new DeferredList([d], { consumeErrors: true }).addCallback((r) => r),
    ).toEqualTypeOf<Deferred<DeferredListResult<number>>>();
    expectTypeOf(
      new DeferredList([d], { fireOnOneCallback: true }).addCallback((r) => r),
    ).toEqualTypeOf<Deferred<[value: number, index: number] | DeferredListResult<number>>>();
    expectTypeOf<DeferredListEntry<string>>().toEqualTypeOf<
      [success: true, value: string] | [success: false, failure: Failure]
    >();
    const ds = [new Deferred<number>(), new Deferred<string>()];
    // Mixed inputs need the type argument: TypeScript does not infer a union from them.
    expectTypeOf(new DeferredList<number | string>(ds).resultList).toEqualTypeOf<
      (DeferredListEntry<number | string> | undefined)[]
    >();
    d.callback(0);
  });

  it("always gives results in input order, whatever order and outcome (property)", () => {
    const spec = fc
      .array(fc.record({ ok: fc.boolean(), value: fc.integer(), early: fc.boolean() }), {
        maxLength: 25,
      })
      .chain((items) =>
        fc.tuple(
          fc.constant(items),
          fc.shuffledSubarray(
            items.map((_, i) => i),
            { minLength: items.length, maxLength: items.length },
          ),
          fc.boolean(),
        ),
      );
    fc.assert(
      fc.property(spec, ([items, order, consumeErrors]) => {
        const errors = items.map((it) => new Boom(String(it.value)));
        const fire = (d: Deferred<number>, i: number): void => {
          const it = items[i]!;
          if (it.ok) d.callback(it.value);
          else d.errback(errors[i]);
        };
        const ds = items.map(() => new Deferred<number>());
        items.forEach((it, i) => {
          if (it.early) fire(ds[i]!, i);
        });
        const dl = new DeferredList(ds, { consumeErrors });
        for (const i of order) {
          if (!items[i]!.early) fire(ds[i]!, i);
        }
        const result = successResultOf(dl);
        assert.equal(result.length, items.length);
        items.forEach((it, i) => {
          const [ok, v] = result[i]!;
          assert.equal(ok, it.ok);
          if (it.ok) assert.equal(v, it.value);
          else assert.equal((v as Failure).value, errors[i]);
          // Each input's own chain: unchanged, or undefined for consumed failures.
          if (it.ok) assert.equal(successResultOf(ds[i]!), it.value);
          else if (consumeErrors) assert.equal(successResultOf(ds[i]!), undefined);
          else failureResultOf(ds[i]!, Boom);
        });
      }),
    );
  });
});

describe("gatherResults", () => {
  it("fires with the values in input order, not completion order", () => {
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    const d3 = new Deferred<number>();
    const g = gatherResults([d1, d2, d3]);
    d3.callback(3);
    d1.callback(1);
    assertNoResult(g);
    d2.callback(2);
    assert.deepEqual(successResultOf(g), [1, 2, 3]);
  });

  it("fires at once with [] for no inputs, and with the values of inputs already fired", () => {
    assert.deepEqual(successResultOf(gatherResults([])), []);
    assert.deepEqual(successResultOf(gatherResults([succeed("a"), succeed("b")])), ["a", "b"]);
  });

  it("fails with FirstError on the first failure, without waiting for the others", () => {
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    const g = gatherResults([d1, d2]);
    const error = new Boom("x");
    d2.errback(error);
    const first = failureResultOf(g, FirstError).value as FirstError;
    assert.equal(first.index, 1);
    assert.equal(first.failure.value, error);
    // Without consumeErrors the input keeps its failure.
    failureResultOf(d2, Boom);
    d1.callback(1);
  });

  it("with consumeErrors, leaves failed inputs' chains with undefined", () => {
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    const g = gatherResults([d1, d2], true);
    d1.errback(new Boom("1"));
    d2.errback(new Boom("2"));
    assert.equal((failureResultOf(g, FirstError).value as FirstError).index, 0);
    assert.equal(successResultOf(d1), undefined);
    assert.equal(successResultOf(d2), undefined);
  });

  it("cancels its inputs when cancelled", () => {
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    const g = gatherResults([d1, d2], true);
    g.cancel();
    assert.ok(d1.called && d2.called);
    const first = failureResultOf(g, FirstError).value as FirstError;
    assert.ok(first.failure.value instanceof CancelledError);
  });

  it("fires with the values when every input's canceller succeeds", () => {
    const d1 = new Deferred<string>((d) => d.callback("x"));
    const d2 = new Deferred<string>((d) => d.callback("y"));
    const g = gatherResults([d1, d2]);
    g.cancel();
    assert.deepEqual(successResultOf(g), ["x", "y"]);
  });

  it("accepts any iterable", () => {
    assert.deepEqual(successResultOf(gatherResults(new Set([succeed(1), succeed(2)]))), [1, 2]);
  });

  it("is typed per position for tuples and as an array for arrays", () => {
    const dn = succeed(1);
    const ds = succeed("s");
    expectTypeOf(gatherResults([dn, ds])).toEqualTypeOf<Deferred<[number, string]>>();
    expectTypeOf(gatherResults([dn as Deferred<number>, ds as Deferred<string>])).toEqualTypeOf<
      Deferred<[number, string]>
    >();
    expectTypeOf(gatherResults([])).toEqualTypeOf<Deferred<[]>>();
    const arr: Deferred<number>[] = [dn];
    expectTypeOf(gatherResults(arr)).toEqualTypeOf<Deferred<number[]>>();
    const ro: readonly Deferred<boolean>[] = [];
    expectTypeOf(gatherResults(ro)).toEqualTypeOf<Deferred<boolean[]>>();
    expectTypeOf(gatherResults(new Set([dn]))).toEqualTypeOf<Deferred<number[]>>();
    expectTypeOf(gatherResults([dn, ds]).addCallback(([n, s]) => n + s.length)).toEqualTypeOf<
      Deferred<number>
    >();
    assert.deepEqual(successResultOf(gatherResults([dn, ds])), [1, "s"]);
  });
});
