import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatEvent, formatWithFields } from "../../src/logger/format.js";

const fmt = (format: string | undefined, fields: Record<string, unknown> = {}): string =>
  formatEvent({ format, fields });

describe("formatEvent", () => {
  it("substitutes fields", () => {
    assert.equal(fmt("{a} and {b}", { a: 1, b: "two" }), "1 and two");
    assert.equal(fmt("{a}{a}", { a: "x" }), "xx");
    assert.equal(fmt("no fields"), "no fields");
    assert.equal(
      fmt("{n} {t} {u} {z}", { n: null, t: true, u: undefined, z: 10n }),
      "null true undefined 10",
    );
  });

  it("follows dotted property paths", () => {
    const fields = { peer: { host: "127.0.0.1", port: 5000 }, s: "abc" };
    assert.equal(fmt("{peer.host}:{peer.port}", fields), "127.0.0.1:5000");
    assert.equal(fmt("{s.length}", fields), "3");
    assert.equal(fmt("{peer.nope} {peer.host.x.y}", fields), "{peer.nope} {peer.host.x.y}");
  });

  it("treats doubled braces as escapes", () => {
    assert.equal(fmt("{{a}} {a}", { a: 1 }), "{a} 1");
    assert.equal(fmt("{{{a}}}", { a: 1 }), "{1}");
    assert.equal(fmt("}}{{"), "}{");
  });

  it("keeps unmatched braces as text", () => {
    assert.equal(fmt("a { b", { b: 1 }), "a { b");
    assert.equal(fmt("a } b"), "a } b");
    assert.equal(fmt("{a{b}", { b: 2 }), "{a2");
    assert.equal(fmt("{}"), "{}");
  });

  it("leaves placeholders for missing fields unchanged", () => {
    assert.equal(fmt("{missing} here", { other: 1 }), "{missing} here");
    assert.equal(fmt("{ x: 1 }"), "{ x: 1 }");
  });

  it("does not read inherited properties as fields", () => {
    assert.equal(fmt("{constructor} {toString}", {}), "{constructor} {toString}");
  });

  it("renders a field whose toString throws as a marker", () => {
    const bad = {
      toString() {
        throw new Error("no");
      },
    };
    const getter = {
      get boom(): string {
        throw new Error("getter");
      },
    };
    assert.equal(fmt("x {bad} y", { bad }), "x [unformattable field: bad] y");
    assert.equal(fmt("{g.boom}", { g: getter }), "[unformattable field: g.boom]");
  });

  it("shows plain objects, arrays and null-prototype objects with inspect", () => {
    assert.equal(fmt("{o}", { o: { a: 1 } }), "{ a: 1 }");
    assert.equal(fmt("{o}", { o: [1, 2] }), "[ 1, 2 ]");
    assert.equal(
      fmt("{o}", { o: Object.assign(Object.create(null), { a: 1 }) }),
      "[Object: null prototype] { a: 1 }",
    );
    assert.equal(fmt("{e}", { e: new TypeError("bad") }), "TypeError: bad");
    assert.equal(fmt("{f}", { f: function named() {} }), "[Function: named]");
  });

  it("returns an empty string for an event without a format", () => {
    assert.equal(fmt(undefined, { a: 1 }), "");
  });

  it("never throws, and leaves brace-free formats unchanged (property)", () => {
    const fields = { a: 1, b: { c: "d" }, "": "empty" };
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("{", "}", "a", "b", ".", "c", " ", "x") }),
        (format) => {
          assert.equal(typeof formatWithFields(format, fields), "string");
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (format) => {
        fc.pre(!format.includes("{") && !format.includes("}"));
        assert.equal(formatWithFields(format, fields), format);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        // Escaping every brace round-trips to the original text.
        const escaped = text.replace(/[{}]/g, (b) => b + b);
        assert.equal(formatWithFields(escaped, fields), text);
      }),
    );
  });
});
