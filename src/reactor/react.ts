/**
 * `react`: runs a program's `main` on a running reactor and stops the reactor when it is done
 * (Twisted's `task.react`), the usual entry point of a Braid command-line program.
 *
 * @module
 */

import { maybeDeferred } from "../defer/deferred.js";
import { ExitError, ReactorAlreadyRunning, ReactorNotRunning } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import type { IReactorCore } from "./interfaces.js";
import { reactor as defaultReactor, type Reactor } from "./reactor.js";

const log = new Logger("braid.reactor");

/**
 * Runs `reactor`, calls `main(reactor, ...argv)` once it runs, and stops the reactor when the
 * Deferred or Promise `main` returns settles (a plain value counts as settled at once).
 *
 * Sets `process.exitCode` when the reactor has stopped: 0 when `main` succeeded; the error's
 * `exitCode` when it failed with an {@link ExitError} (not logged); otherwise 1, with the failure
 * logged (namespace `"braid.reactor"`). It never calls `process.exit`: the process ends by itself
 * once nothing else keeps it alive.
 *
 * If the reactor is stopped by something else first (`SIGINT`/`SIGTERM`, or code calling
 * `reactor.stop()`), `react` still finishes once the shutdown is over; the exit code is then 0
 * unless `main` has failed by that time. `main`'s result is not cancelled.
 *
 * @param main - the program; receives the reactor and `argv`.
 * @param argv - extra arguments for `main`.
 * @param reactor - the reactor to run (default: the shared `reactor`).
 * @returns a Promise that resolves once the reactor has stopped (and `process.exitCode` is set);
 *   it rejects with `ReactorAlreadyRunning` when the reactor already runs.
 *
 * @example
 * ```ts
 * import { react } from "braid";
 *
 * await react(async (reactor, host: string) => {
 *   const address = await reactor.resolve(host);
 *   console.log(address);
 * }, [process.argv[2] ?? "localhost"]);
 * ```
 */
export function react<A extends unknown[]>(
  main: (reactor: Reactor, ...argv: A) => unknown,
  argv?: A,
): Promise<void>;
export function react<R extends IReactorCore, A extends unknown[]>(
  main: (reactor: R, ...argv: A) => unknown,
  argv: A,
  reactor: R,
): Promise<void>;
export function react(
  main: (...args: never[]) => unknown,
  argv: unknown[] = [],
  reactor: IReactorCore = defaultReactor,
): Promise<void> {
  if (reactor.running) return Promise.reject(new ReactorAlreadyRunning());
  let code = 0;
  let stopping = false;
  const trigger = reactor.addSystemEventTrigger("before", "shutdown", () => {
    stopping = true;
  });

  const finished = (failure: Failure | undefined): void => {
    if (failure !== undefined) {
      if (failure.value instanceof ExitError) {
        code = failure.value.exitCode;
      } else {
        log.failure("main function encountered an error", failure, undefined, "critical");
        code = 1;
      }
    }
    if (stopping) return;
    try {
      reactor.stop();
    } catch (e) {
      if (!(e instanceof ReactorNotRunning)) throw e;
    }
  };

  const start = reactor.callWhenRunning(() => {
    maybeDeferred(() => (main as (...args: unknown[]) => unknown)(reactor, ...argv)).addCallbacks(
      () => finished(undefined),
      (f: Failure) => finished(f),
    );
  });

  let stopped: PromiseLike<void>;
  try {
    stopped = reactor.run();
  } catch (e) {
    reactor.removeSystemEventTrigger(trigger);
    if (start !== undefined) reactor.removeSystemEventTrigger(start);
    return Promise.reject(e);
  }
  return Promise.resolve(stopped).then(() => {
    process.exitCode = code;
  });
}
