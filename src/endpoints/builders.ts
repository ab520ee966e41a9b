/**
 * The standard endpoint types of description strings: `tcp`, `tcp6`, `ssl` and `unix`, for
 * servers and for clients. Each builder reads one {@link ParsedDescription} through
 * {@link Params} and makes the endpoint; `parser.ts` keeps them in its registry.
 *
 * @module
 */

import type {
  BindAddress,
  IReactorPluggableResolver,
  IReactorSSL,
  IReactorTCP,
  IReactorUNIX,
  TLSClientOptions,
  TLSServerOptions,
} from "../reactor/interfaces.js";
import type { IReactorTime } from "../time/interfaces.js";
import type { IStreamClientEndpoint, IStreamServerEndpoint } from "./interfaces.js";
import { PemFileError, readCertificates, readPrivateKey, readTrustRoots } from "./pem.js";
import { SSL4ClientEndpoint, SSL4ServerEndpoint } from "./ssl.js";
import { Params, type ParsedDescription } from "./syntax.js";
import {
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  TCP6ClientEndpoint,
  TCP6ServerEndpoint,
} from "./tcp.js";
import { UNIXClientEndpoint, UNIXServerEndpoint } from "./unix.js";

/** What the description parsers may use of a reactor. */
export type EndpointReactor = IReactorTCP &
  IReactorSSL &
  IReactorUNIX &
  IReactorTime &
  IReactorPluggableResolver;

/** Builds a server endpoint from a parsed description of its type. */
export type ServerParser = (
  reactor: EndpointReactor,
  parsed: ParsedDescription,
) => IStreamServerEndpoint;

/** Builds a client endpoint from a parsed description of its type. */
export type ClientParser = (
  reactor: EndpointReactor,
  parsed: ParsedDescription,
) => IStreamClientEndpoint;

/** Runs a PEM read, turning its error into the description's parse error. */
function pem<T>(p: Params, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof PemFileError) throw p.error(e.message, { cause: e.cause ?? e });
    throw e;
  }
}

const BACKLOG = { min: 1, max: 65535 };

// -----------------------------------------------------------------------------------------------
// Servers

/** `tcp:PORT[:interface=ADDR][:backlog=N]` and the same for `tcp6`. */
function tcpServer(v6: boolean): ServerParser {
  return (reactor, parsed) => {
    const p = new Params(
      parsed,
      `${parsed.type} server`,
      ["port"],
      ["port", "interface", "backlog"],
    );
    const options = {
      ...optional("interface", p.string("interface")),
      ...optional("backlog", p.int("backlog", BACKLOG)),
    };
    const port = p.port();
    return v6
      ? new TCP6ServerEndpoint(reactor, port, options)
      : new TCP4ServerEndpoint(reactor, port, options);
  };
}

/**
 * `ssl:PORT:privateKey=FILE[:certKey=FILE][:extraCertChain=FILE][:interface=ADDR][:backlog=N]`.
 * `certKey` defaults to the `privateKey` file (one PEM file with both); `extraCertChain` holds
 * intermediate certificates sent after the server's own.
 */
const sslServer: ServerParser = (reactor, parsed) => {
  const p = new Params(
    parsed,
    "ssl server",
    ["port"],
    ["port", "interface", "backlog", "privateKey", "certKey", "extraCertChain"],
  );
  const port = p.port();
  const keyFile = p.string("privateKey");
  if (keyFile === undefined) {
    throw p.error("ssl server endpoints need privateKey=<PEM file> (and certKey=<PEM file>)");
  }
  const certFile = p.string("certKey") ?? keyFile;
  const chainFile = p.string("extraCertChain");
  const key = pem(p, () => readPrivateKey("privateKey", keyFile));
  let cert = pem(p, () => readCertificates("certKey", certFile));
  if (chainFile !== undefined) {
    cert += `\n${pem(p, () => readCertificates("extraCertChain", chainFile))}`;
  }
  const tls: TLSServerOptions = { key, cert };
  return new SSL4ServerEndpoint(reactor, port, tls, {
    ...optional("interface", p.string("interface")),
    ...optional("backlog", p.int("backlog", BACKLOG)),
  });
};

/**
 * `unix:PATH[:mode=OCTAL][:backlog=N][:lockfile=0|1]`. As in Twisted, `lockfile` defaults to 1:
 * a `PATH.lock` file lets a later run remove a stale socket safely.
 */
const unixServer: ServerParser = (reactor, parsed) => {
  const p = new Params(
    parsed,
    "unix server",
    ["address"],
    ["address", "mode", "backlog", "lockfile"],
  );
  const path = p.string("address", { required: true });
  if (path === "") throw p.error("the socket path is empty");
  return new UNIXServerEndpoint(reactor, path, {
    ...optional("mode", p.octal("mode")),
    ...optional("backlog", p.int("backlog", BACKLOG)),
    wantPID: p.bool("lockfile") ?? true,
  });
};

