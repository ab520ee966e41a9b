/**
 * Writing outgoing frames for the line protocols.
 *
 * A line given as bytes is written as is, followed by the delimiter: no copy is made here, since
 * the stream transport copies small writes into one buffer per turn of the event loop and keeps
 * large ones by reference. A line given as a string is encoded once, into a buffer that holds the
 * delimiter too.
 *
 * @module
 * @internal
 */

import type { ITransport } from "../../protocol/interfaces.js";

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
  } else {
    transport.write(line);
    transport.write(delimiter);
  }
}
