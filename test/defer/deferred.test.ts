import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deferred, fail, isDeferred, maybeDeferred, succeed } from "../../src/defer/deferred.js";
import { AlreadyCalledError, CancelledError, TimeoutError } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";

class MyError extends Error {}
class OtherError extends Error {}

/** A minimal scheduler for addTimeout tests, independent of the time area. */
function manualClock() {
  const calls: { at: number; f: () => void; live: boolean }[] = [];
  let now = 0;
  return {
    callLater(seconds: number, f: () => void) {
      const c = { at: now + seconds, f, live: true };
      calls.push(c);
      return {
        cancel: () => {
          c.live = false;
        },
        active: () => c.live,
      };
    },
    advance(s: number) {
      now += s;
      for (const c of calls) {
        if (c.live && c.at <= now) {
          c.live = false;
          c.f();
        }
      }
    },
  };
}

describe("Deferred firing", () => {
  it("runs callbacks synchronously, each receiving the previous result", () => {
    const seen: unknown[] = [];
    const d = new Deferred<number>();
    d.addCallback((n) => {
      seen.push(n);
      return n * 2;
    }).addCallback((n) => {
      seen.push(n);
      return `${n}`;
    });
    assert.deepEqual(seen, []);
    d.callback(21);
    assert.deepEqual(seen, [21, 42]);
  });

  it("runs callbacks added after firing at once", () => {
    const d = succeed(1);
    let got: number | undefined;
    d.addCallback((v) => {
      got = v;
    });
    assert.equal(got, 1);
  });

  it("passes extra arguments after the result", () => {
    const got: unknown[] = [];
    succeed(1).addCallback((v, a: string, b: number) => got.push(v, a, b), "x", 2);
    fail(new MyError()).addErrback(
      (f, tag: string) => got.push(f.check(MyError) !== null, tag),
      "e",
    );
    assert.deepEqual(got, [1, "x", 2, true, "e"]);
  });

  it("throws AlreadyCalledError when fired twice", () => {
    const d = new Deferred<number>();
    d.callback(1);
    assert.throws(() => d.callback(2), AlreadyCalledError);
    assert.throws(() => d.errback(new MyError()), AlreadyCalledError);
  });

  it("refuses a Deferred as a callback value", () => {
    const d = new Deferred<unknown>();
    assert.throws(() => d.callback(new Deferred()), TypeError);
  });

  it("switches to errbacks on a throw and back on a normal return", () => {
    const trail: string[] = [];
    const d = new Deferred<number>();
    d.addCallback(() => {
      trail.push("cb1");
      throw new MyError("boom");
    })
      .addCallback(() => {
        trail.push("skipped");
      })
      .addErrback((f) => {
        trail.push(`eb:${f.getErrorMessage()}`);
        return 7;
      })
      .addCallback((v) => {
        trail.push(`cb2:${v}`);
      });
    d.callback(0);
    assert.deepEqual(trail, ["cb1", "eb:boom", "cb2:7"]);
  });

  it("treats a returned Failure as a failure", () => {
    let message = "";
    succeed(1)
      .addCallback(() => new Failure(new MyError("returned")))
      .addErrback((f) => {
        message = f.getErrorMessage();
      });
    assert.equal(message, "returned");
  });

  it("wraps anything given to errback in a Failure, and keeps a given Failure as is", () => {
    const f = new Failure(new MyError("x"));
    let seen: Failure | undefined;
    fail(f).addErrback((g) => {
      seen = g;
    });
    assert.equal(seen, f);
    let wrapped: Failure | undefined;
    fail("a string").addErrback((g) => {
      wrapped = g;
    });
    assert.equal(wrapped?.value, "a string");
  });

  it("trap passes unmatched failures on unchanged", () => {
    const trail: string[] = [];
    fail(new OtherError("o"))
      .addErrback((f) => {
        f.trap(MyError);
        trail.push("handled");
      })
      .addErrback((f) => {
        trail.push(`still ${f.type?.name}`);
      });
    assert.deepEqual(trail, ["still OtherError"]);
  });

  it("addCallbacks runs exactly one of the pair", () => {
    const trail: string[] = [];
    const d = new Deferred<number>();
    d.addCallbacks(
      () => {
        trail.push("cb");
        throw new MyError();
      },
      () => {
        trail.push("eb-same-level");
      },
    ).addErrback(() => {
      trail.push("eb-next-level");
    });
    d.callback(1);
    assert.deepEqual(trail, ["cb", "eb-next-level"]);
  });

  it("addBoth sees values and failures", () => {
    const seen: unknown[] = [];
    succeed(3).addBoth((r) => seen.push(r));
    fail(new MyError()).addBoth((r) => seen.push(r instanceof Failure));
    assert.deepEqual(seen, [3, true]);
  });

  it("a callback that returns its own Deferred fails the chain", () => {
    const d = new Deferred<number>();
    let err: unknown;
    d.addCallback(() => d).addErrback((f) => {
      err = f.value;
    });
    d.callback(1);
    assert.ok(err instanceof TypeError);
  });

  it("callbacks added from inside a callback run in order", () => {
    const trail: number[] = [];
    const d = new Deferred<number>();
    d.addCallback((v) => {
      d.addCallback(() => trail.push(3));
      trail.push(1);
      return v;
    }).addCallback(() => trail.push(2));
    d.callback(0);
    assert.deepEqual(trail, [1, 2, 3]);
  });
});

