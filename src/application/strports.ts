/**
 * `strports`: services from endpoint description strings, so that where an application listens
 * is configuration (`"tcp:8080:interface=127.0.0.1"`, `"unix:/run/app.sock"`), not code.
 *
 * Import it as a namespace: `import { strports } from "braid"` then `strports.service(…)`.
 *
 * @module
 */

import type { EndpointReactor } from "../endpoints/builders.js";
import { serverFromString } from "../endpoints/parser.js";
import type { IProtocolFactory } from "../protocol/interfaces.js";
import { reactor as defaultReactor } from "../reactor/reactor.js";
import { StreamServerEndpointService } from "./internet.js";

/** Options of {@link service}. */
export interface StrportsServiceOptions {
  /** Seconds open connections get to finish when the service stops (default 5). */
  grace?: number;
}

/**
 * A {@link StreamServerEndpointService} listening on the endpoint `description` names, with
 * `factory`. The service is named after the description unless you name it.
 *
 * @param reactor - the reactor to listen with (default: the shared `reactor`).
 * @throws EndpointParseError (`ERR_ENDPOINT_SYNTAX`) when the description is malformed.
 *
 * @example
 * ```ts
 * import { Application, Factory, reactor, strports } from "braid";
 *
 * const application = new Application("echo");
 * strports.service("tcp:8000:interface=127.0.0.1", Factory.forProtocol(Echo), reactor)
 *   .setServiceParent(application);
 * ```
 */
export function service(
  description: string,
  factory: IProtocolFactory,
  reactor: EndpointReactor = defaultReactor,
  options: StrportsServiceOptions = {},
): StreamServerEndpointService {
  const endpoint = serverFromString(reactor, description);
  const svc = new StreamServerEndpointService(endpoint, factory, {
    clock: reactor,
    label: description,
    ...(options.grace === undefined ? {} : { grace: options.grace }),
  });
  return svc;
}
