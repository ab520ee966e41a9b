/**
 * Coroutines over Deferreds: `inlineCallbacks` generators and `ensureDeferred`.
 *
 * `async` functions cannot be cancelled, so Braid keeps Twisted's generator coroutines for code
 * that must be: the generator yields what it waits for, and cancelling the coroutine's Deferred
 * cancels the Deferred it is waiting on (the generator sees a `CancelledError` thrown at its
 * `yield` and may clean up). TypeScript types every `yield` alike, so to get the awaited value's
 * type at the call site, write `yield* waitFor(d)` instead of `yield d`.
 *
 * @module
 */

import { Deferred } from "./deferred.js";

/** The generators {@link inlineCallbacks} runs: they yield things to wait for and return `R`. */
export type DeferredGenerator<R> = Generator<unknown, R, unknown>;

/**
 * Waits inside an {@link inlineCallbacks} generator for a Deferred or Promise, typed: use it with
 * `yield*`, and the expression has the awaited value's type.
 *
 * @example
 * ```ts
 * const user = yield* waitFor(getUser(name)); // user: User, not unknown
 * ```
 */
export function* waitFor<V>(awaitable: PromiseLike<V>): Generator<PromiseLike<V>, V, unknown> {
  // The driver sends back exactly the value `awaitable` resolved with.
  return (yield awaitable) as V;
}

/**
 * Turns a generator function into a function returning a Deferred: each yielded Deferred or
 * Promise is waited for and its result sent back in (a failure is thrown in at the `yield`), and
 * the generator's return value fires the Deferred. Cancelling that Deferred cancels the Deferred
 * the generator waits on; if the generator catches the cancellation and yields again, it is
 * stopped (its `finally` blocks run) when it next resumes.
 *
 * Yielding a plain value sends it straight back. Already-fired Deferreds are handled in a loop, so
 * a generator may yield 100,000 of them without growing the stack.
 *
 * @example
 * ```ts
 * const fetchBoth = inlineCallbacks(function* (a: string, b: string) {
 *   const first = yield* waitFor(getPage(a));  // string
 *   const second = yield* waitFor(getPage(b)); // string
 *   return first.length + second.length;
 * });
 * const d: Deferred<number> = fetchBoth("/x", "/y");
 * ```
 */
export function inlineCallbacks<A extends unknown[], R>(
  fn: (...args: A) => DeferredGenerator<R>,
): (...args: A) => Deferred<R> {
  return function (this: unknown, ...args: A): Deferred<R> {
    let gen: DeferredGenerator<R>;
    try {
      gen = fn.apply(this, args);
    } catch (e) {
      const d = new Deferred<R>();
      d.errback(e);
      return d;
    }
    return runGenerator(gen);
  };
}

/**
 * A Deferred for a Promise, a Deferred (returned as is) or an {@link inlineCallbacks}-style
 * generator (run as a coroutine). Cancelling the Deferred of a Promise cannot stop the Promise's
 * work: it only stops waiting for it.
 *
 * @throws TypeError for anything else.
 *
 * @example
 * ```ts
 * ensureDeferred(fetchJson(url)).addCallback((json) => json.items).addTimeout(5, reactor);
 * ```
 */
export function ensureDeferred<V>(coroutine: PromiseLike<V> | DeferredGenerator<V>): Deferred<V> {
  if (coroutine instanceof Deferred) return coroutine as Deferred<V>;
  if (isGenerator(coroutine)) return runGenerator(coroutine as DeferredGenerator<V>);
  if (coroutine !== null && typeof (coroutine as PromiseLike<V>)?.then === "function") {
    return Deferred.fromPromise(coroutine as PromiseLike<V>);
  }
  throw new TypeError(
    `ensureDeferred() needs a Promise, a Deferred or a generator, not ${describe(coroutine)}`,
  );
}

function isGenerator(v: unknown): v is DeferredGenerator<unknown> {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { next?: unknown }).next === "function" &&
    typeof (v as { throw?: unknown }).throw === "function"
  );
}

function describe(v: unknown): string {
  return v === null ? "null" : typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}

function runGenerator<R>(gen: DeferredGenerator<R>): Deferred<R> {
  let waiting: Deferred<unknown> | null = null;
  const result = new Deferred<R>(() => {
    // Cancelling what we wait on throws a CancelledError in at the `yield` (synchronously, since
    // that Deferred fires its chain at once); the generator may finish the result itself.
    waiting?.cancel();
  });

  // `value` is sent in (or thrown in, when `isThrow`); loops while yielded things are ready.
  const resume = (value: unknown, isThrow: boolean): void => {
    for (;;) {
      if (result.called) {
        // Cancelled while the generator went on waiting: stop it, running its `finally` blocks.
        try {
          gen.return(undefined as R);
        } catch {
          // The generator's clean-up failed after its result was settled: nothing left to tell.
        }
        return;
      }
      let step: IteratorResult<unknown, R>;
      try {
        step = isThrow ? gen.throw(value) : gen.next(value);
      } catch (e) {
        result.errback(e);
        return;
      }
      if (step.done) {
        result.callback(step.value);
        return;
      }
      let yielded = step.value;
      if (!(yielded instanceof Deferred)) {
        if (
          yielded === null ||
          (typeof yielded !== "object" && typeof yielded !== "function") ||
          typeof (yielded as { then?: unknown }).then !== "function"
        ) {
          value = yielded;
          isThrow = false;
          continue;
        }
        yielded = Deferred.fromPromise(yielded as PromiseLike<unknown>);
      }
      const d = yielded as Deferred<unknown>;
      // While `sync` holds, a result arriving during addCallbacks is handled by this loop instead
      // of a nested call, so already-fired Deferreds cost no stack.
      let sync = true;
      let ready = false;
      d.addCallbacks(
        (v) => {
          if (sync) {
            ready = true;
            value = v;
            isThrow = false;
          } else {
            waiting = null;
            resume(v, false);
          }
          return undefined;
        },
        (f) => {
          if (sync) {
            ready = true;
            value = f.value;
            isThrow = true;
          } else {
            waiting = null;
            resume(f.value, true);
          }
          return undefined;
        },
      );
      sync = false;
      if (!ready) {
        waiting = d;
        return;
      }
    }
  };

  resume(undefined, false);
  return result;
}
