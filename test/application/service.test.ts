/**
 * Service trees: Service, MultiService and Application — start/stop order, failures, waiting for
 * slow children, parent rules.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Application } from "../../src/application/application.js";
import { MultiService } from "../../src/application/multiservice.js";
import { Service } from "../../src/application/service.js";
import { Deferred } from "../../src/defer/deferred.js";
import { DuplicateServiceNameError, ServiceNotFoundError } from "../../src/errors/application.js";
import { InvalidStateError } from "../../src/errors/errors.js";
import { Clock } from "../../src/testing/index.js";
import { deferLater } from "../../src/time/deferlater.js";

/** Records its starts and stops in a shared journal; may be slow or fail. */
class Recording extends Service {
  constructor(
    name: string | null,
    private readonly journal: string[],
    private readonly behaviour: {
      startDelay?: number;
      stopDelay?: number;
      clock?: Clock;
      startThrows?: Error;
      startFails?: Error;
    } = {},
  ) {
    super();
    this.name = name;
  }
  override privilegedStartService(): void {
    this.journal.push(`priv ${this.name}`);
  }
  override startService(): Deferred<unknown> | undefined {
    super.startService();
    this.journal.push(`start ${this.name}`);
    const b = this.behaviour;
    if (b.startThrows) throw b.startThrows;
    if (b.startFails) {
      const d = new Deferred<unknown>();
      d.errback(b.startFails);
      return d;
    }
    if (b.startDelay !== undefined) return deferLater(b.clock!, b.startDelay);
    return undefined;
  }
  override stopService(): Deferred<unknown> | undefined {
    super.stopService();
    this.journal.push(`stop ${this.name}`);
    const b = this.behaviour;
    if (b.stopDelay !== undefined) {
      return deferLater(b.clock!, b.stopDelay).addCallback(() => {
        this.journal.push(`stopped ${this.name}`);
      });
    }
    return undefined;
  }
}

function settled<T>(d: Deferred<T>): { done: boolean; value?: T; error?: unknown } {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  d.addCallbacks(
    (v) => {
      state.done = true;
      state.value = v;
    },
    (f) => {
      state.done = true;
      state.error = f.value;
    },
  );
  return state;
}

describe("Service", () => {
  it("tracks running through start and stop", () => {
    const s = new Service();
    assert.equal(s.running, false);
    s.startService();
    assert.equal(s.running, true);
    s.stopService();
    assert.equal(s.running, false);
  });

  it("setServiceParent adds to the parent; a new parent replaces the old one", () => {
    const a = new MultiService();
    const b = new MultiService();
    const s = new Service();
    s.name = "s";
    s.setServiceParent(a);
    assert.equal(s.parent, a);
    assert.equal(a.getServiceNamed("s"), s);
    s.setServiceParent(b);
    assert.equal(s.parent, b);
    assert.deepEqual([...a], []);
    assert.deepEqual([...b], [s]);
  });

  it("disownServiceParent removes it; without a parent it throws", () => {
    const a = new MultiService();
    const s = new Service();
    s.setServiceParent(a);
    s.disownServiceParent();
    assert.equal(s.parent, null);
    assert.deepEqual([...a], []);
    assert.throws(() => s.disownServiceParent(), InvalidStateError);
  });

  it("cannot be renamed while it has a parent", () => {
    const s = new Service();
    s.name = "one";
    s.setServiceParent(new MultiService());
    assert.throws(() => {
      s.name = "two";
    }, InvalidStateError);
    s.name = "one"; // unchanged: fine
  });
});

