/**
 * Writing PROXY protocol headers: what a Braid proxy or load balancer sends first on its
 * connection to a server, so that the server (behind `HAProxyWrappingFactory`, HAProxy, nginx,
 * …) learns who the client really is. The inverse of the parsers in `v1parser.ts` and
 * `v2parser.ts` (HAProxy's proxy-protocol.txt). Twisted only reads these headers; writing them
 * is Braid's addition.
 *
 * @module
 */

import type { Address, IPv4Address, IPv6Address, UNIXAddress } from "../../protocol/address.js";
import { isIPv4, isIPv6 } from "./info.js";
import { V2_FIXED_LENGTH, V2_SIGNATURE } from "./v2parser.js";

type IPAddress = IPv4Address | IPv6Address;

/** The text of an IP address without an IPv6 zone (`fe80::1%eth0`): headers cannot carry one. */
function hostOf(a: IPAddress): string {
  const host = a.family === "IPv6" ? a.host.replace(/%.*$/, "") : a.host;
  if (a.family === "IPv4" ? !isIPv4(host) : !isIPv6(host)) {
    throw new RangeError(`Not an ${a.family} address: ${JSON.stringify(a.host)}`);
  }
  return host;
}

function checkPort(a: IPAddress): number {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) {
    throw new RangeError(`Not a port number: ${a.port}`);
  }
  return a.port;
}

/** The dotted quad inside an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`), or `null`. */
function mappedIPv4(host: string): string | null {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return m !== null && isIPv4(m[1]!) ? m[1]! : null;
}

/**
 * Both addresses in one family, as the headers require: IPv4 when both can be (an IPv4-mapped
 * IPv6 address is unmapped), else IPv6 (an IPv4 address is mapped).
 */
function sameFamily(
  source: IPAddress,
  destination: IPAddress,
): { v4: boolean; src: string; dst: string } {
  const s = hostOf(source);
  const d = hostOf(destination);
  const s4 = source.family === "IPv4" ? s : mappedIPv4(s);
  const d4 = destination.family === "IPv4" ? d : mappedIPv4(d);
  if (s4 !== null && d4 !== null) return { v4: true, src: s4, dst: d4 };
  return {
    v4: false,
    src: source.family === "IPv4" ? `::ffff:${s}` : s,
    dst: destination.family === "IPv4" ? `::ffff:${d}` : d,
  };
}

function isIP(a: Address | null): a is IPAddress {
  return a !== null && (a.family === "IPv4" || a.family === "IPv6");
}

/**
 * The v1 (text) header for a TCP connection from `source` to `destination`: `PROXY TCP4 …` or
 * `PROXY TCP6 …`, or `PROXY UNKNOWN` when either address is missing or not an IP address (a
 * UNIX socket: the server then uses the connection's own addresses).
 *
 * @throws RangeError for a malformed host or port, or a UDP address (v1 describes TCP only).
 *
 * @example
 * ```ts
 * // In a proxy's connection to its backend, before relaying anything:
 * backend.write(formatV1Header(client.getPeer(), client.getHost()));
 * ```
 */
export function formatV1Header(source: Address | null, destination: Address | null): Uint8Array {
  if (!isIP(source) || !isIP(destination)) return Buffer.from("PROXY UNKNOWN\r\n", "latin1");
  if (source.type !== "TCP" || destination.type !== "TCP") {
    throw new RangeError("A v1 PROXY header describes TCP connections only; use v2 for UDP");
  }
  const { v4, src, dst } = sameFamily(source, destination);
  const line = `PROXY ${v4 ? "TCP4" : "TCP6"} ${src} ${dst} ${checkPort(source)} ${checkPort(destination)}\r\n`;
  return Buffer.from(line, "latin1");
}

/** The length of a UNIX socket path field in a v2 header. */
const UNIX_PATH_BYTES = 108;

