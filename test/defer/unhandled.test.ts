import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Deferred, fail } from "../../src/defer/deferred.js";
import { collectEvents } from "../../src/logger/capture.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

class LostError extends Error {}

/** Collects garbage until finalizers had a chance to run. */
async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

function dropFailed(message: string): void {
  fail(new LostError(message));
}

function dropHandled(message: string): void {
  fail(new LostError(message)).addErrback(() => undefined);
}

function dropAwaited(message: string): Promise<unknown> {
  return fail(new LostError(message))
    .asPromise()
    .catch(() => undefined);
}

function dropLaterHandled(message: string): void {
  const d = new Deferred<number>();
  d.errback(new LostError(message));
  d.addErrback(() => 0);
}

describe("unhandled errors in Deferreds", () => {
  it("are logged with their stack when the Deferred is garbage-collected", async () => {
    const collector = collectEvents();
    try {
      dropFailed("nobody handles me");
      await collectGarbage();
    } finally {
      collector.stop();
    }
    const ours = collector.events.filter(
      (e) => e.failure?.getErrorMessage() === "nobody handles me",
    );
    assert.equal(ours.length, 1);
    const event = ours[0]!;
    assert.equal(event.namespace, "braid.defer");
    assert.equal(event.level, "critical");
    assert.match(event.format ?? "", /Unhandled error in Deferred/);
    assert.match(event.failure!.getTraceback(), /nobody handles me\n\s+at dropFailed/);
  });

  it("are not reported once handled, awaited or recovered", async () => {
    const collector = collectEvents();
    try {
      dropHandled("handled");
      await dropAwaited("awaited");
      dropLaterHandled("later");
      await collectGarbage();
    } finally {
      collector.stop();
    }
    const ours = collector.events.filter((e) => e.failure?.value instanceof LostError);
    assert.deepEqual(
      ours.map((e) => e.failure?.getErrorMessage()),
      [],
    );
  });
});
