/**
 * Contracts the defer area relies on from the layers above it, stated structurally so that defer
 * does not import them: any reactor or `Clock` satisfies {@link ITimeoutScheduler}.
 *
 * @module
 */

/**
 * What `Deferred.addTimeout` needs from a clock: the part of `IReactorTime` that schedules a
 * call. Every reactor and the testing `Clock` provide it.
 */
export interface ITimeoutScheduler {
  /** Calls `f` after `seconds`; the returned handle can cancel it while it is still pending. */
  callLater(seconds: number, f: () => void): { cancel(): void; active(): boolean };
}