describe("Deferred chaining", () => {
  it("waits for a returned Deferred and continues with its result", () => {
    const inner = new Deferred<string>();
    const outer = new Deferred<number>();
    let got: string | undefined;
    outer
      .addCallback(() => inner)
      .addCallback((s) => {
        got = s;
      });
    outer.callback(1);
    assert.equal(got, undefined);
    assert.equal(outer.paused, 1);
    inner.callback("ready");
    assert.equal(got, "ready");
    assert.equal(outer.paused, 0);
  });

  it("takes over the result of an already-fired Deferred, leaving undefined behind", () => {
    const inner = succeed("done");
    let got: string | undefined;
    succeed(1)
      .addCallback(() => inner)
      .addCallback((s) => {
        got = s;
      });
    assert.equal(got, "done");
    let left: unknown = "sentinel";
    inner.addCallback((v) => {
      left = v;
    });
    assert.equal(left, undefined);
  });

  it("propagates a failure of the returned Deferred", () => {
    const inner = new Deferred<string>();
    let err: unknown;
    succeed(1)
      .addCallback(() => inner)
      .addErrback((f) => {
        err = f.value;
      });
    inner.errback(new MyError("inner"));
    assert.ok(err instanceof MyError);
  });

  it("waits for a returned Promise", async () => {
    const d = succeed(1).addCallback(async (v) => v + 1);
    assert.equal(await d, 2);
  });

  it("handles 100,000 nested Deferreds without stack overflow", () => {
    const n = 100_000;
    const inners: Deferred<number>[] = [];
    const first = new Deferred<number>();
    let d: Deferred<number> = first;
    for (let i = 0; i < n; i++) {
      const inner = new Deferred<number>();
      inners.push(inner);
      d = d.addCallback(() => inner);
    }
    let final: number | undefined;
    d.addCallback((v) => {
      final = v;
    });
    first.callback(0);
    for (let i = 0; i < n; i++) inners[i]!.callback(i);
    assert.equal(final, n - 1);
  });

  it("handles a chain of 100,000 Deferreds each waiting on the next, fired from the innermost", () => {
    const n = 100_000;
    const ds: Deferred<number>[] = [];
    for (let i = 0; i < n; i++) ds.push(new Deferred<number>());
    for (let i = 0; i < n - 1; i++) {
      const next = ds[i + 1]!;
      ds[i]!.addCallback(() => next);
    }
    let final: number | undefined;
    ds[0]!.addCallback((v) => {
      final = v;
    });
    for (let i = 0; i < n - 1; i++) ds[i]!.callback(0);
    ds[n - 1]!.callback(42);
    assert.equal(final, 42);
  });

  it("runs 100,000 synchronous callbacks without stack overflow", () => {
    const d = new Deferred<number>();
    for (let i = 0; i < 100_000; i++) d.addCallback((v) => v + 1);
    let final = 0;
    d.addCallback((v) => {
      final = v;
    });
    d.callback(0);
    assert.equal(final, 100_000);
  });

  it("chainDeferred forwards the result", () => {
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    let got: number | undefined;
    b.addCallback((v) => {
      got = v;
    });
    a.chainDeferred(b);
    a.callback(5);
    assert.equal(got, 5);
  });

  it("a paused inner Deferred holds the outer one until unpaused", () => {
    const inner = new Deferred<number>();
    inner.pause();
    inner.callback(1);
    let got: number | undefined;
    succeed(0)
      .addCallback(() => inner)
      .addCallback((v) => {
        got = v;
      });
    assert.equal(got, undefined);
    inner.unpause();
    assert.equal(got, 1);
  });
});

