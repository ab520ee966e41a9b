import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ctcpDequote,
  ctcpExtract,
  ctcpQuote,
  ctcpStringify,
} from "../../../src/protocols/irc/ctcp.js";

describe("CTCP quoting", () => {
  it("escapes \\x01 and backslash", () => {
    assert.equal(ctcpQuote("a\x01b\\c"), "a\\ab\\\\c");
    assert.equal(ctcpDequote("a\\ab\\\\c\\x"), "a\x01b\\cx");
  });

  it("round-trips (property)", () => {
    fc.assert(fc.property(fc.string(), (s) => assert.equal(ctcpDequote(ctcpQuote(s)), s)));
  });
});

describe("ctcpExtract / ctcpStringify", () => {
  it("separates segments from normal text", () => {
    assert.deepEqual(ctcpExtract("\x01ACTION waves\x01"), {
      extended: [["ACTION", "waves"]],
      normal: [],
    });
    assert.deepEqual(ctcpExtract("hi \x01VERSION\x01 there"), {
      extended: [["VERSION", null]],
      normal: ["hi ", " there"],
    });
    assert.deepEqual(ctcpExtract("\x01PING 123"), { extended: [["PING", "123"]], normal: [] });
  });

  it("encodes tags with and without data", () => {
    assert.equal(
      ctcpStringify([
        ["ACTION", "does a\x01thing"],
        ["VERSION", null],
      ]),
      "\x01ACTION does a\\athing\x01\x01VERSION\x01",
    );
  });

  it("extracts what it stringified (property)", () => {
    const tag = fc.stringMatching(/^[A-Z]{1,10}$/);
    const data = fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.tuple(tag, data), { minLength: 1, maxLength: 4 }), (msgs) => {
        assert.deepEqual(ctcpExtract(ctcpStringify(msgs)).extended, msgs);
      }),
    );
  });
});
