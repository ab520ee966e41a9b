import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import { Deferred, succeed } from "../../src/defer/deferred.js";
import { DeferredLock, DeferredSemaphore } from "../../src/defer/lock.js";
import { CancelledError, InvalidStateError } from "../../src/errors/errors.js";
import { assertNoResult, failureResultOf, successResultOf } from "../../src/testing/results.js";

class Boom extends Error {}

describe("DeferredLock", () => {
  it("is acquired at once when free, and fires with the lock itself", () => {
    const lock = new DeferredLock();
    assert.equal(lock.locked, false);
    const d = lock.acquire();
    assert.equal(successResultOf(d), lock);
    assert.equal(lock.locked, true);
    lock.release();
    assert.equal(lock.locked, false);
  });

  it("makes later acquirers wait, and serves them first come first served", () => {
    const lock = new DeferredLock();
    lock.acquire();
    const order: number[] = [];
    const waiters = [0, 1, 2].map((i) => lock.acquire().addCallback(() => order.push(i)));
    assert.equal(lock.waiting, 3);
    for (const w of waiters) assertNoResult(w);
    lock.release();
    assert.deepEqual(order, [0]);
    assert.equal(lock.locked, true, "handed straight to the next waiter");
    lock.release();
    lock.release();
    assert.deepEqual(order, [0, 1, 2]);
    assert.equal(lock.locked, true);
    lock.release();
    assert.equal(lock.locked, false);
  });

  it("hands the lock over synchronously inside release()", () => {
    const lock = new DeferredLock();
    lock.acquire();
    let got = false;
    lock.acquire().addCallback(() => {
      got = true;
    });
    lock.release();
    assert.equal(got, true);
  });

  it("throws when releasing a lock that is not locked", () => {
    const lock = new DeferredLock();
    assert.throws(() => lock.release(), InvalidStateError);
    lock.acquire();
    lock.release();
    assert.throws(() => lock.release(), InvalidStateError);
  });

  it("does not let a new acquire jump the line during a hand-over", () => {
    const lock = new DeferredLock();
    lock.acquire();
    const order: string[] = [];
    lock.acquire().addCallback((l) => {
      order.push("first");
      l.release();
      // The second waiter already has the lock, so this one queues behind it.
      l.acquire().addCallback((l2) => {
        order.push("late");
        l2.release();
      });
      order.push("first done");
    });
    lock.acquire().addCallback((l) => {
      order.push("second");
      l.release();
    });
    lock.release();
    assert.deepEqual(order, ["first", "first done", "second", "late"]);
    assert.equal(lock.locked, false);
  });

  it("serves 100,000 waiters that release at once without overflowing the stack", () => {
    const lock = new DeferredLock();
    lock.acquire();
    const n = 100_000;
    let served = 0;
    let inOrder = true;
    for (let i = 0; i < n; i++) {
      lock.acquire().addCallback((l) => {
        if (served !== i) inOrder = false;
        served++;
        l.release();
      });
    }
    lock.release();
    assert.equal(served, n);
    assert.ok(inOrder);
    assert.equal(lock.locked, false);
    assert.equal(lock.waiting, 0);
  });

  it("runs 100,000 queued run() calls without overflowing the stack", () => {
    const lock = new DeferredLock();
    lock.acquire();
    const n = 100_000;
    let count = 0;
    let last: Deferred<number> | undefined;
    for (let i = 0; i < n; i++) last = lock.run(() => ++count);
    lock.release();
    assert.equal(count, n);
    assert.equal(successResultOf(last!), n);
    assert.equal(lock.locked, false);
  });

  describe("cancelling acquire()", () => {
    it("takes a waiting acquire out of the line and fails it with CancelledError", () => {
      const lock = new DeferredLock();
      lock.acquire();
      const order: number[] = [];
      const d1 = lock.acquire().addCallback(() => order.push(1));
      const d2 = lock.acquire().addCallback(() => order.push(2));
      d1.cancel();
      failureResultOf(d1, CancelledError);
      assert.equal(lock.waiting, 1);
      lock.release();
      assert.deepEqual(order, [2]);
      successResultOf(d2);
      lock.release();
      assert.equal(lock.locked, false);
    });

    it("does nothing to an acquire that already has the lock", () => {
      const lock = new DeferredLock();
      const d = lock.acquire();
      d.cancel();
      assert.equal(successResultOf(d), lock);
      assert.equal(lock.locked, true);
    });

    it("passes the lock on when a waiter that was handed it is cancelled before being told", () => {
      const lock = new DeferredLock();
      lock.acquire();
      const order: string[] = [];
      let d2: Deferred<unknown> | undefined;
      lock.acquire().addCallback((l) => {
        order.push("first");
        l.release(); // hands it to the second, who is told once this callback returns
        d2!.cancel(); // ... but is cancelled first
      });
      d2 = lock.acquire().addCallback(() => order.push("second"));
      lock.acquire().addCallback((l) => {
        order.push("third");
        l.release();
      });
      lock.release();
      failureResultOf(d2, CancelledError);
      assert.deepEqual(order, ["first", "third"]);
      assert.equal(lock.locked, false);
    });

    it("the lock is released and nothing leaks when every waiter is cancelled", () => {
      const lock = new DeferredLock();
      lock.acquire();
      const ds = [lock.acquire(), lock.acquire()];
      for (const d of ds) d.cancel();
      for (const d of ds) failureResultOf(d, CancelledError);
      assert.equal(lock.waiting, 0);
      lock.release();
      assert.equal(lock.locked, false);
    });
  });

  describe("run", () => {
    it("calls the function with its arguments while holding the lock, then releases", () => {
      const lock = new DeferredLock();
      let lockedInside = false;
      const d = lock.run(
        (a: number, b: string) => {
          lockedInside = lock.locked;
          return `${a}${b}`;
        },
        1,
        "x",
      );
      assert.equal(successResultOf(d), "1x");
      assert.ok(lockedInside);
      assert.equal(lock.locked, false);
    });

    it("releases when the function throws, and fails with its error", () => {
      const lock = new DeferredLock();
      const d = lock.run(() => {
        throw new Boom("x");
      });
      failureResultOf(d, Boom);
      assert.equal(lock.locked, false);
    });

    it("waits for a returned Deferred and releases when it fires, success or failure", () => {
      const lock = new DeferredLock();
      const inner = new Deferred<number>();
      const d = lock.run(() => inner);
      const queued = lock.run(() => "next");
      assert.equal(lock.locked, true);
      assertNoResult(queued);
      inner.errback(new Boom("late"));
      failureResultOf(d, Boom);
      assert.equal(successResultOf(queued), "next");
      assert.equal(lock.locked, false);
    });

    it("waits for a returned Promise", async () => {
      const lock = new DeferredLock();
      const d = lock.run(async () => 5);
      assert.equal(lock.locked, true);
      assert.equal(await d, 5);
      assert.equal(lock.locked, false);
    });

    it("serialises: one function at a time, in call order", () => {
      const lock = new DeferredLock();
      const gates = [new Deferred<void>(), new Deferred<void>(), new Deferred<void>()];
      const log: string[] = [];
      gates.forEach((g, i) => {
        lock.run(() => {
          log.push(`start ${i}`);
          return g.addCallback(() => {
            log.push(`end ${i}`);
          });
        });
      });
      assert.deepEqual(log, ["start 0"]);
      gates[2]!.callback(); // finishes early, but its function has not started
      gates[0]!.callback();
      assert.deepEqual(log, ["start 0", "end 0", "start 1"]);
      gates[1]!.callback();
      assert.deepEqual(log, ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]);
      assert.equal(lock.locked, false);
    });

    it("never calls the function when cancelled while waiting for the lock", () => {
      const lock = new DeferredLock();
      lock.acquire();
      let called = false;
      const d = lock.run(() => {
        called = true;
      });
      d.cancel();
      failureResultOf(d, CancelledError);
      lock.release();
      assert.equal(called, false);
      assert.equal(lock.locked, false);
    });

    it("cancels the function's Deferred when cancelled while it runs, and releases", () => {
      const lock = new DeferredLock();
      let cancelled = false;
      const d = lock.run(
        () =>
          new Deferred<number>(() => {
            cancelled = true;
          }),
      );
      d.cancel();
      assert.ok(cancelled);
      failureResultOf(d, CancelledError);
      assert.equal(lock.locked, false);
    });

    it("is typed with the function's unwrapped result", () => {
      const lock = new DeferredLock();
      expectTypeOf(lock.run(() => 1)).toEqualTypeOf<Deferred<number>>();
      expectTypeOf(lock.run(() => succeed("s"))).toEqualTypeOf<Deferred<string>>();
      expectTypeOf(lock.run(async () => true)).toEqualTypeOf<Deferred<boolean>>();
      expectTypeOf(lock.acquire()).toEqualTypeOf<Deferred<DeferredLock>>();
      expectTypeOf(new DeferredSemaphore(2).acquire()).toEqualTypeOf<Deferred<DeferredSemaphore>>();
      // @ts-expect-error wrong argument type
      lock.run((n: number) => n, "x");
    });
  });
});

