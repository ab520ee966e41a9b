/**
 * `braid run MODULE [ARGS...]`: runs the application a user module defines.
 *
 * The module (ESM: `.js` or `.mjs`; a relative path is resolved against the current directory)
 * exports either `application`, a service (usually an `Application`), or a default function
 * `(reactor, argv) => service` (or a Promise or Deferred of one), which receives the reactor and
 * the arguments given after the module's path.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { IService } from "../../application/service.js";
import { StartupError, UsageError } from "../../errors/application.js";
import type { BraidPlugin } from "../plugin.js";

/** Whether `value` looks like a service (duck-typed: it may come from another copy of Braid). */
export function isService(value: unknown): value is IService {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as IService).startService === "function" &&
    typeof (value as IService).stopService === "function" &&
    typeof (value as IService).setServiceParent === "function"
  );
}

/**
 * Imports the module at `path` (relative to `cwd`) and gets its service.
 *
 * @throws StartupError when the module cannot be loaded, exports neither `application` nor a
 *   default function, or the function does not give a service.
 */
export async function loadApplication(
  path: string,
  cwd: string,
  call: (factory: (...args: unknown[]) => unknown) => unknown,
): Promise<IService> {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new StartupError(`cannot load ${path}: ${why}`, { cause: e });
  }
  if (module.application !== undefined) {
    if (!isService(module.application)) {
      throw new StartupError(`${path}: "application" is not a service`);
    }
    return module.application;
  }
  if (typeof module.default === "function") {
    const service = await call(module.default as (...args: unknown[]) => unknown);
    if (!isService(service)) {
      throw new StartupError(`${path}: the default export did not return a service`);
    }
    return service;
  }
  throw new StartupError(
    `${path} exports neither "application" (a service) nor a default function (reactor, argv) => service`,
  );
}

/** `braid run MODULE [ARGS...]` */
export const runPlugin: BraidPlugin = {
  name: "run",
  summary: "runs the application a module of yours defines",
  usage: "MODULE [ARGS...]",
  help: `  MODULE               an ES module (.js, .mjs; relative to the current directory)
                       exporting "application" (a service) or a default function
                       (reactor, argv) => service; ARGS are passed to that function`,
  options: {},
  positionals: true,
  passThrough: true,
  makeService: ({ positionals, rest }, context) => {
    const path = positionals[0];
    if (path === undefined) throw new UsageError("run needs the path of a module");
    return loadApplication(path, context.cwd, (f) => f(context.reactor, [...rest]));
  },
};
