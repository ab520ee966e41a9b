import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { StringTooLongError } from "../../../src/errors/errors.js";
import {
  Int8StringReceiver,
  Int16StringReceiver,
  Int32StringReceiver,
  IntNStringReceiver,
} from "../../../src/protocols/basic/intNString.js";
import { b, cat, connect, cutAt, cutPoints, feed, standardChunkings, t } from "../helpers.js";

// A concrete constructor type (the base class is abstract; the three subclasses are not).
type Ctor = typeof Int32StringReceiver;

/** A recording subclass of `Base`. */
function recorder(Base: Ctor) {
  return class extends Base {
    received: Uint8Array[] = [];
    limits: number[] = [];
    override stringReceived(s: Uint8Array): void {
      this.received.push(s);
    }
    override lengthLimitExceeded(length: number): void {
      this.limits.push(length);
      super.lengthLimitExceeded(length);
    }
    texts(): string[] {
      return this.received.map(t);
    }
  };
}

function prefix(size: number, n: number): Uint8Array {
  const out = Buffer.alloc(size);
  out.writeUIntBE(n, 0, size);
  return new Uint8Array(out);
}

const kinds: [string, Ctor, number][] = [
  ["Int8StringReceiver", Int8StringReceiver as unknown as Ctor, 1],
  ["Int16StringReceiver", Int16StringReceiver as unknown as Ctor, 2],
  ["Int32StringReceiver", Int32StringReceiver, 4],
];

