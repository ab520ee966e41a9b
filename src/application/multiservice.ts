/**
 * `MultiService`: a service made of services, started in order and stopped in reverse order.
 *
 * @module
 */

import { Deferred, fail, maybeDeferred } from "../defer/deferred.js";
import { DuplicateServiceNameError, ServiceNotFoundError } from "../errors/application.js";
import type { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import { type IService, type IServiceCollection, Service, type ServiceResult } from "./service.js";

const log = new Logger("braid.application");

/**
 * A service holding child services.
 *
 * - `startService` starts the children in the order they were added (each start is called in
 *   turn, without waiting for the previous one's Deferred) and returns a Deferred that fires when
 *   every child's start has finished, or fails with the first failure. A child whose
 *   `startService` throws stops the sequence: the children after it are not started. Either way
 *   the collection counts as running: call `stopService` to stop what did start.
 * - `stopService` stops the children in reverse order (again without waiting between them) and
 *   returns a Deferred that fires once every child's stop has finished; if some failed, it fails
 *   with the first failure after all have finished (the others are logged).
 * - A child added to a running collection is started at once (a failure is logged); removing a
 *   child from a running collection stops it.
 * - Iterating yields the children in order.
 *
 * @example
 * ```ts
 * const web = new MultiService();
 * web.name = "web";
 * strports.service("tcp:8080", httpFactory, reactor).setServiceParent(web);
 * new TimerService(60, flushCaches).setServiceParent(web);
 * await web.startService();
 * for (const child of web) console.log(child.name, child.running);
 * await web.stopService(); // the timer stops, then the port closes and its connections finish
 * ```
 */
export class MultiService extends Service implements IServiceCollection {
  private readonly _services: IService[] = [];
  private readonly _named = new Map<string, IService>();

  /** The children, in order (a copy). */
  get services(): IService[] {
    return [...this._services];
  }

  /** Iterates over the children, in order. */
  [Symbol.iterator](): Iterator<IService> {
    return [...this._services][Symbol.iterator]();
  }

  /** Runs every child's `privilegedStartService`, in order. */
  override privilegedStartService(): void {
    super.privilegedStartService();
    for (const service of [...this._services]) service.privilegedStartService();
  }

  /**
   * Starts the children in order; see the class description.
   *
   * @returns a Deferred that fires when every child has started, or fails with the first failure.
   */
  override startService(): Deferred<void> {
    super.startService();
    const waits: Deferred<unknown>[] = [];
    for (const service of [...this._services]) {
      let result: ServiceResult;
      try {
        result = service.startService();
      } catch (e) {
        waits.push(fail(e));
        break;
      }
      waits.push(maybeDeferred(() => result));
    }
    return settleAll(waits, "start");
  }

  /**
   * Stops the children in reverse order; see the class description.
   *
   * @returns a Deferred that fires when every child has stopped.
   */
  override stopService(): Deferred<void> {
    super.stopService();
    const waits = [...this._services]
      .reverse()
      .map((service) => maybeDeferred(() => service.stopService()));
    return settleAll(waits, "stop");
  }

  /** {@inheritDoc IServiceCollection.getServiceNamed} */
  getServiceNamed(name: string): IService {
    const service = this._named.get(name);
    if (service === undefined) throw new ServiceNotFoundError(name);
    return service;
  }

  /** {@inheritDoc IServiceCollection.addService} */
  addService(service: IService): void {
    if (service.parent !== this) {
      // Route through the child so that its `parent` is always right.
      service.setServiceParent(this);
      return;
    }
    if (this._services.includes(service)) return;
    const name = service.name;
    if (name !== null) {
      if (this._named.has(name)) throw new DuplicateServiceNameError(name);
      this._named.set(name, service);
    }
    this._services.push(service);
    if (this.running) {
      maybeDeferred(() => {
        service.privilegedStartService();
        return service.startService();
      }).addErrback((f: Failure) => {
        log.failure("Starting {service} failed", f, { service: String(service) }, "error");
      });
    }
  }

  /** {@inheritDoc IServiceCollection.removeService} */
  removeService(service: IService): ServiceResult {
    if (service.parent === this) {
      // Route through the child so that its `parent` is cleared.
      return service.disownServiceParent();
    }
    const index = this._services.indexOf(service);
    if (index < 0) throw new ServiceNotFoundError();
    this._services.splice(index, 1);
    if (service.name !== null && this._named.get(service.name) === service) {
      this._named.delete(service.name);
    }
    if (this.running) return service.stopService();
    return undefined;
  }
}

/**
 * A Deferred that fires once every one of `waits` has settled: with `undefined`, or with the first
 * failure (the later ones are logged).
 */
function settleAll(waits: readonly Deferred<unknown>[], what: string): Deferred<void> {
  const done = new Deferred<void>();
  let left = waits.length;
  let first: Failure | undefined;
  const finish = (): void => {
    if (first === undefined) done.callback(undefined);
    else done.errback(first);
  };
  if (left === 0) {
    finish();
    return done;
  }
  for (const d of waits) {
    d.addCallbacks(
      () => {
        if (--left === 0) finish();
      },
      (f: Failure) => {
        if (first === undefined) first = f;
        else log.failure("Another service failed to {what}", f, { what }, "error");
        if (--left === 0) finish();
      },
    );
  }
  return done;
}
