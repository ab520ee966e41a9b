/**
 * Helpers the built-in plugins share: the `--listen` option and the services it makes.
 *
 * @module
 */

import { MultiService } from "../../application/multiservice.js";
import * as strports from "../../application/strports.js";
import { UsageError } from "../../errors/application.js";
import { EndpointParseError } from "../../errors/errors.js";
import type { IProtocolFactory } from "../../protocol/interfaces.js";
import type { OptionValues, PluginContext, PluginOptions } from "../plugin.js";
import { stringList } from "../plugin.js";

/** The `--listen ENDPOINT` option, repeatable. */
export const listenOption: PluginOptions = { listen: { type: "string", multiple: true } };

/** Help text for `--listen` with its default. */
export function listenHelp(fallback: string): string {
  return `  --listen ENDPOINT    where to listen, an endpoint string; repeatable\n                       (default ${fallback})`;
}

/**
 * A `MultiService` with one server service per `--listen` description (or `fallback`), each
 * serving `factory`.
 *
 * @throws UsageError when a description is malformed.
 */
export function listenServices(
  values: OptionValues,
  fallback: string,
  factory: IProtocolFactory,
  context: PluginContext,
  name?: string,
): MultiService {
  const parent = new MultiService();
  if (name !== undefined) parent.name = name;
  for (const description of stringList(values, "listen", [fallback])) {
    try {
      strports
        .service(description, factory, context.reactor, { grace: context.grace })
        .setServiceParent(parent);
    } catch (e) {
      if (e instanceof EndpointParseError)
        throw new UsageError(`--listen: ${e.message}`, { cause: e });
      throw e;
    }
  }
  return parent;
}
