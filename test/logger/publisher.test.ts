import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LogEvent } from "../../src/logger/interfaces.js";
import { LOGGER_NAMESPACE, LogPublisher } from "../../src/logger/publisher.js";

function event(format = "x"): LogEvent {
  return { namespace: "t", level: "info", format, time: 0, fields: {} };
}

describe("LogPublisher", () => {
  it("delivers to every observer in order", () => {
    const seen: string[] = [];
    const publisher = new LogPublisher((e) => seen.push(`a:${e.format}`));
    publisher.addObserver((e) => seen.push(`b:${e.format}`));
    publisher.publish(event("1"));
    assert.deepEqual(seen, ["a:1", "b:1"]);
  });

  it("ignores duplicate adds and unknown removes", () => {
    const seen: LogEvent[] = [];
    const observer = (e: LogEvent): void => {
      seen.push(e);
    };
    const publisher = new LogPublisher(observer);
    publisher.addObserver(observer);
    publisher.removeObserver(() => {});
    publisher.publish(event());
    assert.equal(seen.length, 1);
    publisher.removeObserver(observer);
    publisher.publish(event());
    assert.equal(seen.length, 1);
    assert.deepEqual(publisher.observers, []);
  });

  it("applies adds and removes made during delivery from the next event", () => {
    const seen: string[] = [];
    const publisher = new LogPublisher();
    const late = (e: LogEvent): void => {
      seen.push(`late:${e.format}`);
    };
    const first = (e: LogEvent): void => {
      seen.push(`first:${e.format}`);
      publisher.addObserver(late);
      publisher.removeObserver(first);
    };
    publisher.addObserver(first);
    publisher.publish(event("1"));
    publisher.publish(event("2"));
    assert.deepEqual(seen, ["first:1", "late:2"]);
  });

  it("keeps delivering when an observer throws, and reports the error to the others", () => {
    const seen: LogEvent[] = [];
    const error = new Error("disk full");
    function broken(): void {
      throw error;
    }
    const publisher = new LogPublisher(broken, (e) => seen.push(e));
    publisher.publish(event("1"));
    assert.equal(seen.length, 2);
    assert.equal(seen[0]?.format, "1");
    const report = seen[1];
    assert.equal(report?.namespace, LOGGER_NAMESPACE);
    assert.equal(report?.level, "critical");
    assert.equal(report?.failure?.value, error);
    assert.equal(report?.fields.observer, "broken");
    assert.equal(report?.fields.event, seen[0]);
    // The broken observer stays subscribed.
    publisher.publish(event("2"));
    assert.equal(seen.length, 4);
  });

  it("does not loop when observers also fail on the reports", () => {
    let calls = 0;
    const alwaysThrows = (): void => {
      calls++;
      throw new Error("again");
    };
    const alsoThrows = (): void => {
      calls++;
      throw new Error("and again");
    };
    const seen: LogEvent[] = [];
    const publisher = new LogPublisher(alwaysThrows, alsoThrows, (e) => seen.push(e));
    publisher.publish(event());
    // Each broken observer saw the event only; the healthy one saw it plus one report each.
    assert.equal(calls, 2);
    assert.equal(seen.length, 3);
  });

  it("ends the chain when the only observers report each other's failures", () => {
    let calls = 0;
    const a = (): void => {
      calls++;
      throw new Error("a");
    };
    const b = (e: LogEvent): void => {
      calls++;
      if (e.namespace === LOGGER_NAMESPACE) throw new Error("b");
    };
    new LogPublisher(a, b).publish(event());
    assert.equal(calls, 3); // a(event), b(event), b(report about a) -> b excluded after
  });
});
