/**
 * The program of every worker thread of a Braid `ThreadPool` (piscina loads it and calls its
 * default export with each task): imports the task's module, calls the named export with the
 * arguments, and answers with the result or with the error as a record (see `serialize.ts`), so
 * that the error's class name, code and stack survive the trip.
 *
 * Not part of the public API; the pool points piscina at this file (`worker.ts` under a
 * TypeScript loader, `worker.js` once built).
 *
 * @module
 */

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { move } from "piscina";
import { TaskNotFoundError } from "../errors/threads.js";
import { type SerializedThrown, serializeThrown } from "./serialize.js";
import { isTransfer } from "./task.js";
import { settleCalls } from "./workerside.js";

/** @internal what the pool sends for one task. */
export interface TaskMessage {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly args: unknown[];
}

/** @internal what the worker answers. */
export type TaskReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: SerializedThrown };

/**
 * Imports a task's module. On Node 20 a TypeScript loader started with `--import` (tsx) hooks
 * `require` in worker threads but not `import()`; a `.ts` module that `import()` refuses is
 * therefore loaded with `require` (which Node 20.19+ allows for ES modules).
 */
export async function load(moduleUrl: string): Promise<Record<string, unknown>> {
  try {
    return (await import(moduleUrl)) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: unknown }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw e;
    const require = createRequire(import.meta.url);
    return require(fileURLToPath(moduleUrl)) as Record<string, unknown>;
  }
}

const functions = new Map<string, (...args: unknown[]) => unknown>();

async function lookup(moduleUrl: string, exportName: string) {
  const key = `${moduleUrl}#${exportName}`;
  let fn = functions.get(key);
  if (fn === undefined) {
    const mod = await load(moduleUrl);
    const candidate = mod[exportName];
    if (typeof candidate !== "function") {
      throw new TaskNotFoundError(`${moduleUrl} exports no function named "${exportName}"`);
    }
    fn = candidate as (...args: unknown[]) => unknown;
    functions.set(key, fn);
  }
  return fn;
}

/** Runs one task; piscina calls it on the worker. */
export default async function runTask(message: TaskMessage): Promise<unknown> {
  try {
    const fn = await lookup(message.moduleUrl, message.exportName);
    const value = await fn(...message.args);
    if (isTransfer(value)) {
      const reply: TaskReply = { ok: true, value: value.value };
      return move({
        [Symbol.for("Piscina.transferable")]: [...value.transferList],
        [Symbol.for("Piscina.valueOf")]: reply,
      } as never);
    }
    const reply: TaskReply = { ok: true, value };
    return reply;
  } catch (e) {
    const reply: TaskReply = { ok: false, error: serializeThrown(e) };
    return reply;
  } finally {
    // The task's callFromThread calls run on the main thread before its result is seen there.
    settleCalls();
  }
}
