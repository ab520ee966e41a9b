import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import { captureLogEvents, collectEvents } from "../../src/logger/capture.js";
import { globalLogPublisher, setDefaultStream } from "../../src/logger/global.js";
import type { LogEvent } from "../../src/logger/interfaces.js";
import { Logger } from "../../src/logger/logger.js";

const log = new Logger("braid.capture");

function withFakeStderr<T>(fn: (chunks: string[]) => T): T {
  const chunks: string[] = [];
  const previous = setDefaultStream({ write: (s) => void chunks.push(s) });
  try {
    return fn(chunks);
  } finally {
    setDefaultStream(previous);
  }
}

describe("captureLogEvents", () => {
  it("collects the events of a synchronous function and keeps them off stderr", () => {
    withFakeStderr((chunks) => {
      const events = captureLogEvents(() => {
        log.info("one");
        log.error("two {n}", { n: 2 });
      });
      assert.deepEqual(
        events.map((e) => [e.level, e.format]),
        [
          ["info", "one"],
          ["error", "two {n}"],
        ],
      );
      assert.deepEqual(chunks, []);
      log.error("after");
      assert.equal(chunks.length, 1);
    });
  });

  it("collects across awaits when the function is async", async () => {
    const chunks: string[] = [];
    const previous = setDefaultStream({ write: (s) => void chunks.push(s) });
    try {
      const events = await captureLogEvents(async () => {
        log.warn("before await");
        await new Promise((resolve) => setImmediate(resolve));
        log.warn("after await");
      });
      assert.deepEqual(
        events.map((e) => e.format),
        ["before await", "after await"],
      );
      assert.deepEqual(chunks, []);
    } finally {
      setDefaultStream(previous);
    }
  });

  it("waits for any thenable", async () => {
    let settle: () => void = () => {};
    const thenable = {
      then(onFulfilled: () => void) {
        settle = onFulfilled;
      },
    };
    const result = captureLogEvents(() => {
      log.info("started");
      return thenable;
    });
    log.info("still running");
    settle();
    const events = await result;
    assert.deepEqual(
      events.map((e) => e.format),
      ["started", "still running"],
    );
  });

  it("stops collecting and rethrows when the function throws or rejects", async () => {
    const observersBefore = globalLogPublisher.observers.length;
    assert.throws(
      () =>
        captureLogEvents(() => {
          throw new Error("sync");
        }),
      /sync/,
    );
    await assert.rejects(
      captureLogEvents(async () => {
        throw new Error("async");
      }),
      /async/,
    );
    assert.equal(globalLogPublisher.observers.length, observersBefore);
    withFakeStderr((chunks) => {
      log.error("printed again");
      assert.equal(chunks.length, 1);
    });
  });

  it("has a result type that follows the function's", () => {
    expectTypeOf(captureLogEvents(() => {})).toEqualTypeOf<LogEvent[]>();
    expectTypeOf(captureLogEvents(async () => 1)).toEqualTypeOf<Promise<LogEvent[]>>();
  });
});

describe("collectEvents", () => {
  it("collects until stopped; stop is idempotent", () => {
    withFakeStderr((chunks) => {
      const collector = collectEvents();
      log.error("collected");
      assert.equal(collector.events.length, 1);
      assert.equal(collector.stop(), collector.events);
      assert.equal(collector.stop(), collector.events);
      log.error("not collected");
      assert.equal(collector.events.length, 1);
      assert.equal(chunks.length, 1);
    });
  });

  it("nests: each collector sees the events logged while it runs", () => {
    const outer = collectEvents();
    log.info("a");
    const inner = collectEvents();
    log.info("b");
    inner.stop();
    log.info("c");
    outer.stop();
    assert.deepEqual(
      outer.events.map((e) => e.format),
      ["a", "b", "c"],
    );
    assert.deepEqual(
      inner.events.map((e) => e.format),
      ["b"],
    );
  });
});
