/**
 * `braid/threads`: worker threads for blocking and CPU-bound work, on the model of Twisted's
 * `twisted.internet.threads` and `twisted.python.threadpool`.
 *
 * A task is a function exported by a module ({@link defineTask}); {@link deferToThread} runs it on
 * a worker and returns a Deferred. Inside a task, {@link blockingCallFromThread} calls back into
 * the main thread and waits for the answer.
 *
 * @example
 * ```ts
 * import { defineTask, deferToThread } from "braid/threads";
 * import type { sha256 } from "./hash.js";
 *
 * const sha256Task = defineTask<typeof sha256>(new URL("./hash.js", import.meta.url), "sha256");
 * const hex = await deferToThread(sha256Task, bytes);
 * ```
 *
 * @module
 */
export {
  deferToThread,
  deferToThreadPool,
  getDefaultThreadPool,
  setDefaultThreadPoolProvider,
} from "./defer.js";
export type { IReactorThreadPool } from "./interfaces.js";
export {
  type RunTaskOptions,
  ThreadPool,
  type ThreadPoolOptions,
  type ThreadPoolStats,
} from "./pool.js";
export { type IShutdownTriggers, ReactorThreads } from "./reactor.js";
export {
  defineTask,
  isTransfer,
  type TaskRef,
  type TaskResult,
  type Transfer,
  type Transferable,
  task,
  transfer,
} from "./task.js";
export { blockingCallFromThread, callFromThread } from "./workerside.js";
