import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  globalLogBeginner,
  globalLogPublisher,
  LogBeginner,
  setDefaultStream,
} from "../../src/logger/global.js";
import type { LogEvent, LogLevel } from "../../src/logger/interfaces.js";
import { Logger } from "../../src/logger/logger.js";
import { LOGGER_NAMESPACE, LogPublisher } from "../../src/logger/publisher.js";

function fakeStream(): { chunks: string[]; write(s: string): void } {
  const chunks: string[] = [];
  return { chunks, write: (s) => void chunks.push(s) };
}

function event(format: string, level: LogLevel = "info"): LogEvent {
  return { namespace: "t", level, format, time: 0, fields: {} };
}

describe("the global default output", () => {
  it("prints warn and above to the default stream, not info or debug", () => {
    const stream = fakeStream();
    const previous = setDefaultStream(stream);
    try {
      const log = new Logger("braid.test");
      log.debug("quiet debug");
      log.info("quiet info");
      log.warn("loud {what}", { what: "warning" });
      log.error("loud error");
      log.failure("loud failure", new Error("boom"));
    } finally {
      setDefaultStream(previous);
    }
    assert.equal(stream.chunks.length, 3);
    assert.match(stream.chunks[0] ?? "", /^\S+ \[braid\.test#warn\] loud warning\n$/);
    assert.match(stream.chunks[1] ?? "", /\[braid\.test#error\] loud error\n$/);
    assert.match(
      stream.chunks[2] ?? "",
      /\[braid\.test#critical\] loud failure\n {2}Error: boom\n/,
    );
  });

  it("is replaced by beginLoggingTo, which replays what was logged before", () => {
    const stream = fakeStream();
    const previous = setDefaultStream(stream);
    const seen: LogEvent[] = [];
    try {
      new Logger("braid.test").info("before begin");
      globalLogBeginner.beginLoggingTo([(e) => seen.push(e)]);
      new Logger("braid.test").error("after begin");
    } finally {
      setDefaultStream(previous);
    }
    const formats = seen.map((e) => e.format);
    // Everything from the earlier test is replayed too, oldest first.
    assert.deepEqual(formats, [
      "quiet debug",
      "quiet info",
      "loud {what}",
      "loud error",
      "loud failure",
      "before begin",
      "after begin",
    ]);
    assert.deepEqual(stream.chunks, []);
    assert.ok(globalLogPublisher.observers.length === 1);
  });
});

describe("LogBeginner", () => {
  it("keeps only the most recent events for replay", () => {
    const publisher = new LogPublisher();
    const beginner = new LogBeginner(publisher, { stream: fakeStream(), bufferSize: 3 });
    for (const n of [1, 2, 3, 4, 5]) publisher.publish(event(String(n)));
    const seen: LogEvent[] = [];
    beginner.beginLoggingTo([(e) => seen.push(e)]);
    assert.deepEqual(
      seen.map((e) => e.format),
      ["3", "4", "5"],
    );
    publisher.publish(event("6"));
    assert.deepEqual(
      seen.map((e) => e.format),
      ["3", "4", "5", "6"],
    );
  });

  it("keeps printing after beginLoggingTo when redirectDefault is false", () => {
    const publisher = new LogPublisher();
    const stream = fakeStream();
    const beginner = new LogBeginner(publisher, { stream });
    beginner.beginLoggingTo([], { redirectDefault: false });
    publisher.publish(event("still printed", "error"));
    assert.equal(stream.chunks.length, 1);
    beginner.beginLoggingTo([]);
    const warned = stream.chunks.length;
    publisher.publish(event("not printed", "error"));
    assert.equal(stream.chunks.length, warned);
  });

  it("warns when beginLoggingTo is called twice, and does not replay again", () => {
    const publisher = new LogPublisher();
    const beginner = new LogBeginner(publisher, { stream: fakeStream() });
    publisher.publish(event("early"));
    const first: LogEvent[] = [];
    const second: LogEvent[] = [];
    beginner.beginLoggingTo([(e) => first.push(e)]);
    beginner.beginLoggingTo([(e) => second.push(e)]);
    assert.deepEqual(
      first.map((e) => [e.namespace, e.level]),
      [
        ["t", "info"],
        [LOGGER_NAMESPACE, "warn"],
      ],
    );
    assert.equal(second.length, 1);
    assert.equal(second[0]?.namespace, LOGGER_NAMESPACE);
  });

  it("reports an observer that throws during the replay to the others", () => {
    const publisher = new LogPublisher();
    const beginner = new LogBeginner(publisher, { stream: fakeStream() });
    publisher.publish(event("early"));
    const seen: LogEvent[] = [];
    beginner.beginLoggingTo([
      () => {
        throw new Error("bad observer");
      },
      (e) => seen.push(e),
    ]);
    assert.deepEqual(
      seen.map((e) => e.namespace),
      ["t", LOGGER_NAMESPACE],
    );
  });

  it("neither prints nor buffers while suppressed; suppressions nest", () => {
    const publisher = new LogPublisher();
    const stream = fakeStream();
    const beginner = new LogBeginner(publisher, { stream });
    const releaseA = beginner.suppressDefault();
    const releaseB = beginner.suppressDefault();
    publisher.publish(event("hidden 1", "error"));
    releaseA();
    releaseA(); // idempotent
    publisher.publish(event("hidden 2", "error"));
    releaseB();
    publisher.publish(event("shown", "error"));
    assert.equal(stream.chunks.length, 1);
    assert.match(stream.chunks[0] ?? "", /shown/);
    const seen: LogEvent[] = [];
    beginner.beginLoggingTo([(e) => seen.push(e)]);
    assert.deepEqual(
      seen.map((e) => e.format),
      ["shown"],
    );
  });
});
