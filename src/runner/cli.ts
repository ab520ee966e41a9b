/**
 * The `braid` command: `braid [plugin] [options]` builds a plugin's service tree, starts it on
 * the reactor, and shuts it down in order on SIGINT or SIGTERM.
 *
 * Exit codes: 0 after an orderly shutdown; 1 when the application cannot start (a port in use, a
 * missing file, a module that does not load), or when a second SIGINT/SIGTERM arrives during the
 * shutdown (the process then exits at once); 2 for a usage error (an unknown plugin or option, a
 * malformed endpoint string or value). Every start-up error is one line on stderr:
 * `braid: <message>`.
 *
 * Output: stdout gets the start-up lines (`braid echo: listening on 127.0.0.1:8000`, the demo's
 * banner); stderr gets the log, as text or JSON lines (`--log-format json`).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { Application } from "../application/application.js";
import { StreamServerEndpointService } from "../application/internet.js";
import type { IService } from "../application/service.js";
import { maybeDeferred } from "../defer/deferred.js";
import { UsageError } from "../errors/application.js";
import { EndpointParseError } from "../errors/errors.js";
import { Failure } from "../errors/failure.js";
import { globalLogBeginner } from "../logger/global.js";
import type { ILogObserver, LogStream } from "../logger/interfaces.js";
import { Logger } from "../logger/logger.js";
import { reactor as defaultReactor, type Reactor } from "../reactor/reactor.js";
import { GLOBAL_HELP, parseCommandLine } from "./args.js";
import { loggingSettings, runnerLogObserver } from "./logging.js";
import { type BraidPlugin, numberValue, type PluginContext, stringValue } from "./plugin.js";
import { BUILTIN_PLUGINS, demoPlugin } from "./plugins/index.js";

const log = new Logger("braid.runner");

/** Where the runner writes and what it runs on; every field has a default for the real command. */
export interface RunnerEnvironment {
  /** Start-up lines and help (default `process.stdout`). */
  stdout?: LogStream;
  /** Errors and the log (default `process.stderr`). */
  stderr?: LogStream;
  /** The reactor (default: the shared `reactor`). */
  reactor?: Reactor;
  /** The directory `braid run` resolves modules against (default `process.cwd()`). */
  cwd?: string;
  /** Hands the log observers over (default `globalLogBeginner.beginLoggingTo`). */
  beginLogging?: (observers: ILogObserver[]) => void;
  /** The plugins (default: the built-in ones). */
  plugins?: ReadonlyMap<string, BraidPlugin>;
}

/** Braid's version, from its `package.json`. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    return String((pkg as { version?: unknown }).version ?? "unknown");
  } catch {
    return "unknown";
  }
}

/** The text of `braid --help`. */
export function generalHelp(plugins: ReadonlyMap<string, BraidPlugin>): string {
  const width = Math.max(...[...plugins.keys()].map((n) => n.length)) + 2;
  const lines = [...plugins.values()].map((p) => `  ${p.name.padEnd(width)}${p.summary}`);
  return `Usage: braid [options] [PLUGIN] [plugin options]

Runs a Braid application until SIGINT (Ctrl-C) or SIGTERM, then shuts it down in order.
Without a PLUGIN, runs the demo (echo, chat and finger on 127.0.0.1:8123-8125).

Plugins:
${lines.join("\n")}

Options (also accepted after the plugin's name):
${GLOBAL_HELP}

Endpoints are strings such as tcp:8000, tcp:0:interface=127.0.0.1 or unix:/tmp/app.sock.
"braid PLUGIN --help" describes a plugin's options.
Exit codes: 0 after an orderly shutdown; 1 when the application cannot start or a second
signal forces the exit; 2 for a usage error.
`;
}

/** The text of `braid <plugin> --help`. */
export function pluginHelp(plugin: BraidPlugin): string {
  return `Usage: braid ${plugin.name} ${plugin.usage ?? "[options]"}

${plugin.summary[0]!.toUpperCase()}${plugin.summary.slice(1)}.

Options:
${plugin.help}

Global options:
${GLOBAL_HELP}
`;
}

