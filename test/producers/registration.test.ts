/**
 * ProducerRegistration: the consumer's half of the producer contract that every buffering
 * consumer (transports, a child's stdin, a terminal, the in-memory transport) shares.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InvalidStateError } from "../../src/errors/errors.js";
import { captureLogEvents } from "../../src/logger/capture.js";
import { Logger } from "../../src/logger/logger.js";
import type { IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import {
  callProducer,
  checkWriteBufferLimits,
  DEFAULT_HIGH_WATER,
  ProducerRegistration,
} from "../../src/producers/registration.js";

/** A producer that records the calls it gets. */
function recorder(): IPushProducer & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    pauseProducing: () => calls.push("pause"),
    resumeProducing: () => calls.push("resume"),
    stopProducing: () => calls.push("stop"),
  };
}

describe("checkWriteBufferLimits", () => {
  it("defaults to 64 KiB and a quarter of it", () => {
    assert.deepEqual(checkWriteBufferLimits(), { high: DEFAULT_HIGH_WATER, low: 16 * 1024 });
    assert.deepEqual(checkWriteBufferLimits(1000), { high: 1000, low: 250 });
  });

  it("raises the default high mark to four times a low mark given alone", () => {
    assert.deepEqual(checkWriteBufferLimits(undefined, 1024), {
      high: DEFAULT_HIGH_WATER,
      low: 1024,
    });
    assert.deepEqual(checkWriteBufferLimits(undefined, 100_000), { high: 400_000, low: 100_000 });
  });

  it("refuses negative marks, NaN, and a low mark above the high one", () => {
    assert.throws(() => checkWriteBufferLimits(-1), RangeError);
    assert.throws(() => checkWriteBufferLimits(Number.NaN), RangeError);
    assert.throws(() => checkWriteBufferLimits(10, -1), RangeError);
    assert.throws(() => checkWriteBufferLimits(10, 20), /low mark 20 is above the high mark 10/);
  });
});

describe("callProducer", () => {
  it("logs what the producer throws, to the logger given, and goes on", () => {
    const boom: IPullProducer = {
      resumeProducing() {
        throw new Error("boom");
      },
      stopProducing() {},
    };
    const events = captureLogEvents(() =>
      callProducer(boom, "resumeProducing", new Logger("braid.test.consumer")),
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]?.namespace, "braid.test.consumer");
    assert.equal((events[0]?.failure?.value as Error | undefined)?.message, "boom");
  });

  it("skips a method the producer lacks (a pull producer has no pauseProducing)", () => {
    const pull: IPullProducer = { resumeProducing() {}, stopProducing() {} };
    const events = captureLogEvents(() => callProducer(pull, "pauseProducing"));
    assert.deepEqual(events, []);
  });
});

describe("ProducerRegistration", () => {
  it("holds one producer at a time", () => {
    const flow = new ProducerRegistration();
    const p = recorder();
    flow.register(p, true, 0, false, "this sink");
    assert.equal(flow.producer, p);
    assert.throws(
      () => flow.register(recorder(), true, 0, false, "this sink"),
      (e: unknown) =>
        e instanceof InvalidStateError && /already registered on this sink/.test(e.message),
    );
    assert.equal(flow.unregister(), true);
    assert.equal(flow.unregister(), false, "nothing left to unregister");
    assert.deepEqual(p.calls, [], "unregistering calls nothing");
    flow.register(p, true, 0, false, "this sink");
    assert.equal(flow.producer, p);
  });

  it("stops a producer registered on a consumer already gone, and keeps nothing", () => {
    const flow = new ProducerRegistration();
    const p = recorder();
    flow.register(p, true, 0, true, "this sink");
    assert.deepEqual(p.calls, ["stop"]);
    assert.equal(flow.producer, null);
  });

  it("asks a pull producer for its first chunk, then each time the buffer empties", () => {
    const flow = new ProducerRegistration();
    const p = recorder();
    flow.register(p, false, 0, false, "this sink");
    assert.deepEqual(p.calls, ["resume"]);
    assert.equal(flow.waiting, true);
    assert.equal(flow.watching, false);
    flow.written(10 * DEFAULT_HIGH_WATER); // never paused
    flow.drained(5, true); // not empty yet
    flow.drained(0, false); // empty, but the consumer asks elsewhere
    assert.deepEqual(p.calls, ["resume"]);
    flow.drained(0, true);
    assert.deepEqual(p.calls, ["resume", "resume"]);
  });

  it("pauses a push producer above the high mark, and resumes it at the low mark", () => {
    const flow = new ProducerRegistration();
    flow.setLimits(100, 40, 0);
    const p = recorder();
    flow.register(p, true, 0, false, "this sink");
    assert.equal(flow.watching, true);
    assert.equal(flow.waiting, false, "an unpaused push producer needs no completions");
    flow.written(100); // at the mark, not above
    assert.deepEqual(p.calls, []);
    flow.written(101);
    assert.deepEqual(p.calls, ["pause"]);
    assert.equal(flow.watching, false);
    assert.equal(flow.waiting, true);
    flow.written(500); // already paused: once is enough
    flow.drained(41, true);
    assert.deepEqual(p.calls, ["pause"]);
    flow.drained(40, false);
    assert.deepEqual(p.calls, ["pause", "resume"]);
    assert.equal(flow.paused, false);
  });

  it("pauses a push producer at once when registered over a full buffer", () => {
    const flow = new ProducerRegistration();
    const p = recorder();
    flow.register(p, true, DEFAULT_HIGH_WATER + 1, false, "this sink");
    assert.deepEqual(p.calls, ["pause"]);
  });

  it("re-checks the buffer against new marks", () => {
    const flow = new ProducerRegistration();
    const p = recorder();
    flow.register(p, true, 0, false, "this sink");
    flow.setLimits(1000, 100, 2000); // now above the high mark
    assert.deepEqual(p.calls, ["pause"]);
    flow.setLimits(4000, 2000, 2000); // now at the low mark
    assert.deepEqual(p.calls, ["pause", "resume"]);
    assert.throws(() => flow.setLimits(10, 20, 0), RangeError);
    assert.equal(flow.high, 4000, "bad marks leave the old ones");
  });

  it("stops and forgets the producer when the consumer goes away", () => {
    const flow = new ProducerRegistration();
    const p = recorder();
    flow.register(p, true, DEFAULT_HIGH_WATER + 1, false, "this sink");
    flow.stop();
    assert.deepEqual(p.calls, ["pause", "stop"]);
    assert.equal(flow.producer, null);
    assert.equal(flow.paused, false);
    flow.stop();
    assert.deepEqual(p.calls, ["pause", "stop"], "stopped once");
  });

  it("keeps a push producer's pauses and resumes alternating, whatever the buffer does", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2000 })), { maxLength: 60 }),
        (a, b, steps) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const flow = new ProducerRegistration();
          flow.setLimits(high, low, 0);
          const p = recorder();
          flow.register(p, true, 0, false, "this sink");
          for (const [grew, buffered] of steps) {
            if (grew) flow.written(buffered);
            else flow.drained(buffered, true);
            assert.equal(flow.paused, p.calls.at(-1) === "pause");
            if (grew && buffered > high) assert.ok(flow.paused, "paused above the high mark");
            if (!grew && buffered <= low) assert.ok(!flow.paused, "resumed at the low mark");
          }
          for (const [i, c] of p.calls.entries()) {
            assert.equal(c, i % 2 === 0 ? "pause" : "resume");
          }
        },
      ),
    );
  });
});