/**
 * The v2 (binary) header for a connection from `source` to `destination`: TCP or UDP over IPv4
 * or IPv6, or a UNIX stream socket. Without both addresses it is a `LOCAL` header (the proxy
 * speaking for itself, e.g. a health check), which tells the server to use the connection's own
 * addresses.
 *
 * @throws RangeError for a malformed host or port, addresses of different kinds (IP and UNIX,
 *   TCP and UDP), or a socket path longer than 108 bytes.
 *
 * @example
 * ```ts
 * backend.write(formatV2Header(client.getPeer(), client.getHost()));
 * ```
 */
export function formatV2Header(source: Address | null, destination: Address | null): Uint8Array {
  if (source === null || destination === null) return v2Header(0x20, 0x00, 0);
  if (source.family === "UNIX" || destination.family === "UNIX") {
    if (source.family !== "UNIX" || destination.family !== "UNIX") {
      throw new RangeError("A PROXY header cannot mix a UNIX socket with an IP address");
    }
    const out = v2Header(0x21, 0x31, 2 * UNIX_PATH_BYTES);
    writePath(out, V2_FIXED_LENGTH, source);
    writePath(out, V2_FIXED_LENGTH + UNIX_PATH_BYTES, destination);
    return out;
  }
  if (source.type !== destination.type) {
    throw new RangeError("A PROXY header cannot mix a TCP address with a UDP one");
  }
  const transport = source.type === "TCP" ? 0x1 : 0x2;
  const { v4, src, dst } = sameFamily(source, destination);
  const sport = checkPort(source);
  const dport = checkPort(destination);
  // Both addresses, then both ports: 4 + 4 + 2 + 2 bytes for IPv4, 16 + 16 + 2 + 2 for IPv6.
  const size = v4 ? 4 : 16;
  const writeIP = v4 ? writeIPv4 : writeIPv6;
  const at = V2_FIXED_LENGTH;
  const out = v2Header(0x21, (v4 ? 0x10 : 0x20) | transport, 2 * size + 4);
  writeIP(out, at, src);
  writeIP(out, at + size, dst);
  out.writeUInt16BE(sport, at + 2 * size);
  out.writeUInt16BE(dport, at + 2 * size + 2);
  return out;
}

/** A zeroed v2 header with its fixed part written, `length` bytes of addresses to fill. */
function v2Header(versionCommand: number, familyProtocol: number, length: number): Buffer {
  const out = Buffer.alloc(V2_FIXED_LENGTH + length);
  out.set(V2_SIGNATURE, 0);
  out[12] = versionCommand;
  out[13] = familyProtocol;
  out.writeUInt16BE(length, 14);
  return out;
}

function writePath(out: Buffer, at: number, a: UNIXAddress): void {
  const path = Buffer.from(a.name ?? "", "latin1");
  if (path.length > UNIX_PATH_BYTES) {
    throw new RangeError(
      `A socket path in a PROXY header is at most 108 bytes, not ${path.length}`,
    );
  }
  out.set(path, at); // the rest stays NUL
}

function writeIPv4(out: Buffer, at: number, host: string): void {
  const parts = host.split(".");
  for (let i = 0; i < 4; i++) out[at + i] = Number(parts[i]);
}

/** Writes the 16 bytes of a valid IPv6 text (as `isIPv6` accepts it) at `at`. */
function writeIPv6(out: Buffer, at: number, host: string): void {
  let text = host;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    // A dotted-quad tail is the last two groups.
    const q = text
      .slice(lastColon + 1)
      .split(".")
      .map(Number) as [number, number, number, number];
    tail.push((q[0] << 8) | q[1], (q[2] << 8) | q[3]);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1); // "a:b:" is "a:b", but "a::" stays
  }
  const groups = (h: string) => (h === "" ? [] : h.split(":").map((g) => Number.parseInt(g, 16)));
  const halves = text.split("::");
  let words: number[];
  if (halves.length === 2) {
    const left = groups(halves[0]!);
    const right = [...groups(halves[1]!), ...tail];
    words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    words = [...groups(text), ...tail];
  }
  for (let i = 0; i < 8; i++) out.writeUInt16BE(words[i]!, at + 2 * i);
}
