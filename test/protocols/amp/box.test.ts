/** Tests of AMP box framing: the wire format, chunk boundaries, limits and bad input. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { AmpLimitExceeded, MalformedAmpBox, TooLong } from "../../../src/errors/amp.js";
import {
  type AmpBox,
  BoxParser,
  BoxWriter,
  parseBoxes,
  serializeBox,
} from "../../../src/protocols/amp/box.js";
import { b, cat, chunksOf, cutAt } from "../helpers.js";

const hex = (u8: Uint8Array): string => Buffer.from(u8).toString("hex");

/** Boxes as plain arrays of [key, hex value] pairs, for comparison. */
const plain = (boxes: AmpBox[]) => boxes.map((box) => [...box].map(([k, v]) => [k, hex(v)]));

function parseChunks(chunks: Uint8Array[]): AmpBox[] {
  const boxes: AmpBox[] = [];
  const p = new BoxParser((box) => boxes.push(box));
  for (const c of chunks) p.feed(c);
  assert.ok(p.idle);
  return boxes;
}

const arbKey = fc
  .uint8Array({ minLength: 1, maxLength: 255 })
  .map((u) => Buffer.from(u).toString("latin1"));
const arbBox = fc
  .uniqueArray(fc.tuple(arbKey, fc.uint8Array({ maxLength: 300 })), {
    selector: ([k]) => k,
    minLength: 1,
    maxLength: 8,
  })
  .map((pairs) => new Map(pairs) as AmpBox);

describe("serializeBox", () => {
  it("writes 16-bit big-endian lengths and an empty key at the end, like Twisted", () => {
    // AmpBox(hello=b"world").serialize() in Twisted 22.4
    assert.equal(
      hex(serializeBox(new Map([["hello", b("world")]]))),
      "000568656c6c6f0005776f726c640000",
    );
    assert.equal(hex(serializeBox([])), "0000");
  });

  it("refuses keys and values over the format's limits", () => {
    assert.throws(() => serializeBox([["k".repeat(256), b("")]]), TooLong);
    assert.throws(() => serializeBox([["", b("")]]), TooLong);
    assert.throws(
      () => serializeBox([["k", new Uint8Array(65536)]]),
      (e: unknown) => {
        assert.ok(e instanceof TooLong);
        assert.equal(e.isKey, false);
        assert.equal(e.keyName, "k");
        return true;
      },
    );
    assert.equal(
      new BoxWriter().add("k", new Uint8Array(65535)).finish().length,
      2 + 1 + 2 + 65535 + 2,
    );
  });
});

describe("BoxParser", () => {
  const wire = cat(
    serializeBox([
      ["_ask", b("1")],
      ["_command", b("Sum")],
      ["a", b("1")],
    ]),
    serializeBox([
      ["empty", b("")],
      ["k".repeat(255), new Uint8Array(70).fill(7)],
    ]),
  );
  const expected = plain(parseChunks([wire]));

  it("parses many boxes in one chunk", () => {
    assert.deepEqual(expected, [
      [
        ["_ask", "31"],
        ["_command", "53756d"],
        ["a", "31"],
      ],
      [
        ["empty", ""],
        ["k".repeat(255), "07".repeat(70)],
      ],
    ]);
  });

  it("gives the same boxes whatever the chunk size, 1..N", () => {
    for (let size = 1; size <= wire.length; size++) {
      assert.deepEqual(plain(parseChunks(chunksOf(wire, size))), expected, `size ${size}`);
    }
  });

  it("gives the same boxes for random splits (property)", () => {
    fc.assert(
      fc.property(
        fc.array(arbBox, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat()),
        (boxes, cuts) => {
          const bytes = cat(...boxes.map((x) => serializeBox(x)));
          const got = parseChunks(
            cutAt(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          );
          assert.deepEqual(plain(got), plain(boxes));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("throws TooLong for a key length above 255 and ignores what follows", () => {
    const boxes: AmpBox[] = [];
    const p = new BoxParser((box) => boxes.push(box));
    assert.throws(() => p.feed(Uint8Array.of(0x01, 0x00)), TooLong);
    assert.ok(p.broken);
    p.feed(serializeBox([["a", b("b")]]));
    assert.equal(boxes.length, 0);
  });

  it("enforces maxKeys and maxBoxSize before buffering", () => {
    const many = serializeBox(Array.from({ length: 11 }, (_, i) => [`k${i}`, b("v")] as const));
    assert.throws(() => new BoxParser(() => {}, { maxKeys: 10 }).feed(many), AmpLimitExceeded);
    new BoxParser(() => {}, { maxKeys: 11 }).feed(many);
    // The announced length alone is enough to refuse: no 60 KB is ever buffered.
    const p = new BoxParser(() => {}, { maxBoxSize: 1024 });
    assert.throws(() => p.feed(Uint8Array.of(0, 1, 0x6b, 0xea, 0x60)), AmpLimitExceeded);
  });

  it("never throws anything but AMP errors on garbage (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat()), (junk, cuts) => {
        const p = new BoxParser(() => {}, { maxBoxSize: 4096, maxKeys: 16 });
        try {
          for (const c of cutAt(
            junk,
            cuts.map((x) => x % (junk.length + 1)),
          ))
            p.feed(c);
        } catch (e) {
          assert.ok(e instanceof TooLong || e instanceof AmpLimitExceeded, String(e));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("queues bytes fed from inside onBox after the current ones", () => {
    const seen: string[] = [];
    const p: BoxParser = new BoxParser((box) => {
      seen.push([...box.keys()].join());
      if (seen.length === 1) p.feed(serializeBox([["c", b("")]]));
    });
    p.feed(cat(serializeBox([["a", b("")]]), serializeBox([["b", b("")]])));
    assert.deepEqual(seen, ["a", "b", "c"]);
  });
});

describe("parseBoxes", () => {
  it("parses whole boxes, empty ones included", () => {
    assert.deepEqual(plain(parseBoxes(cat(serializeBox([]), serializeBox([["x", b("1")]])))), [
      [],
      [["x", "31"]],
    ]);
  });

  it("refuses bytes that end inside a box", () => {
    assert.throws(() => parseBoxes(serializeBox([["x", b("1")]]).subarray(0, 5)), MalformedAmpBox);
    assert.throws(() => parseBoxes(Uint8Array.of(0)), MalformedAmpBox);
  });
});