describe("MultiService", () => {
  it("starts children in order and stops them in reverse order", async () => {
    const journal: string[] = [];
    const m = new MultiService();
    for (const n of ["a", "b", "c"]) new Recording(n, journal).setServiceParent(m);
    m.privilegedStartService();
    await m.startService();
    m.stopService();
    assert.deepEqual(journal, [
      "priv a",
      "priv b",
      "priv c",
      "start a",
      "start b",
      "start c",
      "stop c",
      "stop b",
      "stop a",
    ]);
  });

  it("iterates over its children in order; addService and removeService keep parents right", () => {
    const m = new MultiService();
    const a = new Service();
    const b = new Service();
    m.addService(a);
    m.addService(b);
    assert.deepEqual([...m], [a, b]);
    assert.equal(a.parent, m);
    m.removeService(a);
    assert.equal(a.parent, null);
    assert.deepEqual(m.services, [b]);
    assert.throws(() => m.removeService(a), ServiceNotFoundError);
  });

  it("refuses two children of the same name, and leaves the newcomer without a parent", () => {
    const m = new MultiService();
    const a = new Service();
    a.name = "x";
    const b = new Service();
    b.name = "x";
    a.setServiceParent(m);
    assert.throws(() => b.setServiceParent(m), DuplicateServiceNameError);
    assert.equal(b.parent, null);
    assert.throws(() => m.getServiceNamed("y"), ServiceNotFoundError);
  });

  it("startService waits for slow children and fails with the first failure", () => {
    const clock = new Clock();
    const journal: string[] = [];
    const m = new MultiService();
    new Recording("slow", journal, { clock, startDelay: 2 }).setServiceParent(m);
    const boom = new Error("port in use");
    new Recording("bad", journal, { startFails: boom }).setServiceParent(m);
    new Recording("after", journal).setServiceParent(m);
    const state = settled(m.startService());
    // Every child was started (without waiting for the slow one).
    assert.deepEqual(journal, ["start slow", "start bad", "start after"]);
    assert.equal(state.done, false);
    clock.advance(2);
    assert.equal(state.done, true);
    assert.equal(state.error, boom);
    assert.equal(m.running, true);
  });

  it("a child whose startService throws stops the sequence", () => {
    const journal: string[] = [];
    const m = new MultiService();
    const boom = new Error("boom");
    new Recording("a", journal).setServiceParent(m);
    new Recording("b", journal, { startThrows: boom }).setServiceParent(m);
    new Recording("c", journal).setServiceParent(m);
    const state = settled(m.startService());
    assert.deepEqual(journal, ["start a", "start b"]);
    assert.equal(state.error, boom);
    // The caller stops what did start.
    m.stopService();
    assert.equal(m.getServiceNamed("a").running, false);
  });

  it("stopService waits for every child, slow ones included", () => {
    const clock = new Clock();
    const journal: string[] = [];
    const m = new MultiService();
    new Recording("fast", journal).setServiceParent(m);
    new Recording("slow", journal, { clock, stopDelay: 3 }).setServiceParent(m);
    new Recording("slower", journal, { clock, stopDelay: 5 }).setServiceParent(m);
    m.startService();
    journal.length = 0;
    const state = settled(m.stopService());
    assert.deepEqual(journal, ["stop slower", "stop slow", "stop fast"]);
    clock.advance(3);
    assert.equal(state.done, false);
    clock.advance(2);
    assert.equal(state.done, true);
    assert.equal(state.error, undefined);
    assert.deepEqual(journal.slice(3), ["stopped slow", "stopped slower"]);
  });

  it("a child added to a running collection starts; removing a running child stops it", () => {
    const clock = new Clock();
    const journal: string[] = [];
    const m = new MultiService();
    m.startService();
    const child = new Recording("late", journal, { clock, stopDelay: 1 });
    child.setServiceParent(m);
    assert.deepEqual(journal, ["priv late", "start late"]);
    assert.equal(child.running, true);
    const result = m.removeService(child) as Deferred<unknown>;
    assert.equal(child.running, false);
    const state = settled(result);
    assert.equal(state.done, false);
    clock.advance(1);
    assert.equal(state.done, true);
  });

  it("removing a child from a stopped collection does not stop it again", () => {
    const journal: string[] = [];
    const m = new MultiService();
    const child = new Recording("c", journal);
    child.setServiceParent(m);
    assert.equal(m.removeService(child), undefined);
    assert.deepEqual(journal, []);
  });

  it("nests: a tree starts depth first and stops in reverse", async () => {
    const journal: string[] = [];
    const app = new Application("app");
    const inner = new MultiService();
    inner.name = "inner";
    new Recording("a", journal).setServiceParent(app);
    inner.setServiceParent(app);
    new Recording("b", journal).setServiceParent(inner);
    new Recording("c", journal).setServiceParent(app);
    await app.startService();
    await app.stopService();
    assert.deepEqual(journal, ["start a", "start b", "start c", "stop c", "stop b", "stop a"]);
    assert.equal(app.name, "app");
    assert.equal(app.getServiceNamed("inner"), inner);
  });
});
