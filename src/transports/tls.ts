/**
 * TLS plumbing shared by `listenSSL`, `connectSSL` and `startTLS`: turning Braid's
 * {@link TLSServerOptions} / {@link TLSClientOptions} into Node's, and wrapping a connected
 * `net.Socket` in a `tls.TLSSocket` for either side of the handshake.
 *
 * The client side verifies the peer's certificate chain and host name unless
 * `insecureSkipVerify` is set; `trustRoot` replaces the system's CAs.
 *
 * @module
 */

import { isIP, type Socket } from "node:net";
import {
  type ConnectionOptions,
  checkServerIdentity,
  createSecureContext,
  type PeerCertificate,
  type SecureContext,
  TLSSocket,
  connect as tlsConnect,
} from "node:tls";
import type { TLSClientOptions, TLSServerOptions } from "../reactor/interfaces.js";

/** The lowest TLS version Braid accepts unless told otherwise. */
const DEFAULT_MIN_VERSION = "TLSv1.2";

/**
 * A prepared server-side TLS configuration: one secure context shared by every connection of a
 * port (building a context parses keys and certificates, which is too slow to do per connection).
 */
export interface ServerTLSConfig {
  /** The shared context. */
  readonly secureContext: SecureContext;
  /** Ask clients for a certificate. */
  readonly requestCert: boolean;
  /** Refuse clients without a valid certificate (only with `requestCert`). */
  readonly rejectUnauthorized: boolean;
  /** ALPN protocols offered. */
  readonly ALPNProtocols: string[] | undefined;
}

/**
 * Builds the server configuration for `options`.
 *
 * @throws the error of `tls.createSecureContext` when a key or certificate cannot be parsed.
 */
export function serverTLSConfig(options: TLSServerOptions): ServerTLSConfig {
  const secureContext = createSecureContext({
    key: options.key as string,
    cert: options.cert as string,
    ...(options.ca !== undefined ? { ca: options.ca as string } : {}),
    minVersion: options.minVersion ?? DEFAULT_MIN_VERSION,
  });
  return {
    secureContext,
    requestCert: options.requestCert ?? false,
    rejectUnauthorized: options.rejectUnauthorized ?? options.requestCert ?? false,
    ALPNProtocols: options.ALPNProtocols,
  };
}

/** Whether `x` is an already prepared {@link ServerTLSConfig}. */
function isServerConfig(x: TLSServerOptions | ServerTLSConfig): x is ServerTLSConfig {
  return (x as ServerTLSConfig).secureContext !== undefined;
}

/**
 * Wraps an accepted (or live) socket as the server side of a TLS handshake. The handshake starts
 * when the client's hello arrives; writes made before it completes are held by Node and sent
 * encrypted once it is done.
 */
export function wrapServerSocket(
  raw: Socket,
  options: TLSServerOptions | ServerTLSConfig,
): TLSSocket {
  const config = isServerConfig(options) ? options : serverTLSConfig(options);
  const socket = new TLSSocket(raw, {
    isServer: true,
    secureContext: config.secureContext,
    requestCert: config.requestCert,
    rejectUnauthorized: config.rejectUnauthorized,
    ...(config.ALPNProtocols !== undefined ? { ALPNProtocols: config.ALPNProtocols } : {}),
  });
  raw.on("error", ignoreError);
  return socket;
}

/**
 * The Node options for the client side of a handshake with `hostname` (the name connected to,
 * used for verification and SNI unless `options.hostname` overrides it).
 */
export function clientTLSOptions(options: TLSClientOptions, hostname: string): ConnectionOptions {
  const verifyName = options.hostname ?? hostname;
  const skip = options.insecureSkipVerify === true;
  const result: ConnectionOptions = {
    host: verifyName,
    rejectUnauthorized: !skip,
    minVersion: options.minVersion ?? DEFAULT_MIN_VERSION,
    checkServerIdentity: skip
      ? () => undefined
      : (_host: string, cert: PeerCertificate) => checkServerIdentity(verifyName, cert),
  };
  // SNI carries names only (RFC 6066): never send an IP address.
  if (isIP(verifyName) === 0) result.servername = verifyName;
  if (options.trustRoot !== undefined) result.ca = options.trustRoot as string;
  if (options.clientCertificate !== undefined) {
    result.key = options.clientCertificate.key as string;
    result.cert = options.clientCertificate.cert as string;
  }
  if (options.ALPNProtocols !== undefined) result.ALPNProtocols = options.ALPNProtocols;
  return result;
}

/**
 * Wraps a connected socket as the client side of a TLS handshake, which starts at once. Writes
 * made before it completes are held by Node and sent encrypted once it is done; a failed
 * verification destroys the socket with the verification error.
 */
export function wrapClientSocket(raw: Socket, nodeOptions: ConnectionOptions): TLSSocket {
  const socket = tlsConnect({ ...nodeOptions, socket: raw });
  raw.on("error", ignoreError);
  return socket;
}

/**
 * Errors of the raw socket under a TLS socket are reported by the TLS socket itself; this keeps
 * the raw one from throwing an unhandled 'error'.
 */
function ignoreError(): void {}

/**
 * Whether `err` comes from TLS (OpenSSL or Node's TLS layer) rather than from the network.
 */
export function isTLSError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; library?: unknown };
  if (typeof e.library === "string") return true;
  const code = typeof e.code === "string" ? e.code : "";
  return (
    code.startsWith("ERR_SSL") ||
    code.startsWith("ERR_TLS") ||
    code.includes("CERT") ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" ||
    code === "SELF_SIGNED_CERT_IN_CHAIN" ||
    code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
  );
}
