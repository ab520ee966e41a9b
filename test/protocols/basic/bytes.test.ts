import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  asBuffer,
  ByteAccumulator,
  delimiterBytes,
  findAcross,
} from "../../../src/protocols/basic/bytes.js";

describe("protocols/basic byte helpers", () => {
  it("asBuffer views a Uint8Array without copying", () => {
    const u8 = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    const buf = asBuffer(u8);
    buf[0] = 9;
    assert.deepEqual([...u8], [9, 3]);
    const already = Buffer.from("x");
    assert.equal(asBuffer(already), already);
  });

  it("delimiterBytes copies, encodes strings as UTF-8 and refuses empty delimiters", () => {
    assert.deepEqual([...delimiterBytes("é")], [0xc3, 0xa9]);
    const src = new Uint8Array([10]);
    const d = delimiterBytes(src);
    src[0] = 0;
    assert.deepEqual([...d], [10]);
    assert.throws(() => delimiterBytes(new Uint8Array(0)), RangeError);
  });

  it("ByteAccumulator grows, hands out what it holds and never writes into what it gave", () => {
    const acc = new ByteAccumulator();
    for (let i = 0; i < 1000; i++) acc.append(Buffer.from([i & 0xff]));
    assert.equal(acc.len, 1000);
    const out = acc.take();
    assert.equal(out.length, 1000);
    acc.append(Buffer.from("zzz"));
    assert.equal(out[0], 0);
    assert.equal(acc.len, 3);
  });

  it("ByteAccumulator.keep adopts long tails as views and never writes into them", () => {
    const chunk = Buffer.alloc(20000, 1);
    const acc = new ByteAccumulator();
    acc.keep(chunk.subarray(100));
    assert.equal(acc.buf?.buffer, chunk.buffer);
    acc.append(Buffer.from([2]));
    assert.notEqual(acc.buf?.buffer, chunk.buffer);
    assert.ok(chunk.every((x) => x === 1));
    assert.equal(acc.len, 19901);
  });

  it("findAcross finds the first delimiter across the seam, like indexOf on the whole", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(..."ab\r\n"), { maxLength: 12 }).map((c) => c.join("")),
        fc.array(fc.constantFrom(..."ab\r\n"), { maxLength: 12 }).map((c) => c.join("")),
        fc.constantFrom("\r\n", "aab", "abab", "\n"),
        (held, next, delim) => {
          fc.pre(!held.includes(delim));
          const acc = new ByteAccumulator();
          acc.append(Buffer.from(held));
          const end = findAcross(acc, Buffer.from(next), Buffer.from(delim));
          const i = (held + next).indexOf(delim);
          assert.equal(end, i < 0 ? -1 : i + delim.length - held.length);
        },
      ),
    );
  });
});
