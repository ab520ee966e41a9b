/**
 * AMP box framing: the wire format shared with Twisted's `twisted.protocols.amp`.
 *
 * A box is a sequence of key/value pairs, each key and each value preceded by its length as a
 * 16-bit big-endian unsigned integer, ended by an empty key (two zero bytes). Keys are 1–255
 * bytes, values 0–65535. {@link BoxParser} turns a byte stream cut anywhere into boxes, with
 * limits on a box's total size and number of keys; {@link serializeBox} does the reverse.
 *
 * Keys are held as strings of one character per byte (latin1), so that any key received can be
 * sent back unchanged; in practice they are ASCII names. Values are bytes: views on the chunk
 * they arrived in when they fit in it, copies otherwise.
 *
 * @module
 */

import { AmpLimitExceeded, MalformedAmpBox, TooLong } from "../../errors/amp.js";
import { asBuffer, EMPTY } from "../basic/bytes.js";

/** One AMP box: keys (latin1 strings) to values (bytes). */
export type AmpBox = Map<string, Uint8Array>;

/** The longest key the wire format can carry, in bytes. */
export const MAX_KEY_LENGTH = 0xff;
/** The longest value the wire format can carry, in bytes. */
export const MAX_VALUE_LENGTH = 0xffff;

/** Default for {@link BoxParserLimits.maxBoxSize}: 1 MiB. */
export const DEFAULT_MAX_BOX_SIZE = 1024 * 1024;
/** Default for {@link BoxParserLimits.maxKeys}: 1000. */
export const DEFAULT_MAX_KEYS = 1000;

/** Limits a {@link BoxParser} enforces on each box it receives. */
export interface BoxParserLimits {
  /** The largest box accepted, counting length prefixes and the terminator, in bytes. */
  readonly maxBoxSize?: number;
  /** The most keys a box may have. */
  readonly maxKeys?: number;
}

enum State {
  KeyLength = 0,
  Key = 1,
  ValueLength = 2,
  Value = 3,
}

/**
 * An incremental AMP box parser: {@link feed} it bytes as they arrive, cut anywhere, and it calls
 * `onBox` for each complete box, in order.
 *
 * A key length above 255 ({@link TooLong}) or a box over the limits ({@link AmpLimitExceeded})
 * makes `feed` throw; the parser is then broken and ignores everything fed to it afterwards.
 * An error thrown by `onBox` propagates out of `feed` as well, and also breaks the parser.
 *
 * @example
 * ```ts
 * const parser = new BoxParser((box) => console.log(box.get("_command")));
 * parser.feed(bytes.subarray(0, 3));
 * parser.feed(bytes.subarray(3)); // onBox runs once the terminator arrives
 * ```
 */
export class BoxParser {
  readonly #onBox: (box: AmpBox) => void;
  readonly #maxBoxSize: number;
  readonly #maxKeys: number;

  #state: State = State.KeyLength;
  /** A length prefix split across chunks: its first byte, or -1. */
  #prefixHi = -1;
  /** A key or value split across chunks, and how much of it has arrived. */
  #body: Buffer | null = null;
  #filled = 0;
  #need = 0;
  #box: AmpBox = new Map();
  #key = "";
  #size = 0;
  #broken = false;
  #busy = false;
  #queued: Buffer[] = [];

