/**
 * AMP argument types: how a command's arguments and response values become the bytes of a box
 * value, and back, exactly as Twisted's `amp.Integer`, `amp.String`, `amp.Unicode`,
 * `amp.Boolean`, `amp.Float`, `amp.Decimal`, `amp.DateTime`, `amp.Path` and `amp.ListOf` encode
 * them. `AmpList` (boxes nested in a value) is in `schema.ts`.
 *
 * Twisted's `Descriptor` (file descriptors passed over a UNIX socket) is not provided: it needs
 * `SCM_RIGHTS`, which Node's sockets do not expose. `BigString` / `BigUnicode` are not in
 * Twisted 22.4, the version this is tested against, and are not provided either.
 *
 * @module
 */

import { isUtf8 } from "node:buffer";
import { AmpValueError, TooLong } from "../../errors/amp.js";
import { asBuffer } from "../basic/bytes.js";
import { MAX_VALUE_LENGTH } from "./box.js";

/**
 * An argument type: converts values of type `T` to the bytes of a box value and back. `O` says
 * whether the argument may be left out (see {@link optional}).
 *
 * Write your own with {@link argument}.
 */
export interface Argument<T, O extends boolean = false> {
  /** A name for error messages (`"Integer"`). */
  readonly typeName: string;
  /** Whether the key may be absent from the box; the value is then `undefined`. */
  readonly optional: O;
  /**
   * The bytes for `value`.
   *
   * @throws AmpValueError when `value` cannot be encoded by this type.
   */
  toBytes(value: T): Uint8Array;
  /**
   * The value `bytes` encode.
   *
   * @throws AmpValueError when the bytes are not a valid encoding.
   */
  fromBytes(bytes: Uint8Array): T;
}

/** Any argument type, whatever its value type. */
// biome-ignore lint/suspicious/noExplicitAny: the value type varies per argument
export type AnyArgument = Argument<any, boolean>;

/** The value type of an argument type. */
export type ValueOf<A> = A extends Argument<infer T, boolean> ? T : never;

/**
 * Makes a (required) argument type from its two conversions.
 *
 * @example
 * ```ts
 * const Point = argument<[number, number]>(
 *   "Point",
 *   ([x, y]) => Buffer.from(`${x},${y}`),
 *   (b) => Buffer.from(b).toString().split(",").map(Number) as [number, number],
 * );
 * ```
 */
export function argument<T>(
  typeName: string,
  toBytes: (value: T) => Uint8Array,
  fromBytes: (bytes: Uint8Array) => T,
): Argument<T, false> {
  return { typeName, optional: false, toBytes, fromBytes };
}

/**
 * The same argument type, but optional: the key may be absent, and the value is then
 * `undefined` (Twisted's `optional=True`). Sending `undefined` leaves the key out.
 *
 * @example
 * ```ts
 * const Greet = command("Greet", { arguments: { name: Unicode, title: optional(Unicode) } });
 * amp.callRemote(Greet, { name: "Ada" }); // `title` may be omitted
 * ```
 */
export function optional<T>(arg: Argument<T, boolean>): Argument<T, true> {
  return { typeName: arg.typeName, optional: true, toBytes: arg.toBytes, fromBytes: arg.fromBytes };
}

const ascii = (s: string): Buffer => Buffer.from(s, "latin1");
const text = (b: Uint8Array): string => asBuffer(b).toString("latin1");
const show = (b: Uint8Array): string => JSON.stringify(text(b).slice(0, 64));

const INT_RE = /^\s*[+-]?\d(?:_?\d)*\s*$/;

function parseIntText(b: Uint8Array, typeName: string): string {
  const s = text(b);
  if (!INT_RE.test(s)) throw new AmpValueError(`Bad ${typeName} value: ${show(b)}`);
  return s.trim().replace(/_/g, "");
}

/**
 * A whole number, sent as its decimal digits (`123` → `"123"`). Received values outside
 * JavaScript's safe integer range are refused: use {@link BigInteger} for those.
 */
export const Integer: Argument<number, false> = argument(
  "Integer",
  (value) => {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new AmpValueError(`Bad Integer value: ${String(value)}`);
    }
    return ascii(Number.isSafeInteger(value) ? String(value) : BigInt(value).toString());
  },
  (b) => {
    const n = Number(parseIntText(b, "Integer"));
    if (!Number.isSafeInteger(n)) {
      throw new AmpValueError(`Integer value ${show(b)} is outside the safe range; use BigInteger`);
    }
    return n === 0 ? 0 : n;
  },
);

