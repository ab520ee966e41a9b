/**
 * Tasks: the unit of work a worker thread runs.
 *
 * JavaScript cannot move a closure to another thread, so a task is a function *exported by a
 * module*, named by the module's URL and the export's name. {@link defineTask} (or {@link task})
 * gives that pair a typed handle; the arguments and the result cross the thread boundary by
 * structured clone, and `ArrayBuffer`s, `MessagePort`s and the like listed for transfer move
 * without a copy ({@link transfer} for results, the `transfer` option of `ThreadPool.runTask`
 * for arguments).
 *
 * @module
 */

import type { TransferListItem } from "node:worker_threads";

/**
 * A typed reference to a function exported by a module, runnable on a worker thread. `A` is the
 * argument list and `R` the result (a Promise the function returns is awaited on the worker).
 */
export interface TaskRef<A extends unknown[] = unknown[], R = unknown> {
  /** The module's URL (`import.meta.url` of the module that exports the function). */
  readonly moduleUrl: string;
  /** The export's name (`"default"` for a default export). */
  readonly exportName: string;
  /** @internal carries `A` and `R` for type inference; never set. */
  readonly __signature?: (...args: A) => R;
}

// biome-ignore lint/suspicious/noExplicitAny: any function signature can be a task
type AnyFunction = (...args: any[]) => unknown;

/** The value a task's result stands for: a {@link Transfer} is unwrapped, a Promise awaited. */
export type TaskResult<R> = Awaited<R> extends Transfer<infer V> ? V : Awaited<R>;

/**
 * Declares a task from the type of the function it runs: arguments and result are inferred.
 * Place it next to the function, in the module that exports it, so that `import.meta.url` is the
 * right module.
 *
 * @param moduleUrl - the URL of the module exporting the function (usually `import.meta.url`).
 * @param exportName - the name of the export.
 * @throws TypeError when `moduleUrl` is not an absolute URL.
 *
 * @example
 * ```ts
 * // hash.ts: loaded by the worker threads, and by the main thread for the handle
 * import { createHash } from "node:crypto";
 * import { defineTask } from "braid/threads";
 *
 * export function sha256(data: Uint8Array): string {
 *   return createHash("sha256").update(data).digest("hex");
 * }
 * export const sha256Task = defineTask<typeof sha256>(import.meta.url, "sha256");
 *
 * // main.ts
 * const hex = await deferToThread(sha256Task, bytes); // Deferred<string>
 * ```
 */
export function defineTask<F extends AnyFunction>(
  moduleUrl: string | URL,
  exportName: string,
): TaskRef<Parameters<F>, TaskResult<ReturnType<F>>> {
  return task<Parameters<F>, TaskResult<ReturnType<F>>>(moduleUrl, exportName);
}

/**
 * Declares a task with explicit argument and result types, for a module the caller does not
 * import (or cannot, because it only exists as built JavaScript).
 *
 * @throws TypeError when `moduleUrl` is not an absolute URL.
 *
 * @example
 * ```ts
 * const resize = task<[Uint8Array, number], Uint8Array>(
 *   new URL("./images.js", import.meta.url), "resize");
 * ```
 */
export function task<A extends unknown[], R>(
  moduleUrl: string | URL,
  exportName: string,
): TaskRef<A, R> {
  const url = typeof moduleUrl === "string" ? new URL(moduleUrl).href : moduleUrl.href;
  if (typeof exportName !== "string" || exportName === "") {
    throw new TypeError("A task needs the name of an exported function");
  }
  return Object.freeze({ moduleUrl: url, exportName });
}

/** The brand of {@link Transfer}, shared by every copy of this module (`Symbol.for`). */
const TRANSFER = Symbol.for("braid.threads.transfer");

/**
 * A task's result together with the objects to transfer (move) instead of copying. Made by
 * {@link transfer}; the caller receives `value` only.
 */
export interface Transfer<V> {
  readonly [TRANSFER]: true;
  readonly value: V;
  readonly transferList: readonly Transferable[];
}

/** Something `postMessage` can move between threads (`ArrayBuffer`, `MessagePort`, …). */
export type Transferable = TransferListItem;

/**
 * Returns `value` from a task with `list` moved to the caller, not copied: the buffers become
 * unusable on the worker and appear, with no copy, in the result on the main thread.
 *
 * @example
 * ```ts
 * export function render(width: number): Transfer<Uint8Array> {
 *   const pixels = new Uint8Array(width * width * 4);
 *   // …
 *   return transfer(pixels, [pixels.buffer]);
 * }
 * ```
 */
export function transfer<V>(value: V, list: readonly Transferable[]): Transfer<V> {
  return { [TRANSFER]: true, value, transferList: list };
}

/** Whether `x` was made by {@link transfer} (in this or any other copy of this module). */
export function isTransfer(x: unknown): x is Transfer<unknown> {
  return typeof x === "object" && x !== null && (x as { [TRANSFER]?: unknown })[TRANSFER] === true;
}
