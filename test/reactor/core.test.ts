/**
 * Tests of `ReactorCore`: run/stop, the three-phase system events, and the orderly shutdown of
 * tracked ports and connections. They use a small `ReactorCore` subclass on real time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deferred, fail, succeed } from "../../src/defer/deferred.js";
import { ReactorAlreadyRunning, ReactorNotRunning } from "../../src/errors/errors.js";
import { collectEvents } from "../../src/logger/capture.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import type { ShutdownConnection } from "../../src/reactor/internals.js";
import { TestReactor } from "./fixtures/test-reactor.js";

/** Lets the reactor's pending zero-delay calls (and a little I/O) run. */
function turns(r: TestReactor): Promise<void> {
  return new Promise((resolve) => r.callLater(0.01, resolve));
}

function quietReactor(): TestReactor {
  const r = new TestReactor();
  r.installSignalHandlers = false;
  return r;
}

/** A port whose stopListening returns `d` (fired by the test). */
function fakePort(d: Deferred<void> = succeed(undefined)): IListeningPort & { stops: number } {
  const port = {
    stops: 0,
    getHost(): never {
      throw new Error("not used");
    },
    stopListening(): Deferred<void> {
      port.stops++;
      return d;
    },
  };
  return port;
}

describe("ReactorCore: run and stop", () => {
  it("runs, calls callWhenRunning, stops and fires run()'s Deferred", async () => {
    const r = quietReactor();
    const seen: string[] = [];
    assert.equal(r.running, false);
    const id = r.callWhenRunning((a: string) => seen.push(a), "early");
    assert.ok(id !== undefined);
    assert.equal(id.event, "startup");
    assert.equal(id.phase, "during");
    const stopped = r.run();
    assert.equal(r.running, true);
    assert.deepEqual(seen, ["early"]);
    assert.equal(
      r.callWhenRunning(() => seen.push("late")),
      undefined,
    );
    assert.deepEqual(seen, ["early", "late"]);
    r.stop();
    assert.equal(r.running, true, "running until the shutdown completes");
    await stopped;
    assert.equal(r.running, false);
  });

  it("run() twice throws ReactorAlreadyRunning", async () => {
    const r = quietReactor();
    const stopped = r.run();
    assert.throws(() => r.run(), ReactorAlreadyRunning);
    r.stop();
    assert.throws(() => r.run(), ReactorAlreadyRunning, "still stopping");
    await stopped;
  });

  it("stop() when not running, or already stopping, throws ReactorNotRunning", async () => {
    const r = quietReactor();
    assert.throws(() => r.stop(), ReactorNotRunning);
    const stopped = r.run();
    r.stop();
    assert.throws(() => r.stop(), ReactorNotRunning);
    await stopped;
    assert.throws(() => r.stop(), ReactorNotRunning);
  });

  it("can run again after it stopped; fired triggers are gone", async () => {
    const r = quietReactor();
    let starts = 0;
    r.addSystemEventTrigger("after", "startup", () => starts++);
    const first = r.run();
    r.stop();
    await first;
    const second = r.run();
    assert.equal(r.running, true);
    r.stop();
    await second;
    assert.equal(starts, 1);
  });

  it("shutdown waits for startup Deferreds still pending when stop() is called", async () => {
    const r = quietReactor();
    const seen: string[] = [];
    const slow = new Deferred<void>();
    r.addSystemEventTrigger("before", "startup", () => slow);
    r.addSystemEventTrigger("after", "startup", () => seen.push("started"));
    r.addSystemEventTrigger("before", "shutdown", () => seen.push("shutdown"));
    const stopped = r.run();
    r.stop();
    await turns(r);
    assert.deepEqual(seen, []);
    slow.callback(undefined);
    await stopped;
    assert.deepEqual(seen, ["started", "shutdown"]);
  });

  it("installs SIGINT/SIGTERM handlers while running and removes them on stop", async () => {
    const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    const r = new TestReactor();
    const stopped = r.run();
    assert.deepEqual(
      [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")],
      [before[0]! + 1, before[1]! + 1],
    );
    const collector = collectEvents();
    try {
      process.emit("SIGTERM", "SIGTERM");
      await stopped;
    } finally {
      collector.stop();
    }
    assert.equal(r.running, false);
    assert.ok(collector.events.some((e) => e.namespace === "braid.reactor" && e.level === "info"));
    assert.deepEqual([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")], before);
  });

  it("installs no signal handler when installSignalHandlers is false", async () => {
    const before = process.listenerCount("SIGINT");
    const r = quietReactor();
    const stopped = r.run();
    assert.equal(process.listenerCount("SIGINT"), before);
    r.stop();
    await stopped;
  });
});

describe("ReactorCore: system event triggers", () => {
  it("runs the three phases in order, synchronously when nothing returns a Deferred", () => {
    const r = quietReactor();
    const seen: string[] = [];
    r.addSystemEventTrigger("after", "startup", (x: string) => seen.push(x), "after");
    r.addSystemEventTrigger("during", "startup", (x: string) => seen.push(x), "during");
    r.addSystemEventTrigger("before", "startup", (x: string) => seen.push(x), "before1");
    r.addSystemEventTrigger("before", "startup", (x: string) => seen.push(x), "before2");
    let fired = false;
    r.fireSystemEvent("startup").addCallback(() => {
      fired = true;
    });
    assert.deepEqual(seen, ["before1", "before2", "during", "after"]);
    assert.equal(fired, true);
    // Triggers run once: a second firing finds none.
    r.fireSystemEvent("startup");
    assert.equal(seen.length, 4);
  });

  it("waits for Deferreds and Promises returned by a phase before the next", async () => {
    const r = quietReactor();
    const seen: string[] = [];
    const d = new Deferred<void>();
    let resolvePromise!: () => void;
    const p = new Promise<void>((resolve) => {
      resolvePromise = resolve;
    });
    r.addSystemEventTrigger("before", "shutdown", () => d);
    r.addSystemEventTrigger("before", "shutdown", () => p);
    r.addSystemEventTrigger("during", "shutdown", () => seen.push("during"));
    const done = r.fireSystemEvent("shutdown");
    assert.deepEqual(seen, []);
    d.callback(undefined);
    assert.deepEqual(seen, [], "still waiting for the Promise");
    resolvePromise();
    await done;
    assert.deepEqual(seen, ["during"]);
  });

  it("logs a trigger that throws or fails, and runs the others", async () => {
    const r = quietReactor();
    const seen: string[] = [];
    r.addSystemEventTrigger("before", "shutdown", () => {
      throw new Error("boom");
    });
    r.addSystemEventTrigger("before", "shutdown", () => fail(new Error("deferred boom")));
    r.addSystemEventTrigger("before", "shutdown", () => Promise.reject(new Error("promise boom")));
    r.addSystemEventTrigger("during", "shutdown", () => seen.push("during"));
    r.addSystemEventTrigger("after", "shutdown", () => seen.push("after"));
    const collector = collectEvents();
    try {
      await r.fireSystemEvent("shutdown");
    } finally {
      collector.stop();
    }
    assert.deepEqual(seen, ["during", "after"]);
    const messages = collector.events
      .filter((e) => e.namespace === "braid.reactor")
      .map((e) => (e.failure?.value as Error | undefined)?.message);
    assert.deepEqual(messages.sort(), ["boom", "deferred boom", "promise boom"]);
  });

  it("runs a trigger added to the running phase in that phase, and one added to an earlier phase next time", () => {
    const r = quietReactor();
    const seen: string[] = [];
    r.addSystemEventTrigger("during", "startup", () => {
      seen.push("during1");
      r.addSystemEventTrigger("during", "startup", () => seen.push("during-added"));
      r.addSystemEventTrigger("after", "startup", () => seen.push("after-added"));
      r.addSystemEventTrigger("before", "startup", () => seen.push("before-added"));
    });
    r.addSystemEventTrigger("during", "startup", () => seen.push("during2"));
    r.fireSystemEvent("startup");
    assert.deepEqual(seen, ["during1", "during2", "during-added", "after-added"]);
    r.fireSystemEvent("startup");
    assert.deepEqual(seen.slice(4), ["before-added"]);
  });

  it("runs a trigger added while its phase waits on a Deferred in that same phase", async () => {
    const r = quietReactor();
    const seen: string[] = [];
    const d = new Deferred<void>();
    r.addSystemEventTrigger("before", "shutdown", () => d);
    r.addSystemEventTrigger("during", "shutdown", () => seen.push("during"));
    const done = r.fireSystemEvent("shutdown");
    r.addSystemEventTrigger("before", "shutdown", () => seen.push("late before"));
    assert.deepEqual(seen, [], "runs once the phase's pending Deferreds have fired");
    d.callback(undefined);
    await done;
    assert.deepEqual(seen, ["late before", "during"]);
  });

  it("removeSystemEventTrigger removes a pending trigger, and throws RangeError for unknown ones", () => {
    const r = quietReactor();
    const seen: string[] = [];
    const id = r.addSystemEventTrigger("before", "startup", () => seen.push("removed"));
    r.addSystemEventTrigger("before", "startup", () => seen.push("kept"));
    r.removeSystemEventTrigger(id);
    assert.throws(() => r.removeSystemEventTrigger(id), RangeError);
    assert.throws(
      () => r.removeSystemEventTrigger({ phase: "after", event: "startup", id: 12345 }),
      RangeError,
    );
    r.fireSystemEvent("startup");
    assert.deepEqual(seen, ["kept"]);
  });

  it("lets a trigger remove itself while its event fires; a fired trigger is unknown afterwards", () => {
    const r = quietReactor();
    let removedDuringFiring = false;
    const id = r.addSystemEventTrigger("before", "shutdown", () => {
      r.removeSystemEventTrigger(id);
      removedDuringFiring = true;
    });
    r.fireSystemEvent("shutdown");
    assert.equal(removedDuringFiring, true);
    assert.throws(() => r.removeSystemEventTrigger(id), RangeError);
  });

  it("rejects an invalid phase", () => {
    const r = quietReactor();
    assert.throws(
      () => r.addSystemEventTrigger("sometime" as "before", "startup", () => {}),
      RangeError,
    );
  });
});

describe("ReactorCore: shutdown of ports and connections", () => {
  it("stops every tracked port during shutdown and waits for them before 'after'", async () => {
    const r = quietReactor();
    const seen: string[] = [];
    const slow = new Deferred<void>();
    const p1 = fakePort(slow);
    const p2 = fakePort();
    const p3 = fakePort();
    r.trackPort(p1);
    r.trackPort(p2);
    r.trackPort(p3);
    r.untrackPort(p3);
    r.addSystemEventTrigger("before", "shutdown", () => {
      seen.push(`before ${p1.stops}`);
    });
    r.addSystemEventTrigger("after", "shutdown", () => seen.push("after"));
    const stopped = r.run();
    r.stop();
    await turns(r);
    assert.deepEqual([p1.stops, p2.stops, p3.stops], [1, 1, 0]);
    assert.deepEqual(seen, ["before 0"]);
    slow.callback(undefined);
    await stopped;
    assert.deepEqual(seen, ["before 0", "after"]);
  });

  it("logs a port whose stopListening fails and still stops", async () => {
    const r = quietReactor();
    r.trackPort(fakePort(fail(new Error("cannot stop"))));
    const collector = collectEvents();
    try {
      const stopped = r.run();
      r.stop();
      await stopped;
    } finally {
      collector.stop();
    }
    assert.ok(
      collector.events.some(
        (e) => (e.failure?.value as Error | undefined)?.message === "cannot stop",
      ),
    );
  });

  it("closes connections with loseConnection; those that close in time are not aborted", async () => {
    const r = quietReactor();
    const calls: string[] = [];
    const polite: ShutdownConnection = {
      loseConnection() {
        calls.push("lose");
        r.callLater(0.01, () => r.untrackConnection(polite));
      },
      abortConnection() {
        calls.push("abort");
      },
    };
    r.trackConnection(polite);
    const started = r.seconds();
    const stopped = r.run();
    r.stop();
    await stopped;
    assert.deepEqual(calls, ["lose"]);
    assert.ok(r.seconds() - started < r.shutdownGrace, "did not wait for the whole grace");
  });

  it("aborts connections still open after shutdownGrace", async () => {
    const r = quietReactor();
    r.shutdownGrace = 0.05;
    const calls: string[] = [];
    const stubborn: ShutdownConnection = {
      loseConnection() {
        calls.push("lose");
      },
      abortConnection() {
        calls.push("abort");
        r.untrackConnection(stubborn);
      },
    };
    const gone: ShutdownConnection = {
      loseConnection() {
        calls.push("gone");
      },
      abortConnection() {
        calls.push("gone aborted");
      },
    };
    r.trackConnection(stubborn);
    r.trackConnection(gone);
    r.untrackConnection(gone);
    const started = r.seconds();
    const stopped = r.run();
    r.stop();
    await stopped;
    assert.deepEqual(calls, ["lose", "abort"]);
    assert.ok(r.seconds() - started >= 0.04);
  });
});
