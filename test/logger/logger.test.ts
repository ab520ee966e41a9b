import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Failure } from "../../src/errors/index.js";
import { captureLogEvents } from "../../src/logger/capture.js";
import type { LogEvent, LogLevel } from "../../src/logger/interfaces.js";
import { Logger } from "../../src/logger/logger.js";
import { LogPublisher } from "../../src/logger/publisher.js";

function recording(): { events: LogEvent[]; observer: (e: LogEvent) => void } {
  const events: LogEvent[] = [];
  return { events, observer: (e) => events.push(e) };
}

describe("Logger", () => {
  it("emits events with namespace, level, format, fields and time", () => {
    const { events, observer } = recording();
    const log = new Logger("braid.tcp", observer);
    const before = Date.now();
    log.info("Connection from {host} lost", { host: "127.0.0.1" });
    const after = Date.now();
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.namespace, "braid.tcp");
    assert.equal(event?.level, "info");
    assert.equal(event?.format, "Connection from {host} lost");
    assert.deepEqual(event?.fields, { host: "127.0.0.1" });
    assert.ok(Object.isFrozen(event?.fields));
    assert.ok(event !== undefined && event.time >= before && event.time <= after);
    assert.equal("failure" in (event ?? {}), false);
    assert.equal("source" in (event ?? {}), false);
  });

  it("has one method per level, plus emit", () => {
    const { events, observer } = recording();
    const log = new Logger("t", observer);
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    log.critical("c");
    log.emit("warn", undefined, { data: 1 });
    assert.deepEqual(
      events.map((e) => [e.level, e.format]),
      [
        ["debug", "d"],
        ["info", "i"],
        ["warn", "w"],
        ["error", "e"],
        ["critical", "c"],
        ["warn", undefined],
      ],
    );
  });

  it("copies the fields, so later changes by the caller do not show", () => {
    const { events, observer } = recording();
    const fields = { n: 1 };
    new Logger("t", observer).info("{n}", fields);
    fields.n = 2;
    assert.equal(events[0]?.fields.n, 1);
  });

  it("failure() wraps thrown values and defaults to critical", () => {
    const { events, observer } = recording();
    const log = new Logger("t", observer);
    const error = new Error("boom");
    log.failure("handler failed for {peer}", error, { peer: "p" });
    const failure = new Failure("a string");
    log.failure("again", failure, undefined, "warn");
    assert.equal(events[0]?.level, "critical");
    assert.ok(events[0]?.failure instanceof Failure);
    assert.equal(events[0]?.failure?.value, error);
    assert.deepEqual(events[0]?.fields, { peer: "p" });
    assert.equal(events[1]?.level, "warn");
    assert.equal(events[1]?.failure, failure);
  });

  it("records the source it was given", () => {
    const { events, observer } = recording();
    const owner = { name: "owner" };
    new Logger("t", observer, owner).info("x");
    assert.equal(events[0]?.source, owner);
  });

  it("accepts a LogPublisher as its observer", () => {
    const { events, observer } = recording();
    new Logger("t", new LogPublisher(observer)).info("x");
    assert.equal(events.length, 1);
  });

  it("logs to the global publisher by default", () => {
    const events = captureLogEvents(() =>
      new Logger("braid.test").warn("hello {who}", { who: "you" }),
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]?.namespace, "braid.test");
  });

  it("never throws from a log call", () => {
    const throwing = new Logger("t", () => {
      throw new Error("observer broke");
    });
    throwing.info("x");
    throwing.failure("y", new Error("z"));
    const { events, observer } = recording();
    const log = new Logger("t", observer);
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys");
        },
      },
    );
    log.info("x", hostile);
    assert.equal(events.length, 0);
  });

  it("logs an invalid level at error, recording what was given", () => {
    const { events, observer } = recording();
    new Logger("t", observer).emit("verbose" as LogLevel, "x", { a: 1 });
    assert.equal(events[0]?.level, "error");
    assert.deepEqual(events[0]?.fields, { a: 1, invalidLevel: "verbose" });
  });
});
