/** Tests of schemas: encoding and decoding values, and AmpList. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AmpValueError, InvalidSignature } from "../../../src/errors/amp.js";
import { Integer, optional, Unicode } from "../../../src/protocols/amp/argtypes.js";
import { BoxWriter, parseBoxes } from "../../../src/protocols/amp/box.js";
import {
  AmpList,
  compileSchema,
  decodeValues,
  encodeValues,
} from "../../../src/protocols/amp/schema.js";
import { b } from "../helpers.js";

const schema = compileSchema({ a: Integer, note: optional(Unicode) }, "test");

function encode(values: object, strict = true): Map<string, string> {
  const w = new BoxWriter();
  encodeValues(schema, values, w, "test", strict);
  const [box] = parseBoxes(w.finish());
  return new Map([...box!].map(([k, v]) => [k, Buffer.from(v).toString()]));
}

describe("encodeValues / decodeValues", () => {
  it("encodes required and present optional values, leaves absent ones out", () => {
    assert.deepEqual(
      [...encode({ a: 1, note: "x" })],
      [
        ["a", "1"],
        ["note", "x"],
      ],
    );
    assert.deepEqual([...encode({ a: 1 })], [["a", "1"]]);
    assert.deepEqual([...encode({ a: 1, note: null })], [["a", "1"]]);
  });

  it("refuses missing required and (strictly) unknown values", () => {
    assert.throws(() => encode({ note: "x" }), InvalidSignature);
    assert.throws(() => encode({ a: 1, b: 2 }), InvalidSignature);
    assert.deepEqual([...encode({ a: 1, b: 2 }, false)], [["a", "1"]]);
    assert.throws(() => encode({ a: "x" }), AmpValueError);
  });

  it("decodes, ignoring other keys, and refuses missing required keys", () => {
    const box = new Map([
      ["a", b("7")],
      ["_ask", b("1")],
    ]);
    assert.deepEqual(decodeValues(schema, box, "test"), { a: 7 });
    assert.throws(() => decodeValues(schema, new Map(), "test"), AmpValueError);
    assert.throws(() => decodeValues(schema, new Map([["a", b("x")]]), "test"), AmpValueError);
  });
});

describe("AmpList", () => {
  const Records = AmpList({ x: Integer, y: optional(Unicode) });

  it("writes concatenated boxes, like Twisted", () => {
    // AmpList([(b"x", Integer()), (b"y", Unicode(optional=True))]).toStringProto(...)
    assert.equal(
      Buffer.from(Records.toBytes([{ x: 1, y: "one" }, { x: 2 }])).toString("hex"),
      "00017800013100017900036f6e6500000001780001320000",
    );
  });

  it("round-trips, empty lists included", () => {
    const v = [{ x: 1, y: "one" }, { x: 2 }];
    assert.deepEqual(Records.fromBytes(Records.toBytes(v)), v);
    assert.deepEqual(Records.fromBytes(Records.toBytes([])), []);
  });

  it("refuses truncated or malformed nested boxes", () => {
    const bytes = Records.toBytes([{ x: 1 }]);
    assert.throws(() => Records.fromBytes(bytes.subarray(0, bytes.length - 1)), AmpValueError);
    assert.throws(() => Records.fromBytes(Uint8Array.of(1, 0)), AmpValueError);
  });
});
