/**
 * `serverFromString` / `clientFromString`: endpoints from description strings such as
 * `"tcp:8080:interface=127.0.0.1"` or `"unix:path=/run/app.sock"`, so that where a program
 * listens or connects is configuration, not code.
 *
 * The syntax (Twisted's) is in `syntax.ts`, the standard types (`tcp`, `tcp6`, `ssl`, `unix`) in
 * `builders.ts`; this module keeps the registry of types, which other areas extend with
 * {@link registerServerParser} / {@link registerClientParser}.
 *
 * A bare port number (`"8080"`), which Twisted once read as `tcp:8080` and later deprecated, is
 * rejected with a message that suggests `tcp:8080`.
 *
 * @module
 */

import { EndpointParseError } from "../errors/errors.js";
import {
  type ClientParser,
  type EndpointReactor,
  type ServerParser,
  standardClientParsers,
  standardServerParsers,
} from "./builders.js";
import type { IStreamClientEndpoint, IStreamServerEndpoint } from "./interfaces.js";
import { parseDescription } from "./syntax.js";

const serverParsers = new Map<string, ServerParser>(standardServerParsers);
const clientParsers = new Map<string, ClientParser>(standardClientParsers);

const PREFIX = /^[a-z][a-z0-9+.-]*$/;

function register<P>(
  registry: Map<string, P>,
  side: string,
  prefix: string,
  parser: P,
): () => void {
  const key = prefix.toLowerCase();
  if (!PREFIX.test(key)) {
    throw new RangeError(`Invalid endpoint type name ${JSON.stringify(prefix)}`);
  }
  if (registry.has(key)) {
    throw new RangeError(`A ${side} endpoint type "${key}" is already registered`);
  }
  registry.set(key, parser);
  return () => {
    if (registry.get(key) === parser) registry.delete(key);
  };
}

/**
 * Adds a server endpoint type: descriptions starting with `prefix:` are built by `parser`, which
 * receives the parsed description (its `rest` is the raw text after the prefix, to hand to
 * {@link serverFromString} for types that wrap another endpoint).
 *
 * @returns a function that removes the type again.
 * @throws RangeError when `prefix` is not a valid type name or is already registered.
 *
 * @example
 * ```ts
 * registerServerParser("logged", (reactor, parsed) =>
 *   new LoggingServerEndpoint(serverFromString(reactor, parsed.rest)));
 * serverFromString(reactor, "logged:tcp:8080");
 * ```
 */
export function registerServerParser(prefix: string, parser: ServerParser): () => void {
  return register(serverParsers, "server", prefix, parser);
}

/**
 * Adds a client endpoint type; see {@link registerServerParser}.
 *
 * @returns a function that removes the type again.
 * @throws RangeError when `prefix` is not a valid type name or is already registered.
 */
export function registerClientParser(prefix: string, parser: ClientParser): () => void {
  return register(clientParsers, "client", prefix, parser);
}

function unknownType(description: string, type: string, side: string, known: Iterable<string>) {
  const hint = /^\d+$/.test(type)
    ? `a bare port number is not an endpoint description; write "tcp:${type}"`
    : `unknown endpoint type "${type}" (${side} types: ${[...known].join(", ")})`;
  return new EndpointParseError(description, hint);
}

/**
 * Makes the server endpoint a description string names.
 *
 * Types: `tcp:PORT` (parameters `interface`, `backlog`), `tcp6:PORT` (the same; interface
 * defaults to `::`), `ssl:PORT:privateKey=FILE` (plus `certKey`, `extraCertChain`, `interface`,
 * `backlog`; PEM files are read now), `unix:PATH` (`mode` in octal, `backlog`, `lockfile`,
 * which defaults to 1 as in Twisted: a `PATH.lock` file guards against removing a live socket).
 * Escape `:` `=` and `\` in values with a backslash (see `quoteStringArgument`).
 *
 * @throws {@link EndpointParseError} (`ERR_ENDPOINT_SYNTAX`) naming what is wrong: unknown type,
 *   missing or malformed argument, unknown parameter, unreadable PEM file.
 *
 * @example
 * ```ts
 * const endpoint = serverFromString(reactor, "tcp:8080:interface=127.0.0.1:backlog=100");
 * const port = await endpoint.listen(Factory.forProtocol(Echo));
 *
 * serverFromString(reactor, "tcp6:8080:interface=\\:\\:1");
 * serverFromString(reactor, "ssl:8443:privateKey=key.pem:certKey=cert.pem");
 * serverFromString(reactor, "unix:/run/app.sock:mode=660");
 * ```
 */
export function serverFromString(
  reactor: EndpointReactor,
  description: string,
): IStreamServerEndpoint {
  const parsed = parseDescription(description);
  const parser = serverParsers.get(parsed.type);
  if (parser === undefined) {
    throw unknownType(description, parsed.type, "server", serverParsers.keys());
  }
  return parser(reactor, parsed);
}

/**
 * Makes the client endpoint a description string names.
 *
 * Types: `tcp:HOST:PORT` or `tcp:host=HOST:port=PORT` (parameters `timeout` in seconds,
 * `bindAddress`), `tcp6:…` (the same, over IPv6), `ssl:HOST:PORT` (plus `trustRoots` — a PEM
 * file or directory —, `certificate` and `privateKey` for a client certificate, `hostname`),
 * `unix:PATH` or `unix:path=PATH` (`timeout`).
 *
 * @throws {@link EndpointParseError} (`ERR_ENDPOINT_SYNTAX`) naming what is wrong.
 *
 * @example
 * ```ts
 * const endpoint = clientFromString(reactor, "tcp:host=example.com:port=80:timeout=5");
 * const proto = await endpoint.connect(Factory.forProtocol(HttpClient));
 *
 * clientFromString(reactor, "ssl:example.com:443:trustRoots=/etc/my-ca.pem");
 * clientFromString(reactor, "unix:path=/run/app.sock");
 * ```
 */
export function clientFromString(
  reactor: EndpointReactor,
  description: string,
): IStreamClientEndpoint {
  const parsed = parseDescription(description);
  const parser = clientParsers.get(parsed.type);
  if (parser === undefined) {
    throw unknownType(description, parsed.type, "client", clientParsers.keys());
  }
  return parser(reactor, parsed);
}
