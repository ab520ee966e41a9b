/** Tests of the worker-side calls outside a pool (their use inside one is in pool.test.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MainThreadCallError } from "../../src/errors/threads.js";
import { blockingCallFromThread, callFromThread } from "../../src/threads/workerside.js";

describe("worker-side calls", () => {
  it("refuse to run outside a task of a Braid thread pool", () => {
    assert.throws(() => blockingCallFromThread("x"), MainThreadCallError);
    assert.throws(() => callFromThread("x"), MainThreadCallError);
  });
});
