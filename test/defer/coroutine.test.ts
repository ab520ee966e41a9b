import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import { ensureDeferred, inlineCallbacks, waitFor } from "../../src/defer/coroutine.js";
import { Deferred, fail, succeed } from "../../src/defer/deferred.js";
import { CancelledError } from "../../src/errors/errors.js";

class MyError extends Error {}

describe("inlineCallbacks", () => {
  it("waits for yielded Deferreds and returns the generator's value", () => {
    const a = new Deferred<number>();
    const b = new Deferred<string>();
    const f = inlineCallbacks(function* (prefix: string) {
      const x = yield* waitFor(a);
      const y = yield* waitFor(b);
      return `${prefix}${x}${y}`;
    });
    const d = f(">");
    let got: string | undefined;
    d.addCallback((v) => {
      got = v;
    });
    a.callback(1);
    assert.equal(got, undefined);
    b.callback("z");
    assert.equal(got, ">1z");
  });

  it("types yielded results at the call site and the returned Deferred", () => {
    const f = inlineCallbacks(function* (n: number) {
      const s = yield* waitFor(succeed(`${n}`));
      expectTypeOf(s).toEqualTypeOf<string>();
      const p = yield* waitFor(Promise.resolve(true));
      expectTypeOf(p).toEqualTypeOf<boolean>();
      return s.length;
    });
    expectTypeOf(f).parameters.toEqualTypeOf<[number]>();
    expectTypeOf(f).returns.toEqualTypeOf<Deferred<number>>();
  });

  it("throws a failure in at the yield, where it can be caught", () => {
    const f = inlineCallbacks(function* () {
      try {
        yield fail(new MyError("inner"));
        return "not reached";
      } catch (e) {
        return e instanceof MyError ? "caught" : "wrong";
      }
    });
    let got: string | undefined;
    f().addCallback((v) => {
      got = v;
    });
    assert.equal(got, "caught");
  });

  it("fails when the generator throws, including before its first yield", () => {
    const errs: unknown[] = [];
    inlineCallbacks(function* () {
      yield succeed(1);
      throw new MyError("late");
    })().addErrback((f) => {
      errs.push(f.value);
    });
    // biome-ignore lint/correctness/useYield: a generator that fails before its first yield
    inlineCallbacks(function* () {
      throw new MyError("early");
    })().addErrback((f) => {
      errs.push(f.value);
    });
    assert.equal(errs.length, 2);
    assert.ok(errs.every((e) => e instanceof MyError));
  });

  it("sends plain yielded values straight back", () => {
    let got: unknown;
    inlineCallbacks(function* () {
      const v = yield 5;
      return v;
    })().addCallback((v) => {
      got = v;
    });
    assert.equal(got, 5);
  });

  it("waits for yielded Promises", async () => {
    const f = inlineCallbacks(function* () {
      const v = yield* waitFor(new Promise<number>((r) => setImmediate(() => r(4))));
      return v * 2;
    });
    assert.equal(await f(), 8);
  });

  it("yields 100,000 already-fired Deferreds without stack overflow", () => {
    const f = inlineCallbacks(function* () {
      let total = 0;
      for (let i = 0; i < 100_000; i++) total += yield* waitFor(succeed(1));
      return total;
    });
    let got: number | undefined;
    f().addCallback((v) => {
      got = v;
    });
    assert.equal(got, 100_000);
  });

  it("cancelling cancels the Deferred the generator waits on", () => {
    let innerCancelled = false;
    const inner = new Deferred<number>(() => {
      innerCancelled = true;
    });
    let sawCancel = false;
    const d = inlineCallbacks(function* () {
      try {
        yield inner;
      } catch (e) {
        sawCancel = e instanceof CancelledError;
        throw e;
      }
    })();
    let err: unknown;
    d.addErrback((f) => {
      err = f.value;
    });
    d.cancel();
    assert.ok(innerCancelled);
    assert.ok(sawCancel);
    assert.ok(err instanceof CancelledError);
  });

  it("a generator may recover from cancellation with a result", () => {
    const d = inlineCallbacks(function* () {
      try {
        yield new Deferred<number>();
        return "finished";
      } catch {
        return "recovered";
      }
    })();
    let got: string | undefined;
    d.addCallback((v) => {
      got = v;
    });
    d.cancel();
    assert.equal(got, "recovered");
  });

  it("stops a generator that keeps waiting after cancellation, running its finally", () => {
    const later = new Deferred<number>();
    let cleanedUp = false;
    let reachedEnd = false;
    const d = inlineCallbacks(function* () {
      try {
        try {
          yield new Deferred<number>();
        } catch {
          yield later;
          reachedEnd = true;
        }
      } finally {
        cleanedUp = true;
      }
    })();
    d.addErrback(() => undefined);
    d.cancel();
    assert.equal(d.called, true);
    later.callback(1);
    assert.equal(reachedEnd, false);
    assert.equal(cleanedUp, true);
  });

  it("passes `this` through", () => {
    const obj = {
      n: 3,
      get: inlineCallbacks(function* (this: { n: number }) {
        yield succeed(0);
        return this.n;
      }),
    };
    let got: number | undefined;
    obj.get().addCallback((v) => {
      got = v;
    });
    assert.equal(got, 3);
  });
});

describe("ensureDeferred", () => {
  it("wraps Promises and returns Deferreds unchanged", async () => {
    const d = new Deferred<number>();
    assert.equal(ensureDeferred(d), d);
    const fromAsync = ensureDeferred((async () => 7)());
    assert.ok(fromAsync instanceof Deferred);
    assert.equal(await fromAsync, 7);
  });

  it("runs generators as coroutines", () => {
    function* gen() {
      const v = yield* waitFor(succeed(2));
      return v + 1;
    }
    let got: number | undefined;
    ensureDeferred(gen()).addCallback((v) => {
      got = v;
    });
    assert.equal(got, 3);
  });

  it("rejects anything else with a clear TypeError", () => {
    assert.throws(
      () => ensureDeferred(42 as unknown as Promise<number>),
      /needs a Promise, a Deferred or a generator, not number/,
    );
  });
});