describe("Deferred pause", () => {
  it("stops the chain while paused and resumes on unpause", () => {
    const trail: number[] = [];
    const d = new Deferred<number>();
    d.addCallback((v) => trail.push(v));
    d.pause();
    d.callback(1);
    assert.deepEqual(trail, []);
    d.pause();
    d.unpause();
    assert.deepEqual(trail, []);
    d.unpause();
    assert.deepEqual(trail, [1]);
  });

  it("a callback that pauses its own Deferred stops the chain there", () => {
    const trail: string[] = [];
    const d = new Deferred<number>();
    d.addCallback((v) => {
      d.pause();
      trail.push("first");
      return v;
    }).addCallback(() => trail.push("second"));
    d.callback(1);
    assert.deepEqual(trail, ["first"]);
    d.unpause();
    assert.deepEqual(trail, ["first", "second"]);
  });

  it("unpause without pause is harmless", () => {
    const d = new Deferred<number>();
    d.unpause();
    assert.equal(d.paused, 0);
  });
});

describe("Deferred cancellation", () => {
  it("without a canceller fails with CancelledError and ignores the later result", () => {
    const d = new Deferred<number>();
    let err: unknown;
    d.addErrback((f) => {
      err = f.value;
    });
    d.cancel();
    assert.ok(err instanceof CancelledError);
    assert.doesNotThrow(() => d.callback(1));
    assert.throws(() => d.callback(2), AlreadyCalledError);
  });

  it("calls the canceller, which may fire the Deferred itself", () => {
    const d = new Deferred<string>((self) => self.callback("cancelled nicely"));
    let got: string | undefined;
    d.addCallback((v) => {
      got = v;
    });
    d.cancel();
    assert.equal(got, "cancelled nicely");
  });

  it("fails with CancelledError when the canceller does not fire it, and then a late fire throws", () => {
    let calls = 0;
    const d = new Deferred<number>(() => {
      calls++;
    });
    let err: unknown;
    d.addErrback((f) => {
      err = f.value;
    });
    d.cancel();
    assert.equal(calls, 1);
    assert.ok(err instanceof CancelledError);
    assert.throws(() => d.callback(1), AlreadyCalledError);
  });

  it("is a no-op on a fired Deferred", () => {
    let calls = 0;
    const d = new Deferred<number>(() => {
      calls++;
    });
    d.callback(1);
    d.cancel();
    assert.equal(calls, 0);
  });

  it("cancels the Deferred the chain waits on", () => {
    let innerCancelled = false;
    const inner = new Deferred<number>(() => {
      innerCancelled = true;
    });
    const outer = succeed(0).addCallback(() => inner);
    let err: unknown;
    outer.addErrback((f) => {
      err = f.value;
    });
    outer.cancel();
    assert.ok(innerCancelled);
    assert.ok(err instanceof CancelledError);
  });

  it("aborts its signal when cancelled before firing", () => {
    const d = new Deferred<number>();
    const signal = d.signal;
    d.addErrback(() => undefined);
    assert.equal(signal.aborted, false);
    d.cancel();
    assert.equal(signal.aborted, true);
    assert.ok(signal.reason instanceof CancelledError);
  });

  it("cancelOnAbort cancels when the signal aborts, and detaches after firing", () => {
    const ac = new AbortController();
    const d = new Deferred<number>().cancelOnAbort(ac.signal);
    let err: unknown;
    d.addErrback((f) => {
      err = f.value;
    });
    ac.abort();
    assert.ok(err instanceof CancelledError);

    const ac2 = new AbortController();
    const d2 = new Deferred<number>().cancelOnAbort(ac2.signal);
    d2.callback(1);
    ac2.abort();
    let got: number | undefined;
    d2.addCallback((v) => {
      got = v;
    });
    assert.equal(got, 1);

    const aborted = AbortSignal.abort();
    const d3 = new Deferred<number>().cancelOnAbort(aborted);
    assert.equal(d3.called, true);
    d3.addErrback(() => undefined);
  });

  it("fromSignal fails when the signal aborts, with the reason as cause", () => {
    const ac = new AbortController();
    const d = Deferred.fromSignal(ac.signal);
    let err: unknown;
    d.addErrback((f) => {
      err = f.value;
    });
    ac.abort("because");
    assert.ok(err instanceof CancelledError);
    assert.equal((err as Error).cause, "because");
    const pre = Deferred.fromSignal(AbortSignal.abort());
    assert.equal(pre.called, true);
    pre.addErrback(() => undefined);
  });

  it("fromAbortable aborts the work on cancel", async () => {
    let seen: AbortSignal | undefined;
    const d = Deferred.fromAbortable(
      (signal) =>
        new Promise<number>((_resolve, reject) => {
          seen = signal;
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    );
    d.cancel();
    assert.equal(seen?.aborted, true);
    await assert.rejects(d.asPromise(), CancelledError);
  });

  it("fromAbortable fails when the start function throws", () => {
    const d = Deferred.fromAbortable(() => {
      throw new MyError("sync");
    });
    let err: unknown;
    d.addErrback((f) => {
      err = f.value;
    });
    assert.ok(err instanceof MyError);
  });
});

describe("Deferred.addTimeout", () => {
  it("fails with TimeoutError when the time passes, cancelling the operation", () => {
    const clock = manualClock();
    let cancelled = false;
    const d = new Deferred<number>(() => {
      cancelled = true;
    }).addTimeout(5, clock);
    let err: unknown;
    d.addErrback((f) => {
      err = f.value;
    });
    clock.advance(4);
    assert.equal(cancelled, false);
    clock.advance(1);
    assert.ok(cancelled);
    assert.ok(err instanceof TimeoutError);
    assert.equal((err as TimeoutError).timeout, 5);
  });

  it("cancels the timer when the result arrives in time", () => {
    const clock = manualClock();
    const d = new Deferred<number>().addTimeout(5, clock);
    d.callback(1);
    clock.advance(10);
    let got: number | undefined;
    d.addCallback((v) => {
      got = v;
    });
    assert.equal(got, 1);
  });

  it("keeps a canceller's own result", () => {
    const clock = manualClock();
    const d = new Deferred<string>((self) => self.callback("fallback")).addTimeout(1, clock);
    clock.advance(1);
    let got: string | undefined;
    d.addCallback((v) => {
      got = v;
    });
    assert.equal(got, "fallback");
  });

  it("uses onTimeoutCancel when given", () => {
    const clock = manualClock();
    const d = new Deferred<string>().addTimeout(2, clock, (_r, t) => `timed out after ${t}`);
    clock.advance(2);
    let got: unknown;
    d.addCallback((v) => {
      got = v;
    });
    assert.equal(got, "timed out after 2");
  });

  it("does not turn a user's own cancel into a TimeoutError", () => {
    const clock = manualClock();
    const d = new Deferred<number>().addTimeout(5, clock);
    d.cancel();
    let err: unknown;
    d.addErrback((f) => {
      err = f.value;
    });
    assert.ok(err instanceof CancelledError);
    assert.ok(!(err instanceof TimeoutError));
  });
});

describe("Deferred and Promises", () => {
  it("is awaitable", async () => {
    const d = new Deferred<number>();
    setImmediate(() => d.callback(9));
    assert.equal(await d, 9);
  });

  it("rejects await with the original error, not a Failure", async () => {
    await assert.rejects(async () => await fail(new MyError("nope")), MyError);
  });

  it("does not change the chain when awaited", async () => {
    const d = succeed(5);
    assert.equal(await d, 5);
    assert.equal(await d, 5);
    let got: number | undefined;
    d.addCallback((v) => {
      got = v;
    });
    assert.equal(got, 5);
  });

  it("fromPromise follows the promise and ignores it after cancel", async () => {
    assert.equal(await Deferred.fromPromise(Promise.resolve(3)), 3);
    await assert.rejects(Deferred.fromPromise(Promise.reject(new MyError())).asPromise(), MyError);
    let resolve!: (v: number) => void;
    const d = Deferred.fromPromise(new Promise<number>((r) => (resolve = r)));
    d.cancel();
    resolve(1);
    await new Promise((r) => setImmediate(r));
    await assert.rejects(d.asPromise(), CancelledError);
  });

  it("fromPromise returns a Deferred unchanged", () => {
    const d = new Deferred<number>();
    assert.equal(Deferred.fromPromise(d), d);
  });

  it("then() follows Promise semantics", async () => {
    const v = await succeed(2).then((x) => x * 10);
    assert.equal(v, 20);
    const r = await fail(new MyError()).then(
      () => "no",
      (e) => (e instanceof MyError ? "caught" : "wrong"),
    );
    assert.equal(r, "caught");
  });
});

describe("helpers", () => {
  it("maybeDeferred wraps values, throws, failures, Deferreds and Promises", async () => {
    assert.equal(await maybeDeferred(() => 1), 1);
    await assert.rejects(
      maybeDeferred(() => {
        throw new MyError();
      }).asPromise(),
      MyError,
    );
    await assert.rejects(
      maybeDeferred(() => new Failure(new OtherError())).asPromise(),
      OtherError,
    );
    const d = new Deferred<string>();
    assert.equal(
      maybeDeferred(() => d),
      d,
    );
    assert.equal(await maybeDeferred(async (a: number, b: number) => a + b, 1, 2), 3);
  });

  it("isDeferred recognises Deferreds only", () => {
    assert.equal(isDeferred(new Deferred()), true);
    assert.equal(isDeferred(Promise.resolve()), false);
    assert.equal(isDeferred(null), false);
  });

  it("toString describes the state", () => {
    assert.equal(new Deferred().toString(), "Deferred { pending }");
    assert.equal(succeed(1).toString(), "Deferred { fired }");
    const f = fail(new MyError("m"));
    assert.match(f.toString(), /failed: \[Failure MyError: m\]/);
    f.addErrback(() => undefined);
  });
});