// -----------------------------------------------------------------------------------------------
// Clients

/** The host, port, timeout and bindAddress of the `tcp`, `tcp6` and `ssl` clients. */
function tcpClientParams(p: Params) {
  const host = p.string("host", { required: true });
  if (host === "") throw p.error("the host is empty");
  const port = p.port();
  const bind = p.string("bindAddress");
  const bindAddress: BindAddress | undefined = bind === undefined ? undefined : { host: bind };
  return {
    host,
    port,
    options: {
      ...optional("timeout", p.seconds("timeout")),
      ...optional("bindAddress", bindAddress),
    },
  };
}

const TCP_CLIENT_PARAMS = ["host", "port", "timeout", "bindAddress"];

/** `tcp:HOST:PORT` or `tcp:host=HOST:port=PORT`, with `timeout=SECONDS`, `bindAddress=ADDR`. */
function tcpClient(v6: boolean): ClientParser {
  return (reactor, parsed) => {
    const p = new Params(parsed, `${parsed.type} client`, ["host", "port"], TCP_CLIENT_PARAMS);
    const { host, port, options } = tcpClientParams(p);
    return v6
      ? new TCP6ClientEndpoint(reactor, host, port, options)
      : new TCP4ClientEndpoint(reactor, host, port, options);
  };
}

/**
 * `ssl:HOST:PORT` plus the tcp client's parameters and: `trustRoots=PATH` (a PEM file or a
 * directory of them; default: the system's CAs; `caCertsDir` is accepted as Twisted's name for
 * a directory), `certificate=FILE` and `privateKey=FILE` for a client certificate (either
 * defaults to the other when one file holds both; `certKey` is Twisted's name for
 * `certificate`), `hostname=NAME` to verify and send as SNI instead of HOST.
 */
const sslClient: ClientParser = (reactor, parsed) => {
  const p = new Params(
    parsed,
    "ssl client",
    ["host", "port"],
    [
      ...TCP_CLIENT_PARAMS,
      "trustRoots",
      "caCertsDir",
      "certificate",
      "certKey",
      "privateKey",
      "hostname",
    ],
  );
  const { host, port, options } = tcpClientParams(p);
  const tls: TLSClientOptions = {};
  const rootsParam = p.has("trustRoots") ? "trustRoots" : "caCertsDir";
  if (p.has("trustRoots") && p.has("caCertsDir")) {
    throw p.error("give trustRoots or caCertsDir, not both");
  }
  const roots = p.string(rootsParam);
  if (roots !== undefined) tls.trustRoot = pem(p, () => readTrustRoots(rootsParam, roots));
  if (p.has("certificate") && p.has("certKey")) {
    throw p.error("give certificate or certKey, not both");
  }
  const certParam = p.has("certificate") ? "certificate" : "certKey";
  const certFile = p.string(certParam);
  const keyFile = p.string("privateKey");
  if (certFile !== undefined || keyFile !== undefined) {
    // One file may hold both: each defaults to the other.
    const [cParam, cFile] =
      certFile !== undefined ? [certParam, certFile] : ["privateKey", keyFile!];
    const [kParam, kFile] =
      keyFile !== undefined ? ["privateKey", keyFile] : [certParam, certFile!];
    tls.clientCertificate = {
      cert: pem(p, () => readCertificates(cParam, cFile)),
      key: pem(p, () => readPrivateKey(kParam, kFile)),
    };
  }
  const hostname = p.string("hostname");
  if (hostname !== undefined) tls.hostname = hostname;
  return new SSL4ClientEndpoint(reactor, host, port, tls, options);
};

/** `unix:PATH` or `unix:path=PATH`, with `timeout=SECONDS`. */
const unixClient: ClientParser = (reactor, parsed) => {
  const p = new Params(parsed, "unix client", ["path"], ["path", "timeout"]);
  const path = p.string("path", { required: true });
  if (path === "") throw p.error("the socket path is empty");
  return new UNIXClientEndpoint(reactor, path, { ...optional("timeout", p.seconds("timeout")) });
};

/** `{ [key]: value }` when `value` is defined, else `{}` (for exactOptional-friendly spreads). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The server types every description parser knows. */
export const standardServerParsers: ReadonlyMap<string, ServerParser> = new Map([
  ["tcp", tcpServer(false)],
  ["tcp6", tcpServer(true)],
  ["ssl", sslServer],
  ["unix", unixServer],
]);

/** The client types every description parser knows. */
export const standardClientParsers: ReadonlyMap<string, ClientParser> = new Map([
  ["tcp", tcpClient(false)],
  ["tcp6", tcpClient(true)],
  ["ssl", sslClient],
  ["unix", unixClient],
]);
