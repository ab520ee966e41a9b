/** Helpers for the PROXY protocol tests: header builders for both versions. */
import { V2_SIGNATURE } from "../../../src/protocols/haproxy/v2parser.js";

/** A v2 header: `command` 0 LOCAL / 1 PROXY, `family` 0–3, `protocol` 0–2, address block, TLVs. */
export function v2Header(opts: {
  version?: number;
  command?: number;
  family: number;
  protocol: number;
  addresses?: Uint8Array;
  tlvs?: Uint8Array;
  length?: number;
}): Uint8Array {
  const addresses = opts.addresses ?? new Uint8Array(0);
  const tlvs = opts.tlvs ?? new Uint8Array(0);
  const bodyLength = opts.length ?? addresses.length + tlvs.length;
  const out = new Uint8Array(16 + addresses.length + tlvs.length);
  out.set(V2_SIGNATURE, 0);
  out[12] = ((opts.version ?? 2) << 4) | (opts.command ?? 1);
  out[13] = (opts.family << 4) | opts.protocol;
  out[14] = bodyLength >> 8;
  out[15] = bodyLength & 0xff;
  out.set(addresses, 16);
  out.set(tlvs, 16 + addresses.length);
  return out;
}

/** The v2 address block for IPv4 source and destination. */
export function ipv4Block(src: number[], dst: number[], sport: number, dport: number): Uint8Array {
  return new Uint8Array([...src, ...dst, sport >> 8, sport & 0xff, dport >> 8, dport & 0xff]);
}

/** The v2 address block for IPv6 (16 bytes each). */
export function ipv6Block(src: number[], dst: number[], sport: number, dport: number): Uint8Array {
  return new Uint8Array([...src, ...dst, sport >> 8, sport & 0xff, dport >> 8, dport & 0xff]);
}

/** The v2 address block for UNIX sockets (108 NUL-padded bytes each). */
export function unixBlock(src: string, dst: string): Uint8Array {
  const out = new Uint8Array(216);
  out.set(Buffer.from(src, "latin1"), 0);
  out.set(Buffer.from(dst, "latin1"), 108);
  return out;
}
