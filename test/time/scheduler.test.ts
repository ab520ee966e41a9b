import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { collectEvents } from "../../src/logger/index.js";
import type { DelayedCall } from "../../src/time/delayedcall.js";
import { Scheduler } from "../../src/time/scheduler.js";

function make(): { s: Scheduler; setNow(t: number): void; changes: () => number } {
  let now = 0;
  let changes = 0;
  const s = new Scheduler(
    () => now,
    () => changes++,
  );
  return { s, setNow: (t) => (now = t), changes: () => changes };
}

describe("Scheduler", () => {
  it("keeps each call's heap index in step under random operations", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.nat(1000), fc.integer({ min: 0, max: 50 }))),
        (ops) => {
          const { s } = make();
          const live: DelayedCall[] = [];
          for (const [kind, pick, delay] of ops) {
            if (kind <= 1 || live.length === 0) {
              live.push(s.callLater(delay, () => {}, []));
            } else {
              const i = pick % live.length;
              const call = live[i]!;
              if (kind === 2) {
                call.cancel();
                live.splice(i, 1);
              } else {
                call.reset(delay);
              }
            }
            assert.equal(s.size, live.length);
            for (const c of live) assert.ok(c._index >= 0 && c._index < s.size);
            assert.equal(new Set(live.map((c) => c._index)).size, live.length);
          }
          const pending = s.pending();
          for (let i = 1; i < pending.length; i++) {
            const a = pending[i - 1]!;
            const b = pending[i]!;
            assert.ok(a._time < b._time || (a._time === b._time && a._seq < b._seq));
          }
          if (pending.length > 0) assert.equal(s.earliestTime(), pending[0]!._time);
        },
      ),
    );
  });

  it("reports earliest-time changes only when the earliest call may change", () => {
    const { s, changes } = make();
    const a = s.callLater(5, () => {}, []);
    assert.equal(changes(), 1);
    s.callLater(10, () => {}, []);
    assert.equal(changes(), 1);
    const c = s.callLater(1, () => {}, []);
    assert.equal(changes(), 2);
    a.cancel(); // not the earliest
    assert.equal(changes(), 2);
    c.delay(1); // the earliest moved
    assert.equal(changes(), 3);
    c.cancel();
    assert.equal(changes(), 4);
    assert.equal(s.earliestTime(), 10);
  });

  it("deferNew holds calls scheduled during the pass until the next pass", () => {
    const { s, setNow } = make();
    const seen: string[] = [];
    s.callLater(1, () => {
      seen.push("a");
      s.callLater(0, () => seen.push("new"), []);
    }, []);
    s.callLater(2, () => seen.push("b"), []);
    setNow(3);
    s.runUntil(3, true);
    assert.deepEqual(seen, ["a", "b"]);
    assert.equal(s.size, 1);
    s.runUntil(3, true);
    assert.deepEqual(seen, ["a", "b", "new"]);
  });

  it("a call that keeps rescheduling itself with delay 0 cannot starve a pass", () => {
    const { s } = make();
    let runs = 0;
    const again = () => {
      runs++;
      s.callLater(0, again, []);
    };
    s.callLater(0, again, []);
    s.runUntil(0, true);
    assert.equal(runs, 1);
    s.runUntil(0, true);
    assert.equal(runs, 2);
  });

  it("a held call can be cancelled or moved before the pass ends", () => {
    const { s } = make();
    const seen: string[] = [];
    let held1: DelayedCall | undefined;
    let held2: DelayedCall | undefined;
    s.callLater(0, () => {
      held1 = s.callLater(0, () => seen.push("held1"), []);
      held2 = s.callLater(0, () => seen.push("held2"), []);
    }, []);
    s.callLater(0, () => {
      held1?.cancel();
      held2?.reset(5);
    }, []);
    s.runUntil(0, true);
    assert.equal(s.size, 1);
    assert.equal(held1?.cancelled, true);
    assert.equal(held2?.getTime(), 5);
    s.runUntil(10, true);
    assert.deepEqual(seen, ["held2"]);
  });

  it("logs a throwing call under braid.time and goes on", () => {
    const { s } = make();
    const seen: number[] = [];
    s.callLater(0, () => seen.push(1), []);
    s.callLater(0, () => {
      throw "not an Error";
    }, []);
    s.callLater(0, () => seen.push(3), []);
    const collector = collectEvents();
    try {
      s.runUntil(0, true);
    } finally {
      collector.stop();
    }
    assert.deepEqual(seen, [1, 3]);
    const ev = collector.events.find((e) => e.namespace === "braid.time");
    assert.equal(ev?.failure?.value, "not an Error");
  });

  it("rejects a non-function", () => {
    const { s } = make();
    assert.throws(() => s.callLater(0, 5 as unknown as () => void, []), TypeError);
  });
});
