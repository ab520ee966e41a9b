/**
 * `Application`: the root of a service tree, as the `braid` runner and `braid run` modules use.
 *
 * @module
 */

import { MultiService } from "./multiservice.js";

/**
 * A named root {@link MultiService}: the object a `braid run` module exports as `application`.
 *
 * Twisted's `Application` also carries process settings (user and group ids to switch to, a
 * process name); Braid has no equivalents yet, so an `Application` is just a named root.
 *
 * @example
 * ```ts
 * // app.js, started with `braid run ./app.js`
 * import { Application, strports } from "braid";
 * export const application = new Application("echo");
 * strports.service("tcp:8000", echoFactory).setServiceParent(application);
 * ```
 */
export class Application extends MultiService {
  /** @param name - the application's name (used in log messages). */
  constructor(name: string) {
    super();
    this.name = name;
  }
}
