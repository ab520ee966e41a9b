/**
 * Writing outgoing frames for the line protocols.
 *
 * A short line and its delimiter go to the transport as ONE chunk: the transport coalesces every
 * write of a loop turn anyway, so one chunk per line instead of two halves the bookkeeping on the
 * hot path of a line protocol (measured by `bench/line-pingpong.ts`). A long line is written as
 * is, followed by the delimiter, since copying it would cost more than a second chunk.
 *
 * @module
 * @internal
 */

import type { ITransport } from "../../protocol/interfaces.js";

/** Lines at most this long are copied into one chunk with their delimiter. */
const COPY_LIMIT = 8 * 1024;

/** Writes `line` (UTF-8 when a string) and then `delimiter` to `transport`. */
export function writeLine(
  transport: ITransport,
  line: Uint8Array | string,
  delimiter: Uint8Array,
): void {
  if (typeof line === "string") {
    const n = Buffer.byteLength(line, "utf8");
    const out = Buffer.allocUnsafe(n + delimiter.length);
    out.write(line, 0, "utf8");
    out.set(delimiter, n);
    transport.write(out);
  } else if (line.length <= COPY_LIMIT) {
    const out = Buffer.allocUnsafe(line.length + delimiter.length);
    out.set(line, 0);
    out.set(delimiter, line.length);
    transport.write(out);
  } else {
    transport.write(line);
    transport.write(delimiter);
  }
}