describe("DeferredSemaphore", () => {
  it("requires an integer number of tokens of at least 1", () => {
    assert.throws(() => new DeferredSemaphore(0), RangeError);
    assert.throws(() => new DeferredSemaphore(-1), RangeError);
    assert.throws(() => new DeferredSemaphore(1.5), RangeError);
    assert.throws(() => new DeferredSemaphore(Number.NaN), RangeError);
    assert.throws(() => new DeferredSemaphore(Number.POSITIVE_INFINITY), RangeError);
    const sem = new DeferredSemaphore(1);
    assert.equal(sem.limit, 1);
    assert.equal(sem.tokens, 1);
  });

  it("lets up to `limit` holders in at once, then queues", () => {
    const sem = new DeferredSemaphore(3);
    const ds = [sem.acquire(), sem.acquire(), sem.acquire()];
    for (const d of ds) assert.equal(successResultOf(d), sem);
    assert.equal(sem.tokens, 0);
    const d4 = sem.acquire();
    assertNoResult(d4);
    assert.equal(sem.waiting, 1);
    sem.release();
    assert.equal(successResultOf(d4), sem);
    assert.equal(sem.tokens, 0);
    sem.release();
    sem.release();
    sem.release();
    assert.equal(sem.tokens, 3);
  });

  it("throws when released more times than acquired", () => {
    const sem = new DeferredSemaphore(2);
    assert.throws(() => sem.release(), InvalidStateError);
    sem.acquire();
    sem.release();
    assert.throws(() => sem.release(), InvalidStateError);
    assert.equal(sem.tokens, 2);
  });

  it("run keeps at most `limit` functions running, starting the rest in call order", () => {
    const sem = new DeferredSemaphore(2);
    const gates = [0, 1, 2, 3, 4].map(() => new Deferred<void>());
    let running = 0;
    let maxRunning = 0;
    const started: number[] = [];
    const results = gates.map((g, i) =>
      sem.run(() => {
        started.push(i);
        running++;
        maxRunning = Math.max(maxRunning, running);
        return g.addCallback(() => {
          running--;
          return i;
        });
      }),
    );
    assert.deepEqual(started, [0, 1]);
    gates[1]!.callback();
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]!.callback();
    gates[2]!.callback();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    gates[3]!.callback();
    gates[4]!.callback();
    assert.equal(maxRunning, 2);
    assert.deepEqual(
      results.map((d) => successResultOf(d)),
      [0, 1, 2, 3, 4],
    );
    assert.equal(sem.tokens, 2);
  });

  it("run gives the token back when the function fails", () => {
    const sem = new DeferredSemaphore(1);
    failureResultOf(
      sem.run(() => {
        throw new Boom("x");
      }),
      Boom,
    );
    assert.equal(sem.tokens, 1);
  });

  it("cancelling a waiting acquire takes it out of the line", () => {
    const sem = new DeferredSemaphore(1);
    sem.acquire();
    const d1 = sem.acquire();
    const d2 = sem.acquire();
    d1.cancel();
    failureResultOf(d1, CancelledError);
    sem.release();
    assert.equal(successResultOf(d2), sem);
    sem.release();
    assert.equal(sem.tokens, 1);
  });

  it("keeps callbacks in the order tokens were handed out during a hand-over", () => {
    const sem = new DeferredSemaphore(2);
    sem.acquire();
    sem.acquire();
    const order: string[] = [];
    sem.acquire().addCallback((s) => {
      order.push("A");
      s.release(); // B gets a token, told after A's callback
      s.release(); // a token is free again...
      s.acquire().addCallback(() => order.push("C")); // ... but C is told after B
    });
    sem.acquire().addCallback(() => order.push("B"));
    sem.release();
    assert.deepEqual(order, ["A", "B", "C"]);
  });

  it("serves 100,000 waiters that release at once without overflowing the stack", () => {
    const sem = new DeferredSemaphore(2);
    sem.acquire();
    sem.acquire();
    const n = 100_000;
    let served = 0;
    for (let i = 0; i < n; i++) {
      sem.acquire().addCallback((s) => {
        served++;
        s.release();
      });
    }
    sem.release();
    assert.equal(served, n);
    sem.release();
    assert.equal(sem.tokens, 2);
  });
});