/** One line of text for an error, for `braid: <message>`. */
function oneLine(error: unknown): string {
  const value = error instanceof Failure ? error.value : error;
  const text = value instanceof Error ? value.message : String(value);
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** Whether `error` is the user's mistake on the command line (exit 2). */
function isUsageError(error: unknown): boolean {
  const value = error instanceof Failure ? error.value : error;
  return value instanceof UsageError || value instanceof EndpointParseError;
}

/** Every server service in the tree, depth first, in order, with its nearest name below the root. */
function serverServices(root: IService): [StreamServerEndpointService, string | null][] {
  const found: [StreamServerEndpointService, string | null][] = [];
  const walk = (s: IService, label: string | null): void => {
    const here = s !== root && s.name !== null ? s.name : label;
    if (s instanceof StreamServerEndpointService) found.push([s, here]);
    const children = s as Partial<Iterable<IService>>;
    if (typeof children[Symbol.iterator] === "function") {
      for (const child of children as Iterable<IService>) walk(child, here);
    }
  };
  walk(root, null);
  return found;
}

/**
 * Runs the `braid` command with `argv` (the arguments after the command's name).
 *
 * @returns a Promise of the exit code, once the reactor has stopped (or at once for `--help`,
 *   `--version` and usage errors). It does not exit the process.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[], env: RunnerEnvironment = {}): Promise<number> {
  const stdout = env.stdout ?? process.stdout;
  const stderr = env.stderr ?? process.stderr;
  const plugins = env.plugins ?? BUILTIN_PLUGINS;
  const fatal = (error: unknown): number => {
    stderr.write(`braid: ${oneLine(error)}\n`);
    return isUsageError(error) ? 2 : 1;
  };

  let context: PluginContext;
  let service: IService;
  let plugin: BraidPlugin;
  try {
    const command = parseCommandLine(argv, plugins, plugins.get("demo") ?? demoPlugin);
    if (command.kind === "help") {
      stdout.write(
        command.plugin === undefined ? generalHelp(plugins) : pluginHelp(command.plugin),
      );
      return 0;
    }
    if (command.kind === "version") {
      stdout.write(`braid ${version()}\n`);
      return 0;
    }
    plugin = command.plugin;
    const settings = loggingSettings(
      stringValue(command.values, "log-format"),
      stringValue(command.values, "log-level"),
    );
    const grace = numberValue(command.values, "grace", 5, 0, 86_400);
    const reactor = env.reactor ?? defaultReactor;
    (env.beginLogging ?? ((o) => globalLogBeginner.beginLoggingTo(o)))([
      runnerLogObserver(stderr, settings),
    ]);
    context = { reactor, grace, cwd: env.cwd ?? process.cwd() };
    service = await plugin.makeService(command, context);
  } catch (e) {
    return fatal(e);
  }

  const { reactor, grace } = context;
  let app: Application;
  if (service instanceof Application) {
    app = service;
  } else {
    app = new Application(plugin.name);
    try {
      app.addService(service as IService);
    } catch (e) {
      return fatal(e);
    }
  }
  reactor.shutdownGrace = grace;
  for (const [server] of serverServices(app)) server.grace ??= grace;

  let code = 0;
  reactor.addSystemEventTrigger("before", "shutdown", () => app.stopService());
  reactor.callWhenRunning(() => {
    maybeDeferred(() => {
      app.privilegedStartService();
      return app.startService();
    }).addCallbacks(
      () => {
        const lines: string[] = [];
        for (const [s, name] of serverServices(app)) {
          if (s.port === null) continue;
          const label = name !== null && name !== plugin.name ? ` (${name})` : "";
          lines.push(`braid ${plugin.name}: listening on ${s.port.getHost()}${label}`);
        }
        lines.push(...(plugin.banner?.(app, context) ?? []));
        if (lines.length > 0) stdout.write(`${lines.join("\n")}\n`);
        log.info("{plugin} started", { plugin: plugin.name });
      },
      (f: Failure) => {
        code = fatal(f);
        log.debug("Start-up failed", { error: oneLine(f) });
        if (reactor.running) reactor.stop();
      },
    );
  });
  await reactor.run();
  return code;
}
