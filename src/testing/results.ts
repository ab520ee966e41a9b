/**
 * Reading a Deferred's outcome synchronously in a test, as Twisted's trial does with
 * `successResultOf`, `failureResultOf` and `assertNoResult`.
 *
 * Code driven by test doubles (`Clock`, `StringTransport`, `MemoryReactor`) fires its Deferreds
 * synchronously, so a test can check the outcome at once instead of awaiting it: a Deferred that
 * has not fired yet is then a failure of the test, not a hang.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Deferred } from "../defer/deferred.js";
import type { Failure } from "../errors/failure.js";

// biome-ignore lint/suspicious/noExplicitAny: constructors of any signature can be matched
type ErrorType = abstract new (...args: any[]) => unknown;

/**
 * The value `d` has fired with. The chain keeps the value, so further callbacks still see it.
 *
 * @throws AssertionError when `d` has not fired, or failed.
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * const d = deferLater(clock, 1, () => "done");
 * assertNoResult(d);
 * clock.advance(1);
 * assert.equal(successResultOf(d), "done");
 * ```
 */
export function successResultOf<T>(d: Deferred<T>): T {
  let fired = false;
  let value: unknown;
  let failure: Failure | undefined;
  d.addCallbacks(
    (v) => {
      fired = true;
      value = v;
      return v;
    },
    (f) => {
      fired = true;
      failure = f;
      return f;
    },
  );
  assert.ok(fired, "expected a result, but the Deferred has not fired");
  if (failure !== undefined) assert.fail(`expected a success, got ${failure.toString()}`);
  return value as T;
}

/**
 * The failure `d` has fired with, which must be an instance of one of `types` when any are given.
 * The failure is consumed: the chain goes on with `undefined`, so it is not reported as unhandled.
 *
 * @throws AssertionError when `d` has not fired, succeeded, or failed with another type.
 *
 * @example
 * ```ts
 * const f = failureResultOf(endpoint.connect(factory), ConnectionRefusedError);
 * assert.match(f.getErrorMessage(), /refused/);
 * ```
 */
export function failureResultOf(d: Deferred<unknown>, ...types: ErrorType[]): Failure {
  let fired = false;
  let failure: Failure | undefined;
  d.addCallbacks(
    (v) => {
      fired = true;
      return v;
    },
    (f) => {
      fired = true;
      failure = f;
      return undefined;
    },
  );
  assert.ok(fired, "expected a failure, but the Deferred has not fired");
  assert.ok(failure !== undefined, "expected a failure, got a success");
  if (types.length > 0 && failure.check(...types) === null) {
    assert.fail(
      `expected a failure of ${types.map((t) => t.name).join(" or ")}, got ${failure.toString()}`,
    );
  }
  return failure;
}

/**
 * Asserts that `d` has no result yet: it has not fired, or its chain waits on another Deferred.
 * The Deferred is left as it was.
 *
 * @throws AssertionError when a result is there.
 */
export function assertNoResult(d: Deferred<unknown>): void {
  let fired = false;
  d.addBoth((r) => {
    fired = true;
    return r;
  });
  assert.equal(fired, false, "expected no result yet");
}