for (const [name, Base, size] of kinds) {
  const Rec = recorder(Base);
  const make = (max?: number) => {
    const p = new Rec();
    if (max !== undefined) p.MAX_LENGTH = max;
    const tr = connect(p);
    return { p, tr };
  };
  const frame = (s: string) => cat(prefix(size, Buffer.byteLength(s)), b(s));

  describe(name, () => {
    const strings = ["a", "b".repeat(16), "", "hello there", "x".repeat(200)];
    const wire = cat(...strings.map(frame));

    it("has the right prefix size and shares the IntNStringReceiver implementation", () => {
      assert.equal(new Rec().prefixLength, size);
      assert.ok(new Rec() instanceof IntNStringReceiver);
    });

    it("sendString writes a big-endian prefix and the bytes in one writeSequence", () => {
      const { p, tr } = make();
      p.sendString(b("foo"));
      assert.deepEqual([...tr.value()], [...prefix(size, 3), 0x66, 0x6f, 0x6f]);
      assert.equal(tr.io.length, 2);
    });

    it("receives a string", () => {
      const { p } = make();
      p.dataReceived(frame("ubar"));
      assert.deepEqual(p.texts(), ["ubar"]);
    });

    it("gives the same strings for every chunking", () => {
      for (const chunks of standardChunkings(wire)) {
        const { p } = make();
        feed(p, chunks);
        assert.deepEqual(p.texts(), strings);
      }
    });

    it("gives the same strings at random cut points", () => {
      fc.assert(
        fc.property(cutPoints(wire.length), (points) => {
          const { p } = make();
          feed(p, cutAt(wire, points));
          assert.deepEqual(p.texts(), strings);
        }),
      );
    });

    it("round-trips random strings at random cut points, as views that stay valid", () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ maxLength: 255 }), { maxLength: 8 }),
          fc.array(fc.nat(), { maxLength: 20 }),
          (payloads, points) => {
            const { p: sender, tr } = make();
            for (const s of payloads) sender.sendString(s);
            const data = tr.value();
            const { p } = make();
            feed(
              p,
              cutAt(
                data,
                points.map((x) => x % (data.length + 1)),
              ),
            );
            assert.deepEqual(
              p.received.map((x) => [...x]),
              payloads.map((x) => [...x]),
            );
          },
        ),
      );
    });

    it("delivers nothing for partial input", () => {
      for (const partial of [prefix(size, 8), cat(prefix(size, 8), b("dzadz")), b("")]) {
        const { p } = make();
        feed(p, standardChunkings(partial).at(-1) ?? []);
        assert.deepEqual(p.received, []);
      }
    });

    it("accepts MAX_LENGTH and calls lengthLimitExceeded for MAX_LENGTH + 1, then disconnects", () => {
      const ok = make(10);
      ok.p.dataReceived(frame("x".repeat(10)));
      assert.deepEqual(ok.p.texts(), ["x".repeat(10)]);
      assert.equal(ok.tr.disconnecting, false);

      for (const chunks of standardChunkings(cat(frame("x".repeat(11)), frame("y")))) {
        const { p, tr } = make(10);
        feed(p, chunks);
        assert.deepEqual(p.limits, [11]);
        assert.deepEqual(p.received, []);
        assert.equal(tr.disconnecting, true);
      }
    });

    it("calls lengthLimitExceeded on the prefix alone, before any of the string", () => {
      const { p } = make(10);
      p.dataReceived(prefix(size, 11));
      assert.deepEqual(p.limits, [11]);
      p.dataReceived(frame("ok"));
      assert.deepEqual(p.received, [], "the stream is not followed any further");
    });

    it("sends the longest string the prefix allows and refuses one byte more", () => {
      const max = 2 ** (8 * size) - 1;
      if (size < 4) {
        const { p, tr } = make();
        p.sendString(new Uint8Array(max));
        assert.equal(tr.value().length, size + max);
        assert.throws(
          () => p.sendString(new Uint8Array(max + 1)),
          (e: unknown) =>
            e instanceof StringTooLongError &&
            e.code === "ERR_STRING_TOO_LONG" &&
            e.length === max + 1 &&
            e.maxLength === max,
        );
      } else {
        // A 4 GiB string cannot be allocated in a test: check the limit with a fake length.
        const { p } = make();
        const huge = { length: max + 1 } as unknown as Uint8Array;
        assert.throws(() => p.sendString(huge), StringTooLongError);
      }
    });

    it("receives a string of the largest size the prefix allows when MAX_LENGTH permits", () => {
      const n = size === 1 ? 255 : size === 2 ? 65535 : 200000;
      const { p } = make(n);
      const data = cat(prefix(size, n), new Uint8Array(n).fill(7));
      feed(p, [data.subarray(0, 3), data.subarray(3, 1000), data.subarray(1000)]);
      assert.equal(p.received.length, 1);
      assert.equal(p.received[0]?.length, n);
      assert.ok(p.received[0]?.every((x) => x === 7));
    });

    it("pausing in stringReceived holds later strings until resumed, in order", () => {
      class Pauser extends Rec {
        override stringReceived(s: Uint8Array): void {
          super.stringReceived(s);
          this.pauseProducing();
        }
      }
      for (const chunks of standardChunkings(wire)) {
        const p = new Pauser();
        const tr = connect(p);
        feed(p, chunks);
        assert.equal(p.received.length, 1);
        assert.equal(tr.producerState, "paused");
        while (p.paused && p.received.length < strings.length) p.resumeProducing();
        assert.deepEqual(p.texts(), strings);
      }
    });

    it("random garbage never throws and either parses or ends in a clean disconnect", () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 20 }), (chunks) => {
          const { p, tr } = make(20);
          feed(p, chunks);
          for (const s of p.received) assert.ok(s.length <= 20);
          assert.equal(tr.disconnecting, p.limits.length > 0);
          assert.ok(p.limits.length <= 1);
        }),
      );
    });

    it("delivers nothing after the string that called loseConnection", () => {
      class Quitter extends Rec {
        override stringReceived(s: Uint8Array): void {
          super.stringReceived(s);
          this.transport!.loseConnection();
        }
      }
      const p = new Quitter();
      connect(p);
      p.dataReceived(cat(frame("a"), frame("b")));
      assert.deepEqual(p.texts(), ["a"]);
    });
  });
}
