/**
 * The worker's side of a Braid thread pool: calls from a task back to the main thread.
 *
 * - {@link blockingCallFromThread} runs a function the pool exposes (`ThreadPool.expose`) on the
 *   main thread and blocks the worker until its result (or error) is back. The function may
 *   return a Deferred or a Promise; the worker waits for it.
 * - {@link callFromThread} runs it on the main thread without waiting. The calls a task makes
 *   run before the task's result reaches the main thread, as in Twisted (where both go through
 *   the reactor's queue, in order): before answering, the worker waits until the main thread
 *   has taken every such call off their channel, which is ordered.
 *
 * How: on first use, a worker makes a `MessageChannel` and a 4-byte `SharedArrayBuffer` and
 * sends one end and the buffer to the main thread (through the pool's worker messages). A call
 * posts a request on its end and sleeps in `Atomics.wait`; the main thread posts the reply, then
 * sets the flag and wakes it (`Atomics.notify`); the worker reads the reply synchronously with
 * `receiveMessageOnPort`. The main thread's event loop is never blocked.
 *
 * Deadlock: the main-thread function must not wait for work that needs this same worker (a task
 * queued behind the one that is blocked, with a pool of one).
 *
 * @module
 */

import {
  MessageChannel,
  type MessagePort,
  parentPort,
  receiveMessageOnPort,
  workerData,
} from "node:worker_threads";
import { MainThreadCallError } from "../errors/threads.js";
import { deserializeThrown, type SerializedThrown } from "./serialize.js";

/** @internal the `workerData` key that marks a worker of a Braid thread pool. */
export const POOL_MARK = "__braidThreadPool";
/** @internal the key of the set-up message a worker sends to the main thread. */
export const SETUP_KEY = "__braidThreadsSetup";

/** @internal a request from a worker. */
export interface CallRequest {
  readonly name: string;
  readonly args: unknown[];
  readonly wait: boolean;
  /** A marker with no function: answered at once, after every request sent before it. */
  readonly settle?: true;
}

/** @internal the reply to a waiting request. */
export type CallReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: SerializedThrown };

let channel: { readonly port: MessagePort; readonly flag: Int32Array } | undefined;

function open(): { readonly port: MessagePort; readonly flag: Int32Array } {
  if (channel !== undefined) return channel;
  const data = workerData as Record<string, unknown> | null | undefined;
  if (parentPort === null || typeof data !== "object" || data === null || !data[POOL_MARK]) {
    throw new MainThreadCallError(
      "blockingCallFromThread and callFromThread work only in a task of a Braid ThreadPool",
    );
  }
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  parentPort.postMessage({ [SETUP_KEY]: { port: port2, flag } }, [port2]);
  port1.unref();
  channel = { port: port1, flag };
  return channel;
}

/**
 * Runs the main-thread function the pool exposes as `name` with `args` (structured-cloned) and
 * blocks this worker until it returns; a Deferred or Promise it returns is waited for. Call it
 * only from a task running on a Braid `ThreadPool`.
 *
 * @returns the function's result (structured-cloned).
 * @throws whatever the function threw (rebuilt as in a task failure), or
 *   {@link MainThreadCallError} when the pool exposes no such function or this is not a task of
 *   a Braid pool.
 *
 * @example
 * ```ts
 * // main: pool.expose("lookup", (key: string) => cache.get(key));
 * // task module, on the worker:
 * export function work(key: string): number {
 *   const cached = blockingCallFromThread<number | undefined>("lookup", key);
 *   return cached ?? expensive(key);
 * }
 * ```
 */
export function blockingCallFromThread<R = unknown>(name: string, ...args: unknown[]): R {
  const reply = roundTrip({ name, args, wait: true });
  if (reply.ok) return reply.value as R;
  const e = reply.error;
  if (e.kind === "error" && e.name === "MainThreadCallError")
    throw new MainThreadCallError(e.message);
  throw deserializeThrown(e);
}

/** Posts `request` and sleeps until the main thread's reply is there. */
function roundTrip(request: CallRequest): CallReply {
  const { port, flag } = open();
  Atomics.store(flag, 0, 0);
  port.postMessage(request);
  for (;;) {
    Atomics.wait(flag, 0, 0, 1000);
    const received = receiveMessageOnPort(port);
    if (received !== undefined) return received.message as CallReply;
  }
}

/** Whether {@link callFromThread} has sent calls since the last {@link settleCalls}. */
let unsettled = false;

/**
 * Waits until the main thread has taken every {@link callFromThread} call this worker sent off
 * the channel (and so has run them, or started them when they return a Deferred). The worker
 * runs it before answering each task. A no-op when the task made no such call.
 *
 * @internal
 */
export function settleCalls(): void {
  if (!unsettled) return;
  unsettled = false;
  roundTrip({ name: "", args: [], wait: true, settle: true });
}

/**
 * Runs the main-thread function the pool exposes as `name` with `args`, without waiting: the
 * call happens on the main thread's event loop soon after, and at the latest before the task's
 * result reaches the main thread; its result is dropped and an error it raises is logged there.
 *
 * @throws {@link MainThreadCallError} when this is not a task of a Braid pool.
 */
export function callFromThread(name: string, ...args: unknown[]): void {
  const { port } = open();
  const request: CallRequest = { name, args, wait: false };
  port.postMessage(request);
  unsettled = true;
}
