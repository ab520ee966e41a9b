import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deferred, fail, succeed } from "../../src/defer/deferred.js";
import { CancelledError, TimeoutError } from "../../src/errors/errors.js";
import { assertNoResult, failureResultOf, successResultOf } from "../../src/testing/results.js";

describe("synchronous result helpers", () => {
  it("successResultOf returns the value and leaves it on the chain", () => {
    const d = succeed(7);
    assert.equal(successResultOf(d), 7);
    assert.equal(successResultOf(d), 7);
    assert.throws(() => successResultOf(new Deferred<number>()), /has not fired/);
    const failed = fail(new TimeoutError(1));
    assert.throws(() => successResultOf(failed), /expected a success, got \[Failure TimeoutError/);
    failureResultOf(failed);
  });

  it("failureResultOf returns the failure, checks its type and consumes it", () => {
    const d = fail(new CancelledError());
    const f = failureResultOf(d, TimeoutError, CancelledError);
    assert.ok(f.value instanceof CancelledError);
    assert.equal(successResultOf(d), undefined);
    assert.throws(
      () => failureResultOf(fail(new CancelledError()), TimeoutError),
      /expected a failure of TimeoutError/,
    );
    assert.throws(() => failureResultOf(succeed(1)), /got a success/);
    assert.throws(() => failureResultOf(new Deferred()), /has not fired/);
  });

  it("assertNoResult passes while a Deferred waits, itself or on another", () => {
    const pending = new Deferred<number>();
    assertNoResult(pending);
    const inner = new Deferred<number>();
    const outer = succeed(0).addCallback(() => inner);
    assertNoResult(outer);
    inner.callback(3);
    assert.throws(() => assertNoResult(outer), /expected no result yet/);
    assert.equal(successResultOf(outer), 3);
  });
});
