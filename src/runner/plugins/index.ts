/**
 * The built-in plugins of the `braid` command.
 *
 * @module
 */

import type { BraidPlugin } from "../plugin.js";
import { chatPlugin } from "./chat.js";
import { demoPlugin } from "./demo.js";
import { echoPlugin } from "./echo.js";
import { fingerPlugin } from "./finger.js";
import { portforwardPlugin } from "./portforward.js";
import { runPlugin } from "./run.js";

export { chatPlugin, demoPlugin, echoPlugin, fingerPlugin, portforwardPlugin, runPlugin };

/** The built-in plugins, by name, in the order `braid --help` lists them. */
export const BUILTIN_PLUGINS: ReadonlyMap<string, BraidPlugin> = new Map(
  [demoPlugin, echoPlugin, chatPlugin, fingerPlugin, portforwardPlugin, runPlugin].map((p) => [
    p.name,
    p,
  ]),
);
