/**
 * The `haproxy:` endpoint type: `serverFromString(reactor, "haproxy:tcp:8080")` listens like
 * `tcp:8080`, with every connection's factory wrapped in {@link HAProxyWrappingFactory}, so
 * protocols see the real client behind a load balancer that sends the PROXY protocol.
 *
 * Importing this module registers the type ({@link registerHAProxyEndpoint} runs at load; calling
 * it again does nothing). It uses only the endpoint interfaces and registry, no socket module.
 *
 * @module
 */

import type { Deferred } from "../../defer/deferred.js";
import type { IStreamServerEndpoint } from "../../endpoints/interfaces.js";
import { registerServerParser, serverFromString } from "../../endpoints/parser.js";
import type { IProtocolFactory } from "../../protocol/interfaces.js";
import type { IListeningPort } from "../../reactor/interfaces.js";
import { HAProxyWrappingFactory } from "./wrapper.js";

/**
 * A server endpoint that wraps another: it listens with the inner endpoint, giving it the
 * factory wrapped in {@link HAProxyWrappingFactory}.
 *
 * @example
 * ```ts
 * const endpoint = new HAProxyServerEndpoint(new TCP4ServerEndpoint(reactor, 8080));
 * await endpoint.listen(Factory.forProtocol(MyServer));
 * ```
 */
export class HAProxyServerEndpoint implements IStreamServerEndpoint {
  constructor(
    /** The endpoint that really listens. */
    readonly wrappedEndpoint: IStreamServerEndpoint,
  ) {}

  /** Listens on the inner endpoint with `factory` wrapped. */
  listen(factory: IProtocolFactory): Deferred<IListeningPort> {
    return this.wrappedEndpoint.listen(new HAProxyWrappingFactory(factory));
  }
}

/** `endpoint` wrapped in a {@link HAProxyServerEndpoint} (Twisted's `proxyEndpoint`). */
export function proxyEndpoint(endpoint: IStreamServerEndpoint): HAProxyServerEndpoint {
  return new HAProxyServerEndpoint(endpoint);
}

let registered = false;

/**
 * Registers the `haproxy:` server endpoint type: `haproxy:<inner description>`, e.g.
 * `haproxy:tcp:8080:interface=127.0.0.1` or `haproxy:unix:/run/app.sock`. Runs when this module
 * is loaded; further calls do nothing.
 *
 * @example
 * ```ts
 * registerHAProxyEndpoint(); // already done by importing braid
 * const port = await serverFromString(reactor, "haproxy:tcp:8080").listen(factory);
 * ```
 */
export function registerHAProxyEndpoint(): void {
  if (registered) return;
  registerServerParser("haproxy", (reactor, parsed) =>
    proxyEndpoint(serverFromString(reactor, parsed.rest)),
  );
  registered = true;
}

registerHAProxyEndpoint();