/** Twisted's `Integer` as a `bigint`: any size. */
export const BigInteger: Argument<bigint, false> = argument(
  "BigInteger",
  (value) => {
    if (typeof value !== "bigint")
      throw new AmpValueError(`Bad BigInteger value: ${String(value)}`);
    return ascii(value.toString());
  },
  (b) => BigInt(parseIntText(b, "BigInteger")),
);

/**
 * Bytes, sent unchanged (Twisted's `String`, which carries `bytes`). Exported as `String`, the
 * Twisted name, and as `Bytes`, which does not shadow the global `String`.
 */
export const Bytes: Argument<Uint8Array, false> = argument(
  "String",
  (value) => {
    if (!(value instanceof Uint8Array)) throw new AmpValueError("Bad String value: not bytes");
    return value;
  },
  (b) => b,
);

function utf8(typeName: string): Argument<string, false> {
  return argument(
    typeName,
    (value) => {
      if (typeof value !== "string") throw new AmpValueError(`Bad ${typeName} value: not a string`);
      return Buffer.from(value, "utf8");
    },
    (b) => {
      const buf = asBuffer(b);
      if (!isUtf8(buf)) throw new AmpValueError(`Bad ${typeName} value: invalid UTF-8`);
      return buf.toString("utf8");
    },
  );
}

/** Text, sent as UTF-8 (Twisted's `Unicode`). Invalid UTF-8 is refused, not replaced. */
export const Unicode: Argument<string, false> = utf8("Unicode");

/**
 * A file system path as text, sent as UTF-8 (Twisted's `Path`, which gives a `FilePath`; here
 * it is the path string).
 */
export const Path: Argument<string, false> = utf8("Path");

/**
 * `true` / `false`, sent as `"True"` / `"False"`; anything else received is refused. Exported
 * as `Boolean`, the Twisted name, and as `Bool`, which does not shadow the global `Boolean`.
 */
export const Bool: Argument<boolean, false> = argument(
  "Boolean",
  (value) => ascii(value ? "True" : "False"),
  (b) => {
    const s = text(b);
    if (s === "True") return true;
    if (s === "False") return false;
    throw new AmpValueError(`Bad Boolean value: ${show(b)}`);
  },
);

/**
 * The text Python's `repr(float)` gives for `x`: the shortest digits that round-trip, in fixed
 * notation for exponents -4 to 15 (with `.0` for whole numbers), otherwise `1.5e+16` /
 * `1e-05`; `inf`, `-inf`, `nan`.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const e = x.toExponential();
  const at = e.indexOf("e");
  let mant = e.slice(0, at);
  const exp = Number(e.slice(at + 1));
  let sign = "";
  if (mant.startsWith("-")) {
    sign = "-";
    mant = mant.slice(1);
  }
  const digits = mant.replace(".", "");
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    if (digits.length > exp + 1)
      return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

const D = "\\d(?:_?\\d)*";
const FLOAT_RE = new RegExp(
  `^\\s*[+-]?(?:inf|infinity|nan|(?:${D}(?:\\.(?:${D})?)?|\\.${D})(?:[eE][+-]?${D})?)\\s*$`,
  "i",
);

/**
 * Python's `float(text)`: decimal and exponent forms with optional `_` between digits,
 * `inf` / `infinity` / `nan` in any case, surrounding whitespace.
 *
 * @throws AmpValueError for anything else.
 */
export function parsePythonFloat(s: string): number {
  if (!FLOAT_RE.test(s))
    throw new AmpValueError(`Bad Float value: ${JSON.stringify(s.slice(0, 64))}`);
  const t = s.trim().toLowerCase().replace(/_/g, "");
  const neg = t.startsWith("-");
  const body = t.replace(/^[+-]/, "");
  if (body === "nan") return Number.NaN;
  if (body === "inf" || body === "infinity") {
    return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return Number(t);
}

/**
 * A floating-point number, sent as Python's `repr` of it (`0.1`, `1.0`, `1e+16`, `inf`,
 * `-inf`, `nan`), so that both sides read back exactly the value that was sent.
 */
export const Float: Argument<number, false> = argument(
  "Float",
  (value) => {
    if (typeof value !== "number") throw new AmpValueError(`Bad Float value: ${String(value)}`);
    return ascii(pythonFloatRepr(value));
  },
  (b) => parsePythonFloat(text(b)),
);

const DECIMAL_RE = new RegExp(
  `^[+-]?(?:(?:${D}(?:\\.(?:${D})?)?|\\.${D})(?:[eE][+-]?${D})?|inf|infinity|s?nan(?:${D})?)$`,
  "i",
);

/**
 * A decimal number, carried as its text (`"1.50"`, `"-1E+2"`, `"Infinity"`, `"NaN"`) so that
 * no precision is lost; Twisted gives and takes `decimal.Decimal`. Parse it with the decimal
 * library of your choice.
 */
export const Decimal: Argument<string, false> = argument(
  "Decimal",
  (value) => {
    if (typeof value !== "string" || !DECIMAL_RE.test(value)) {
      throw new AmpValueError(`Bad Decimal value: ${JSON.stringify(String(value))}`);
    }
    return ascii(value);
  },
  (b) => {
    const s = text(b).trim();
    if (!DECIMAL_RE.test(s)) throw new AmpValueError(`Bad Decimal value: ${show(b)}`);
    return s;
  },
);

const pad = (n: number, w: number): string => String(n).padStart(w, "0");
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})([+-])(\d{2}):(\d{2})$/;

