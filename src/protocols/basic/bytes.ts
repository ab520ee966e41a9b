/**
 * Byte helpers shared by the framing protocols of `braid/protocols`: viewing a `Uint8Array` as a
 * `Buffer` without copying, a growable accumulator for the bytes of an unfinished message, and
 * the search for a delimiter that straddles two chunks.
 *
 * Internal: not exported from `braid/protocols`.
 *
 * @module
 */

/** An empty buffer, shared. */
export const EMPTY: Buffer = Buffer.alloc(0);

/** Views `data` as a `Buffer` over the same memory (no copy; `data` itself when it is one). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A private copy of a delimiter given as bytes or as a string (UTF-8 encoded).
 *
 * @throws RangeError when the delimiter is empty.
 */
export function delimiterBytes(value: Uint8Array | string): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
  if (bytes.length === 0) throw new RangeError("A line delimiter cannot be empty");
  return bytes;
}

/** Tails shorter than this are copied when kept; longer ones are kept as views of their chunk. */
const COPY_BELOW = 8192;

/**
 * The bytes of an unfinished message, appended to with amortised doubling.
 *
 * `buf[0, len)` holds the bytes. Bytes beyond `len` are written only while `len < buf.length`,
 * so a buffer adopted as a view (`len === buf.length`) is never written into: the next append
 * moves to a fresh buffer. {@link take} hands the bytes out and forgets the buffer, so what it
 * returns is never overwritten.
 */
export class ByteAccumulator {
  /** Storage; `null` when nothing is held and no scratch is kept. */
  buf: Buffer | null = null;
  /** Number of bytes held. */
  len = 0;

  /** Appends `data[start, end)`. */
  append(data: Buffer, start = 0, end: number = data.length): void {
    const n = end - start;
    if (n <= 0) return;
    const need = this.len + n;
    let buf = this.buf;
    if (buf === null || buf.length < need) {
      const size = buf === null ? Math.max(need, 128) : Math.max(need, buf.length * 2);
      const grown = Buffer.allocUnsafe(size);
      if (buf !== null && this.len > 0) buf.copy(grown, 0, 0, this.len);
      this.buf = buf = grown;
    }
    data.copy(buf, this.len, start, end);
    this.len = need;
  }

  /**
   * Keeps `tail` (the unparsed end of a chunk) when nothing is held: short tails are copied so a
   * large chunk is not kept alive for a few bytes; long ones are adopted as views.
   */
  keep(tail: Buffer): void {
    if (this.len > 0 || tail.length < COPY_BELOW) {
      this.append(tail);
    } else {
      this.buf = tail;
      this.len = tail.length;
    }
  }

  /** Hands out the held bytes (no copy) and forgets them and the buffer. */
  take(): Buffer {
    const buf = this.buf;
    const out = buf === null ? EMPTY : buf.subarray(0, this.len);
    this.buf = null;
    this.len = 0;
    return out;
  }

  /**
   * Forgets the held bytes and the buffer (which may be an adopted view of a chunk: it is never
   * written into).
   */
  clear(): void {
    this.buf = null;
    this.len = 0;
  }
}

/**
 * Finds the first `delim` in the bytes held by `acc` followed by `chunk`, given that `acc` holds
 * no complete delimiter. Returns the offset in `chunk` just past the delimiter's end, or -1.
 * The delimiter may begin inside `acc` (a `\r` at the end of one chunk, `\n` at the start of the
 * next); the line then ends at `acc.len + result - delim.length` counted from the start of `acc`.
 */
export function findAcross(acc: ByteAccumulator, chunk: Buffer, delim: Buffer): number {
  const dlen = delim.length;
  const held = acc.buf;
  const len = acc.len;
  if (held !== null && dlen > 1) {
    // The delimiter starts k bytes before the end of what is held; the largest k is earliest.
    for (let k = Math.min(dlen - 1, len); k >= 1; k--) {
      const rest = dlen - k;
      if (chunk.length < rest) continue;
      let ok = true;
      for (let j = 0; j < k; j++) {
        if (held[len - k + j] !== delim[j]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      for (let j = 0; j < rest; j++) {
        if (chunk[j] !== delim[k + j]) {
          ok = false;
          break;
        }
      }
      if (ok) return rest;
    }
  }
  const i = dlen === 1 ? chunk.indexOf(delim[0]!) : chunk.indexOf(delim);
  return i < 0 ? -1 : i + dlen;
}
