/**
 * The contract between the `braid` command and its plugins: a plugin names itself, declares its
 * options (for `node:util` `parseArgs`) and builds the service tree to run from them.
 *
 * @module
 */

import type { ParseArgsConfig } from "node:util";
import type { IService } from "../application/service.js";
import { UsageError } from "../errors/application.js";
import type { Reactor } from "../reactor/reactor.js";

/** The option declarations of a plugin, as `parseArgs` takes them. */
export type PluginOptions = NonNullable<ParseArgsConfig["options"]>;

/** The parsed option values (`--listen` repeated gives a `string[]`). */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What the runner hands a plugin to build its services with. */
export interface PluginContext {
  /** The reactor the services run on. */
  readonly reactor: Reactor;
  /** Seconds open connections get to finish at shutdown (`--grace`). */
  readonly grace: number;
  /** The directory relative paths are resolved against. */
  readonly cwd: string;
}

/** The command line as a plugin sees it. */
export interface PluginArguments {
  /** Option values (the plugin's and the global ones). */
  readonly values: OptionValues;
  /** Positional arguments given to the plugin. */
  readonly positionals: readonly string[];
  /**
   * For plugins with {@link BraidPlugin.passThrough}: everything after the first positional,
   * unparsed (the arguments of a `braid run` module).
   */
  readonly rest: readonly string[];
}

/**
 * A `braid` plugin: `braid <name> [options]` runs the service it builds.
 *
 * @example
 * ```ts
 * const hello: BraidPlugin = {
 *   name: "hello",
 *   summary: "say hello on a port",
 *   help: "  --listen ENDPOINT   where to listen (default tcp:8000)",
 *   options: { listen: { type: "string", multiple: true } },
 *   makeService: ({ values }, { reactor, grace }) =>
 *     strports.service(stringList(values, "listen", ["tcp:8000"])[0]!, helloFactory, reactor, { grace }),
 * };
 * ```
 */
export interface BraidPlugin {
  /** The name on the command line. */
  readonly name: string;
  /** One line for `braid --help`. */
  readonly summary: string;
  /** The usage after `braid <name>`, e.g. `"[--listen ENDPOINT]..."`. */
  readonly usage?: string;
  /** The option lines of `braid <name> --help`. */
  readonly help: string;
  /** The options, for `parseArgs`. */
  readonly options: PluginOptions;
  /** Whether positional arguments are accepted (default: none). */
  readonly positionals?: boolean;
  /**
   * Whether everything after the first positional is passed through unparsed (for `braid run
   * ./app.js --its --own options`).
   */
  readonly passThrough?: boolean;
  /**
   * Builds the service tree.
   *
   * @throws UsageError for a bad option value (exit code 2), `StartupError` or any other error
   *   when the application cannot be set up (exit code 1).
   */
  makeService(args: PluginArguments, context: PluginContext): IService | PromiseLike<IService>;
  /** Extra lines printed on stdout once the services have started (the demo's banner). */
  banner?(service: IService, context: PluginContext): string[];
}

/** The string values of a repeatable option, or `fallback` when it was not given. */
export function stringList(
  values: OptionValues,
  name: string,
  fallback: readonly string[],
): string[] {
  const v = values[name];
  if (v === undefined) return [...fallback];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => String(x));
}

/** The value of a string option, or `undefined`. */
export function stringValue(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    const last = v[v.length - 1];
    return last === undefined ? undefined : String(last);
  }
  return String(v);
}

/**
 * A number option's value.
 *
 * @throws UsageError when it is not a number within `[min, max]`.
 */
export function numberValue(
  values: OptionValues,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const text = stringValue(values, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be a number from ${min} to ${max}, not ${JSON.stringify(text)}`,
    );
  }
  return n;
}
