/**
 * Helpers for the framing-protocol tests: bytes from text, ways to cut an input into chunks, and
 * a fast-check arbitrary for cut points.
 */
import fc from "fast-check";
import type { IProtocol } from "../../src/protocol/interfaces.js";
import { StringTransport } from "../../src/testing/stringtransport.js";

/** UTF-8 bytes of `s` (latin1 when `binary`), as a plain Uint8Array (not a Buffer). */
export function b(s: string, binary = false): Uint8Array {
  return new Uint8Array(Buffer.from(s, binary ? "latin1" : "utf8"));
}

/** `u8` as latin1 text, to compare messages readably. */
export function t(u8: Uint8Array): string {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("latin1");
}

/** Concatenation of byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** `input` cut into pieces of `size` bytes (the last may be shorter). */
export function chunksOf(input: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.slice(i, i + size));
  return out;
}

/** `input` cut at the given offsets (sorted, deduplicated, clamped). */
export function cutAt(input: Uint8Array, points: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(points.map((p) => Math.min(Math.max(p, 0), input.length)))].sort(
    (x, y) => x - y,
  );
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(input.slice(prev, c));
    prev = c;
  }
  out.push(input.slice(prev));
  return out;
}

/** Every way of chunking `input` the style guide asks for (except the random ones). */
export function standardChunkings(input: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [[input]];
  for (let size = 1; size <= input.length; size++) ways.push(chunksOf(input, size));
  return ways;
}

/** Arbitrary cut points for an input of `length` bytes. */
export function cutPoints(length: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: length }), { maxLength: Math.min(length + 1, 40) });
}

/** Connects `proto` to a new StringTransport and returns the transport. */
export function connect(proto: IProtocol): StringTransport {
  const tr = new StringTransport();
  proto.makeConnection(tr);
  return tr;
}

/** Feeds each chunk to `proto.dataReceived`. */
export function feed(proto: IProtocol, chunks: readonly Uint8Array[]): void {
  for (const c of chunks) proto.dataReceived(c);
}
