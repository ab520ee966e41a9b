import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { collectEvents } from "../../src/logger/index.js";
import { Clock } from "../../src/time/clock.js";
import type { DelayedCall } from "../../src/time/delayedcall.js";

describe("Clock", () => {
  it("starts at 0 and moves only with advance", () => {
    const clock = new Clock();
    assert.equal(clock.seconds(), 0);
    clock.advance(1.5);
    assert.equal(clock.seconds(), 1.5);
    assert.equal(clock.rightNow, 1.5);
    clock.rightNow = 10;
    assert.equal(clock.seconds(), 10);
  });

  it("runs calls due at or before the new time, in time order", () => {
    const clock = new Clock();
    const seen: string[] = [];
    clock.callLater(3, () => seen.push("c"));
    clock.callLater(1, () => seen.push("a"));
    clock.callLater(2, () => seen.push("b"));
    clock.callLater(4, () => seen.push("d"));
    clock.advance(3);
    assert.deepEqual(seen, ["a", "b", "c"]);
    clock.advance(0.999);
    assert.deepEqual(seen, ["a", "b", "c"]);
    clock.advance(0.001);
    assert.deepEqual(seen, ["a", "b", "c", "d"]);
  });

  it("runs calls due at the same time in scheduling order", () => {
    const clock = new Clock();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) clock.callLater(1, (n: number) => seen.push(n), i);
    clock.advance(1);
    assert.deepEqual(
      seen,
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it("a moved call counts as scheduled when it was moved", () => {
    const clock = new Clock();
    const seen: string[] = [];
    const a = clock.callLater(1, () => seen.push("a"));
    clock.callLater(2, () => seen.push("b"));
    a.reset(2);
    clock.advance(2);
    assert.deepEqual(seen, ["b", "a"]);
  });

  it("passes arguments", () => {
    const clock = new Clock();
    let got: [number, string] | undefined;
    clock.callLater(0, (a: number, b: string) => (got = [a, b]), 7, "x");
    clock.advance(0);
    assert.deepEqual(got, [7, "x"]);
  });

  it("runs calls scheduled during advance for a due time within the same advance", () => {
    const clock = new Clock();
    const seen: string[] = [];
    clock.callLater(1, () => {
      seen.push("a");
      clock.callLater(0, () => seen.push("a+0"));
      clock.callLater(0.5, () => seen.push("a+0.5"));
      clock.callLater(5, () => seen.push("a+5"));
    });
    clock.callLater(1.2, () => seen.push("b"));
    clock.advance(2);
    // Time is already 2 while calls run, so "a+0" is due at 2, after "b" (1.2) but within
    // this advance; "a+0.5" is due at 2.5.
    assert.deepEqual(seen, ["a", "b", "a+0"]);
    assert.equal(clock.getDelayedCalls().length, 2);
    clock.advance(0.5);
    assert.deepEqual(seen, ["a", "b", "a+0", "a+0.5"]);
  });

  it("a call cancelled by an earlier call in the same advance does not run", () => {
    const clock = new Clock();
    const seen: string[] = [];
    let b: DelayedCall | undefined;
    clock.callLater(1, () => b?.cancel());
    b = clock.callLater(1, () => seen.push("b"));
    clock.advance(1);
    assert.deepEqual(seen, []);
  });

  it("logs an exception from a call and still runs the others", () => {
    const clock = new Clock();
    const seen: string[] = [];
    const boom = new Error("boom");
    clock.callLater(1, () => seen.push("a"));
    clock.callLater(1, function exploding() {
      throw boom;
    });
    clock.callLater(1, () => seen.push("c"));
    const collector = collectEvents();
    try {
      clock.advance(1);
    } finally {
      collector.stop();
    }
    assert.deepEqual(seen, ["a", "c"]);
    const events = collector.events.filter((e) => e.namespace === "braid.time");
    assert.equal(events.length, 1);
    assert.equal(events[0]?.failure?.value, boom);
    assert.match(String(events[0]?.fields.call), /exploding/);
  });

  it("getDelayedCalls lists pending calls only, in due order", () => {
    const clock = new Clock();
    const a = clock.callLater(3, () => {});
    const b = clock.callLater(1, () => {});
    const c = clock.callLater(2, () => {});
    const d = clock.callLater(0.5, () => {});
    assert.deepEqual(clock.getDelayedCalls(), [d, b, c, a]);
    c.cancel();
    clock.advance(0.5);
    assert.deepEqual(clock.getDelayedCalls(), [b, a]);
  });

  it("rejects negative and NaN delays", () => {
    const clock = new Clock();
    assert.throws(() => clock.callLater(-1, () => {}), RangeError);
    assert.throws(() => clock.callLater(Number.NaN, () => {}), RangeError);
    assert.throws(() => clock.advance(-1), RangeError);
    assert.throws(() => clock.advance(Number.NaN), RangeError);
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("pump advances by each timing", () => {
    const clock = new Clock();
    const times: number[] = [];
    for (const t of [1, 2, 3]) clock.callLater(t, () => times.push(clock.seconds()));
    clock.pump([0.5, 0.5, 1, 1.5]);
    assert.deepEqual(times, [1, 2, 3.5]);
    assert.equal(clock.seconds(), 3.5);
  });

  it("property: runs exactly the live calls, in (time, seq) order", () => {
    type Op =
      | { kind: "schedule"; delay: number }
      | { kind: "cancel"; which: number }
      | { kind: "reset"; which: number; delay: number }
      | { kind: "delay"; which: number; by: number }
      | { kind: "advance"; by: number };
    const delay = fc.integer({ min: 0, max: 20 }).map((n) => n / 4);
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("schedule" as const), delay }),
      fc.record({ kind: fc.constant("cancel" as const), which: fc.nat() }),
      fc.record({ kind: fc.constant("reset" as const), which: fc.nat(), delay }),
      fc.record({
        kind: fc.constant("delay" as const),
        which: fc.nat(),
        by: fc.integer({ min: -8, max: 8 }).map((n) => n / 4),
      }),
      fc.record({ kind: fc.constant("advance" as const), by: delay }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const clock = new Clock();
        const ran: number[] = [];
        // The model: id -> (time, seq), live while present.
        const model = new Map<number, { time: number; seq: number }>();
        const calls: DelayedCall[] = [];
        let seq = 0;
        const expected: number[] = [];
        const runModel = (now: number) => {
          for (;;) {
            let best: [number, { time: number; seq: number }] | undefined;
            for (const entry of model) {
              const [, v] = entry;
              if (v.time > now) continue;
              if (
                best === undefined ||
                v.time < best[1].time ||
                (v.time === best[1].time && v.seq < best[1].seq)
              ) {
                best = entry;
              }
            }
            if (best === undefined) return;
            model.delete(best[0]);
            expected.push(best[0]);
          }
        };
        for (const o of ops) {
          switch (o.kind) {
            case "schedule": {
              const id = calls.length;
              calls.push(clock.callLater(o.delay, () => ran.push(id)));
              model.set(id, { time: clock.seconds() + o.delay, seq: seq++ });
              break;
            }
            case "cancel":
            case "reset":
            case "delay": {
              if (calls.length === 0) break;
              const id = o.which % calls.length;
              const call = calls[id]!;
              const entry = model.get(id);
              if (entry === undefined) {
                assert.throws(() => call.cancel());
                break;
              }
              if (o.kind === "cancel") {
                call.cancel();
                model.delete(id);
              } else if (o.kind === "reset") {
                call.reset(o.delay);
                model.set(id, { time: clock.seconds() + o.delay, seq: seq++ });
              } else {
                call.delay(o.by);
                model.set(id, { time: entry.time + o.by, seq: seq++ });
              }
              if (o.kind !== "cancel") assert.equal(call.getTime(), model.get(id)?.time);
              break;
            }
            case "advance":
              clock.advance(o.by);
              runModel(clock.seconds());
              break;
          }
          assert.equal(clock.getDelayedCalls().length, model.size);
        }
        clock.advance(100);
        runModel(clock.seconds());
        assert.deepEqual(ran, expected);
        assert.equal(clock.getDelayedCalls().length, 0);
      }),
      { numRuns: 300 },
    );
  });
});