  /**
   * @param onBox - called with each complete box; the box and its values are the callee's.
   * @param limits - defaults {@link DEFAULT_MAX_BOX_SIZE} and {@link DEFAULT_MAX_KEYS}.
   */
  constructor(onBox: (box: AmpBox) => void, limits: BoxParserLimits = {}) {
    this.#onBox = onBox;
    this.#maxBoxSize = limits.maxBoxSize ?? DEFAULT_MAX_BOX_SIZE;
    this.#maxKeys = limits.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /** Whether a previous `feed` threw: the stream cannot be followed any more. */
  get broken(): boolean {
    return this.#broken;
  }

  /** Whether the parser is between boxes (nothing of a box is held). */
  get idle(): boolean {
    return this.#state === State.KeyLength && this.#box.size === 0 && this.#prefixHi < 0;
  }

  /**
   * Parses `data`, calling `onBox` for each box it completes. Called again from inside `onBox`,
   * it queues the bytes, which are parsed after the current ones.
   *
   * @throws TooLong when a key length prefix is above 255.
   * @throws AmpLimitExceeded when a box grows over `maxBoxSize` bytes or `maxKeys` keys.
   */
  feed(data: Uint8Array): void {
    if (this.#broken) return;
    if (this.#busy) {
      this.#queued.push(asBuffer(data));
      return;
    }
    this.#busy = true;
    try {
      this.#parse(asBuffer(data));
      while (this.#queued.length > 0 && !this.#broken) this.#parse(this.#queued.shift()!);
    } catch (e) {
      this.#broken = true;
      this.#queued = [];
      this.#body = null;
      throw e;
    } finally {
      this.#busy = false;
    }
  }

  #parse(work: Buffer): void {
    const n = work.length;
    let pos = 0;
    while (pos < n && !this.#broken) {
      const body = this.#body;
      if (body !== null) {
        const take = Math.min(this.#need - this.#filled, n - pos);
        work.copy(body, this.#filled, pos, pos + take);
        this.#filled += take;
        pos += take;
        if (this.#filled < this.#need) return;
        this.#body = null;
        this.#bodyDone(body, 0, body.length);
        continue;
      }
      let length: number;
      if (this.#prefixHi < 0 && n - pos >= 2) {
        length = (work[pos]! << 8) | work[pos + 1]!;
        pos += 2;
      } else if (this.#prefixHi < 0) {
        this.#prefixHi = work[pos++]!;
        return;
      } else {
        length = (this.#prefixHi << 8) | work[pos++]!;
        this.#prefixHi = -1;
      }
      this.#lengthDone(length);
      if (this.#state === State.KeyLength) continue; // a box just ended
      if (n - pos >= length) {
        this.#bodyDone(work, pos, pos + length);
        pos += length;
      } else {
        this.#body = Buffer.allocUnsafe(length);
        this.#need = length;
        this.#filled = 0;
      }
    }
  }

  /** A length prefix arrived: checks it and moves to reading its key or value. */
  #lengthDone(length: number): void {
    if (this.#state === State.KeyLength) {
      if (length === 0) {
        const box = this.#box;
        this.#box = new Map();
        this.#size = 0;
        this.#onBox(box);
        return;
      }
      if (length > MAX_KEY_LENGTH) throw new TooLong(true, false, length);
      if (this.#box.size >= this.#maxKeys) {
        throw new AmpLimitExceeded(`AMP box has more than ${this.#maxKeys} keys`);
      }
      this.#state = State.Key;
    } else {
      this.#state = State.Value;
    }
    this.#size += 2 + length;
    if (this.#size + 2 > this.#maxBoxSize) {
      throw new AmpLimitExceeded(`AMP box is larger than ${this.#maxBoxSize} bytes`);
    }
  }

  /** A key or value is complete in `buf[start, end)`. */
  #bodyDone(buf: Buffer, start: number, end: number): void {
    if (this.#state === State.Key) {
      this.#key = buf.toString("latin1", start, end);
      this.#state = State.ValueLength;
    } else {
      this.#box.set(this.#key, start === end ? EMPTY : buf.subarray(start, end));
      this.#state = State.KeyLength;
    }
  }
}

/**
 * Parses `bytes` that hold whole boxes only (the value of an `AmpList` argument). Unlike the
 * stream, this accepts empty boxes (an element whose optional fields are all absent).
 *
 * @throws MalformedAmpBox when the bytes end inside a box.
 * @throws TooLong / AmpLimitExceeded as {@link BoxParser.feed}.
 */
export function parseBoxes(bytes: Uint8Array, limits?: BoxParserLimits): AmpBox[] {
  const boxes: AmpBox[] = [];
  const parser = new BoxParser((box) => boxes.push(box), limits);
  parser.feed(bytes);
  if (!parser.idle) throw new MalformedAmpBox("Truncated AMP box in a nested box list");
  return boxes;
}

/** The latin1 bytes of a key, checked against the format's limit. */
export function keyBytes(key: string): Buffer {
  const k = Buffer.from(key, "latin1");
  if (k.length === 0 || k.length > MAX_KEY_LENGTH) throw new TooLong(true, true, k.length);
  return k;
}

/**
 * Accumulates the pairs of one box and serializes them into a single buffer. Keys given as
 * strings are encoded as latin1 (one byte per character).
 *
 * @example
 * ```ts
 * const w = new BoxWriter();
 * w.add("_command", Buffer.from("Sum"));
 * transport.write(w.finish());
 * ```
 */
export class BoxWriter {
  readonly #parts: Uint8Array[] = [];
  #length = 2;

  /** Number of pairs added so far. */
  get size(): number {
    return this.#parts.length >> 1;
  }

  /**
   * Adds a pair.
   *
   * @throws TooLong when the key is empty or longer than 255 bytes, or the value is longer
   *   than 65535 bytes.
   */
  add(key: string | Uint8Array, value: Uint8Array): this {
    const k = typeof key === "string" ? keyBytes(key) : key;
    if (k.length === 0 || k.length > MAX_KEY_LENGTH) throw new TooLong(true, true, k.length);
    if (value.length > MAX_VALUE_LENGTH) {
      throw new TooLong(false, true, value.length, Buffer.from(k).toString("latin1"));
    }
    this.#parts.push(k, value);
    this.#length += 4 + k.length + value.length;
    return this;
  }

  /** The serialized box: every pair added, then the terminator. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.#length);
    const parts = this.#parts;
    let pos = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      out[pos] = p.length >> 8;
      out[pos + 1] = p.length & 0xff;
      out.set(p, pos + 2);
      pos += 2 + p.length;
    }
    out[pos] = 0;
    out[pos + 1] = 0;
    return out;
  }
}

/**
 * Serializes a box (a `Map` or any iterable of pairs) in its iteration order.
 *
 * @throws TooLong when a key or value is over the format's limits.
 *
 * @example
 * ```ts
 * serializeBox(new Map([["hello", Buffer.from("world")]]));
 * // 00 05 "hello" 00 05 "world" 00 00
 * ```
 */
export function serializeBox(box: Iterable<readonly [string, Uint8Array]>): Buffer {
  const w = new BoxWriter();
  for (const [k, v] of box) w.add(k, v);
  return w.finish();
}
