/** Tests of AMP argument types: Twisted's encodings, round trips, and refused input. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import fc from "fast-check";
import { AmpValueError, TooLong } from "../../../src/errors/amp.js";
import {
  argument,
  BigInteger,
  Bool,
  Bytes,
  DateTime,
  Decimal,
  Float,
  Integer,
  ListOf,
  optional,
  Path,
  parsePythonFloat,
  pythonFloatRepr,
  Unicode,
} from "../../../src/protocols/amp/argtypes.js";
import { b, t } from "../helpers.js";

const PYTHON = "/usr/bin/python3";
const hasPython = spawnSync(PYTHON, ["-c", "pass"], { timeout: 5000 }).status === 0;

describe("Integer", () => {
  it("sends decimal digits and reads what Python's int() reads", () => {
    assert.equal(t(Integer.toBytes(-42)), "-42");
    assert.equal(t(Integer.toBytes(1e21)), "1000000000000000000000");
    assert.equal(Integer.fromBytes(b("123")), 123);
    assert.equal(Integer.fromBytes(b(" +1_000 ")), 1000);
    assert.ok(Object.is(Integer.fromBytes(b("-0")), 0));
  });

  it("refuses fractions, non-numbers, and values beyond the safe range", () => {
    assert.throws(() => Integer.toBytes(1.5), AmpValueError);
    assert.throws(() => Integer.fromBytes(b("1.0")), AmpValueError);
    assert.throws(() => Integer.fromBytes(b("")), AmpValueError);
    assert.throws(() => Integer.fromBytes(b("9007199254740993")), AmpValueError);
  });

  it("BigInteger carries integers of any size", () => {
    const big = 2n ** 200n;
    assert.equal(BigInteger.fromBytes(BigInteger.toBytes(-big)), -big);
  });
});

describe("Bytes, Unicode, Path, Boolean", () => {
  it("passes bytes through", () => {
    const raw = Uint8Array.of(0, 255, 10);
    assert.equal(Bytes.toBytes(raw), raw);
    assert.equal(Bytes.fromBytes(raw), raw);
    assert.throws(() => Bytes.toBytes("text" as unknown as Uint8Array), AmpValueError);
  });

  it("sends text as UTF-8, keeps a BOM, refuses invalid UTF-8", () => {
    assert.deepEqual([...Unicode.toBytes("é")], [0xc3, 0xa9]);
    assert.equal(Unicode.fromBytes(b("\ufeffx")), "\ufeffx");
    assert.throws(() => Unicode.fromBytes(Uint8Array.of(0xc3)), AmpValueError);
    assert.equal(Path.fromBytes(Path.toBytes("/tmp/é")), "/tmp/é");
  });

  it('sends "True" / "False" and refuses anything else', () => {
    assert.equal(t(Bool.toBytes(true)), "True");
    assert.equal(t(Bool.toBytes(false)), "False");
    assert.equal(Bool.fromBytes(b("True")), true);
    assert.throws(() => Bool.fromBytes(b("true")), AmpValueError);
  });
});

describe("Float", () => {
  it("writes Python's repr", () => {
    const cases: [number, string][] = [
      [0.1, "0.1"],
      [1, "1.0"],
      [-0, "-0.0"],
      [1e16, "1e+16"],
      [1e15, "1000000000000000.0"],
      [1.5e-7, "1.5e-07"],
      [0.0001, "0.0001"],
      [123456789012345680, "1.2345678901234568e+17"],
      [Infinity, "inf"],
      [-Infinity, "-inf"],
      [Number.NaN, "nan"],
    ];
    for (const [x, s] of cases) assert.equal(pythonFloatRepr(x), s, String(x));
  });

  it("reads what Python's float() reads", () => {
    assert.equal(parsePythonFloat("Infinity"), Infinity);
    assert.equal(parsePythonFloat("-INF"), -Infinity);
    assert.ok(Number.isNaN(parsePythonFloat("nan")));
    assert.equal(parsePythonFloat(" 1_0.5e1 "), 105);
    assert.equal(parsePythonFloat(".5"), 0.5);
    assert.equal(parsePythonFloat("1."), 1);
    for (const bad of ["", ".", "1e", "0x10", "1__0", "infinit"]) {
      assert.throws(() => parsePythonFloat(bad), AmpValueError, bad);
    }
  });

  it("round-trips every double (property)", () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const back = Float.fromBytes(Float.toBytes(x));
        assert.ok(Object.is(back, x) || (Number.isNaN(x) && Number.isNaN(back)));
      }),
      { numRuns: 2000 },
    );
  });

  it("matches Python's repr for random doubles", { skip: !hasPython && "no python" }, () => {
    const xs = fc.sample(fc.double({ noNaN: true }), 500);
    const input = xs.map((x) => (Object.is(x, -0) ? "-0.0" : x.toString())).join("\n");
    const r = spawnSync(
      PYTHON,
      ["-c", "import sys\nfor l in sys.stdin.read().split():\n    print(repr(float(l)))"],
      { input, timeout: 10_000 },
    );
    assert.equal(r.status, 0, String(r.stderr));
    const lines = String(r.stdout).trim().split("\n");
    for (const [i, x] of xs.entries()) assert.equal(pythonFloatRepr(x), lines[i], String(x));
  });
});

describe("Decimal", () => {
  it("carries the decimal text and refuses what Python's Decimal refuses", () => {
    for (const s of ["1.50", "-1E+2", "Infinity", "-NaN", "sNaN", ".5"]) {
      assert.equal(Decimal.fromBytes(Decimal.toBytes(s)), s);
    }
    assert.throws(() => Decimal.toBytes("1,5"), AmpValueError);
    assert.throws(() => Decimal.fromBytes(b("abc")), AmpValueError);
  });
});

describe("DateTime", () => {
  it("writes Twisted's 32-character format, UTC as -00:00", () => {
    const d = new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 123));
    // amp.DateTime().toString(datetime(2024, 2, 29, 23, 59, 58, 123000, tzinfo=utc))
    assert.equal(t(DateTime.toBytes(d)), "2024-02-29T23:59:58.123000-00:00");
  });

  it("reads offsets and years below 100", () => {
    assert.equal(
      DateTime.fromBytes(b("2024-03-01T02:29:58.123999+02:30")).toISOString(),
      "2024-02-29T23:59:58.123Z",
    );
    assert.equal(
      DateTime.fromBytes(b("0001-01-01T00:00:00.000000-00:00")).toISOString(),
      "0001-01-01T00:00:00.000Z",
    );
  });

  it("refuses malformed values and impossible dates", () => {
    for (const bad of [
      "2024-02-30T00:00:00.000000+00:00",
      "2024-02-29 00:00:00.000000+00:00",
      "2024-02-29T24:00:00.000000+00:00",
      "2024-02-29T00:00:00+00:00",
    ]) {
      assert.throws(() => DateTime.fromBytes(b(bad)), AmpValueError, bad);
    }
    assert.throws(() => DateTime.toBytes(new Date(Number.NaN)), AmpValueError);
  });
});

describe("ListOf", () => {
  it("prefixes each element with its 16-bit length, like Twisted", () => {
    // amp.ListOf(amp.Integer()).toString([1, -2, 300])
    assert.equal(
      Buffer.from(ListOf(Integer).toBytes([1, -2, 300])).toString("hex"),
      "00013100022d320003333030",
    );
    assert.deepEqual(ListOf(Unicode).fromBytes(ListOf(Unicode).toBytes(["a", "", "ü"])), [
      "a",
      "",
      "ü",
    ]);
    assert.deepEqual(ListOf(Integer).fromBytes(new Uint8Array(0)), []);
  });

  it("refuses truncated lists and elements that are too long", () => {
    assert.throws(() => ListOf(Integer).fromBytes(Uint8Array.of(0, 2, 0x31)), AmpValueError);
    assert.throws(() => ListOf(Integer).fromBytes(Uint8Array.of(0)), AmpValueError);
    assert.throws(() => ListOf(Bytes).toBytes([new Uint8Array(65536)]), TooLong);
  });
});

describe("argument / optional", () => {
  it("make custom and optional types", () => {
    const Point = argument<[number, number]>(
      "Point",
      ([x, y]) => b(`${x},${y}`),
      (v) => t(v).split(",").map(Number) as [number, number],
    );
    assert.deepEqual(Point.fromBytes(Point.toBytes([1, 2])), [1, 2]);
    assert.equal(optional(Point).optional, true);
    assert.equal(optional(Point).typeName, "Point");
  });
});
