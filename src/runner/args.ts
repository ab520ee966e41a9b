/**
 * The `braid` command line: `braid [global options] [plugin] [options]`, parsed with
 * `node:util` `parseArgs`. Global options may also come after the plugin's name.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { UnknownPluginError, UsageError } from "../errors/application.js";
import type { BraidPlugin, OptionValues, PluginOptions } from "./plugin.js";

/** The options every plugin accepts. */
export const GLOBAL_OPTIONS: PluginOptions = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  "log-format": { type: "string" },
  "log-level": { type: "string" },
  grace: { type: "string" },
};

/** The help lines of {@link GLOBAL_OPTIONS}. */
export const GLOBAL_HELP = `  -h, --help           show this help (after a plugin's name: the plugin's help)
  --version            print the version and exit
  --log-format FORMAT  text (default) or json (one JSON object per line), on stderr
  --log-level LEVEL    debug, info (default), warn, error or critical
  --grace SECONDS      at shutdown, how long open connections get to finish before they
                       are dropped (default 5)`;

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: "help"; readonly plugin: BraidPlugin | undefined }
  | { readonly kind: "version" }
  | {
      readonly kind: "run";
      readonly plugin: BraidPlugin;
      readonly values: OptionValues;
      readonly positionals: readonly string[];
      readonly rest: readonly string[];
    };

/** Whether option `token` (`--name`, `--name=value`, `-x`) takes the next argument as its value. */
function takesValue(token: string, options: readonly PluginOptions[]): boolean {
  if (!token.startsWith("-") || token.includes("=")) return false;
  const long = token.startsWith("--");
  const name = long ? token.slice(2) : token.slice(1);
  for (const set of options) {
    for (const [key, spec] of Object.entries(set)) {
      if ((long ? key === name : spec.short === name) && spec.type === "string") return true;
    }
  }
  return false;
}

/** Index of the first positional in `args` (or `args.length`), skipping option values. */
function firstPositional(args: readonly string[], options: readonly PluginOptions[]): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") return i + 1 < args.length ? i + 1 : args.length;
    if (!a.startsWith("-") || a === "-") return i;
    if (takesValue(a, options)) i++;
  }
  return args.length;
}

function parse(
  args: readonly string[],
  options: PluginOptions,
  allowPositionals: boolean,
): { values: OptionValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals,
    });
    return { values: values as OptionValues, positionals };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(message.split("\n")[0]!.replace(/\s*To specify a positional.*$/, ""), {
      cause: e,
    });
  }
}

/**
 * Parses `argv` (without the `node` and script paths).
 *
 * @param plugins - the known plugins, by name.
 * @param defaultPlugin - the plugin run when none is named.
 * @throws UsageError (or its subclass `UnknownPluginError`) for a bad command line.
 */
export function parseCommandLine(
  argv: readonly string[],
  plugins: ReadonlyMap<string, BraidPlugin>,
  defaultPlugin: BraidPlugin,
): CommandLine {
  const head = firstPositional(argv, [GLOBAL_OPTIONS, defaultPlugin.options]);
  let plugin: BraidPlugin;
  let before: readonly string[];
  let after: readonly string[];
  if (head >= argv.length) {
    plugin = defaultPlugin;
    before = [];
    after = argv;
  } else {
    const name = argv[head]!;
    const found = plugins.get(name);
    if (found === undefined) {
      // `braid --help nonsense` still shows the help.
      if (parse(argv.slice(0, head), GLOBAL_OPTIONS, false).values.help === true) {
        return { kind: "help", plugin: undefined };
      }
      throw new UnknownPluginError(name);
    }
    plugin = found;
    before = argv.slice(0, head);
    after = argv.slice(head + 1);
  }
  const global = parse(before, GLOBAL_OPTIONS, false).values;
  if (global.help === true)
    return { kind: "help", plugin: head >= argv.length ? undefined : plugin };
  if (global.version === true) return { kind: "version" };

  const merged: PluginOptions = { ...GLOBAL_OPTIONS, ...plugin.options };
  let own = after;
  let rest: readonly string[] = [];
  if (plugin.passThrough) {
    const at = firstPositional(after, [merged]);
    own = after.slice(0, Math.min(at + 1, after.length));
    rest = after.slice(at + 1);
  }
  const parsed = parse(own, merged, plugin.positionals === true);
  const values: OptionValues = { ...global, ...parsed.values };
  if (values.help === true) {
    return {
      kind: "help",
      plugin: plugin === defaultPlugin && head >= argv.length ? undefined : plugin,
    };
  }
  if (values.version === true) return { kind: "version" };
  return { kind: "run", plugin, values, positionals: parsed.positionals, rest };
}