/**
 * A moment in time, as Twisted's 32-character `DateTime` format
 * `YYYY-MM-DDTHH:MM:SS.ffffff±HH:MM`. A `Date` is sent in UTC, written `-00:00` as Twisted
 * writes it. A received value is converted to the instant it names; microseconds below the
 * millisecond and the original offset are lost (a `Date` holds neither).
 */
export const DateTime: Argument<Date, false> = argument(
  "DateTime",
  (value) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new AmpValueError("Bad DateTime value: not a valid Date");
    }
    const y = value.getUTCFullYear();
    if (y < 1 || y > 9999) throw new AmpValueError(`DateTime year ${y} is out of range 1..9999`);
    return ascii(
      `${pad(y, 4)}-${pad(value.getUTCMonth() + 1, 2)}-${pad(value.getUTCDate(), 2)}T` +
        `${pad(value.getUTCHours(), 2)}:${pad(value.getUTCMinutes(), 2)}:` +
        `${pad(value.getUTCSeconds(), 2)}.${pad(value.getUTCMilliseconds() * 1000, 6)}-00:00`,
    );
  },
  (b) => {
    const m = DATETIME_RE.exec(text(b));
    if (m === null) throw new AmpValueError(`Bad DateTime value: ${show(b)}`);
    const [y, mo, d, h, mi, s, us, , oh, om] = m.slice(1).map(Number) as number[];
    const offset = (m[8] === "-" ? -1 : 1) * (oh! * 60 + om!);
    const date = new Date(0);
    date.setUTCFullYear(y!, mo! - 1, d!);
    date.setUTCHours(h!, mi!, s!, Math.floor(us! / 1000));
    if (
      y! < 1 ||
      date.getUTCMonth() !== mo! - 1 ||
      date.getUTCDate() !== d! ||
      h! > 23 ||
      mi! > 59 ||
      s! > 59 ||
      oh! > 23 ||
      om! > 59
    ) {
      throw new AmpValueError(`Bad DateTime value: ${show(b)}`);
    }
    return new Date(date.getTime() - offset * 60_000);
  },
);

/**
 * A list of values of one argument type, each element sent with a 16-bit big-endian length
 * prefix, the whole list in one box value (so at most 65535 bytes in all). The element type
 * must be a plain (non-optional) type such as `Integer` or `Unicode`, not an `AmpList`.
 *
 * @example
 * ```ts
 * const Total = command("Total", { arguments: { xs: ListOf(Integer) }, response: { total: Integer } });
 * amp.callRemote(Total, { xs: [3, 7, 9] });
 * ```
 */
export function ListOf<T>(element: Argument<T, false>): Argument<T[], false> {
  return argument<T[]>(
    `ListOf(${element.typeName})`,
    (values) => {
      if (!Array.isArray(values)) throw new AmpValueError("Bad ListOf value: not an array");
      const parts: Uint8Array[] = [];
      let total = 0;
      for (const v of values) {
        const enc = element.toBytes(v);
        if (enc.length > MAX_VALUE_LENGTH) throw new TooLong(false, true, enc.length);
        const prefix = Buffer.allocUnsafe(2);
        prefix.writeUInt16BE(enc.length, 0);
        parts.push(prefix, enc);
        total += 2 + enc.length;
      }
      return Buffer.concat(parts, total);
    },
    (b) => {
      const buf = asBuffer(b);
      const out: T[] = [];
      let pos = 0;
      while (pos < buf.length) {
        if (buf.length - pos < 2) throw new AmpValueError("Truncated ListOf value");
        const len = buf.readUInt16BE(pos);
        pos += 2;
        if (buf.length - pos < len) throw new AmpValueError("Truncated ListOf value");
        out.push(element.fromBytes(buf.subarray(pos, pos + len)));
        pos += len;
      }
      return out;
    },
  );
}

export {
  /** Twisted's name for {@link Bool}. */
  Bool as Boolean,
  /** Twisted's name for {@link Bytes}. */
  Bytes as String,
};
