import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type FilterResult,
  filteringLogObserver,
  LogLevelFilterPredicate,
} from "../../src/logger/filter.js";
import type { LogEvent, LogLevel } from "../../src/logger/interfaces.js";

function event(namespace: string, level: LogLevel): LogEvent {
  return { namespace, level, format: `${namespace} ${level}`, time: 0, fields: {} };
}

describe("LogLevelFilterPredicate", () => {
  it("uses the default level for unknown namespaces", () => {
    const levels = new LogLevelFilterPredicate();
    assert.equal(levels.logLevelForNamespace("anything"), "info");
    assert.equal(levels.check(event("x", "debug")), "no");
    assert.equal(levels.check(event("x", "info")), "maybe");
    assert.equal(levels.check(event("x", "critical")), "maybe");
  });

  it("lets namespaces inherit from their nearest configured parent", () => {
    const levels = new LogLevelFilterPredicate("warn");
    levels.setLogLevelForNamespace("braid", "info");
    levels.setLogLevelForNamespace("braid.tcp", "debug");
    levels.setLogLevelForNamespace("braid.tcp.noisy", "error");
    assert.equal(levels.logLevelForNamespace("braid"), "info");
    assert.equal(levels.logLevelForNamespace("braid.udp"), "info");
    assert.equal(levels.logLevelForNamespace("braid.tcp"), "debug");
    assert.equal(levels.logLevelForNamespace("braid.tcp.server"), "debug");
    assert.equal(levels.logLevelForNamespace("braid.tcp.noisy.inner"), "error");
    assert.equal(levels.logLevelForNamespace("braidx"), "warn");
    assert.equal(levels.logLevelForNamespace("app"), "warn");
    assert.equal(levels.check(event("braid.tcp.server", "debug")), "maybe");
    assert.equal(levels.check(event("braid.tcp.noisy", "warn")), "no");
  });

  it("sets the default through the empty namespace, and clears per-namespace levels", () => {
    const levels = new LogLevelFilterPredicate("info");
    levels.setLogLevelForNamespace("a", "debug");
    levels.setLogLevelForNamespace("", "error");
    assert.equal(levels.logLevelForNamespace("b"), "error");
    levels.clearLogLevels();
    assert.equal(levels.logLevelForNamespace("a"), "error");
  });
});

describe("filteringLogObserver", () => {
  it("passes only events the predicates allow; dropped ones go to onDrop", () => {
    const kept: string[] = [];
    const dropped: string[] = [];
    const levels = new LogLevelFilterPredicate("warn");
    levels.setLogLevelForNamespace("braid.tcp", "debug");
    const observer = filteringLogObserver(
      (e) => kept.push(e.format ?? ""),
      [levels],
      (e) => dropped.push(e.format ?? ""),
    );
    observer(event("braid.tcp.server", "debug"));
    observer(event("braid.udp", "info"));
    observer(event("braid.udp", "error"));
    assert.deepEqual(kept, ["braid.tcp.server debug", "braid.udp error"]);
    assert.deepEqual(dropped, ["braid.udp info"]);
  });

  it("stops at the first yes or no; all maybes deliver", () => {
    const verdicts = (...results: FilterResult[]) => results.map((r) => ({ check: () => r }));
    const run = (results: FilterResult[]): boolean => {
      let delivered = false;
      filteringLogObserver(
        () => {
          delivered = true;
        },
        verdicts(...results),
      )(event("x", "info"));
      return delivered;
    };
    assert.equal(run([]), true);
    assert.equal(run(["maybe", "maybe"]), true);
    assert.equal(run(["yes", "no"]), true);
    assert.equal(run(["maybe", "no", "yes"]), false);
  });
});
