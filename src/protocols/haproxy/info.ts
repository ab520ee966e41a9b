/**
 * What a PROXY protocol header says about a proxied connection, and the address helpers both
 * header versions share (IP text forms, checked without `node:net`).
 *
 * @module
 */

import type { Address } from "../../protocol/address.js";

/** The result of parsing a PROXY header. */
export interface ProxyInfo {
  /** The raw header bytes, as received. */
  readonly header: Uint8Array;
  /** The original client's address; `null` for `UNKNOWN` (v1) or `LOCAL` / `UNSPEC` (v2). */
  readonly source: Address | null;
  /** The address the client connected to (on the proxy); `null` like {@link source}. */
  readonly destination: Address | null;
}

/** What a parser's `feed` returns: the header once complete, and the bytes after it. */
export interface FeedResult {
  /** The parsed header, or `null` while more bytes are needed. */
  readonly info: ProxyInfo | null;
  /** The bytes received after the header (empty until the header is complete). */
  readonly remaining: Uint8Array;
}

/** Whether `s` is a dotted-quad IPv4 address (no leading zeros, each part 0–255). */
export function isIPv4(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return false;
  }
  return true;
}

/** Whether `s` is a textual IPv6 address (RFC 4291 §2.2, with an optional dotted-quad tail). */
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let text = s;
  let groupsNeeded = 8;
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.includes(".", lastColon)) {
    if (!isIPv4(text.slice(lastColon + 1))) return false;
    // Keep the colon(s) before the IPv4 part, so that "::1.2.3.4" still reads as "::".
    text = `${text.slice(0, lastColon + 1)}0`;
    groupsNeeded = 7;
  }
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  for (const g of [...left, ...right]) if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
  const count = left.length + right.length;
  // The dotted-quad tail was replaced by one group; it counts for two.
  const total = groupsNeeded === 7 ? count + 1 : count;
  return halves.length === 2 ? total <= 7 : total === 8;
}

/** The dotted-quad text of 4 bytes at `offset`. */
export function formatIPv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * The RFC 5952 text of the 16 bytes at `offset`: lower case, the longest run of two or more
 * zero groups shortened to `::`; IPv4-mapped addresses as `::ffff:a.b.c.d`, as Node shows them.
 */
export function formatIPv6(bytes: Uint8Array, offset: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** A port number from its decimal text, or `null` when it is not one (0–65535, no sign). */
export function parsePort(s: string): number | null {
  if (!/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}
