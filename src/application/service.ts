/**
 * Services: the long-running parts of an application (a listening port, a client connection
 * kept up, a periodic task) as objects with a start and a stop, arranged in a tree.
 *
 * `IService` is the contract; `Service` the base class to extend. A service's parent is an
 * {@link IServiceCollection} (usually a `MultiService`), which starts and stops its children
 * with it. The runner (`braid`) starts the root of the tree once the reactor runs and stops it
 * in the reactor's "before shutdown" phase, waiting for the Deferred `stopService` returns.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import { InvalidStateError } from "../errors/errors.js";

/**
 * What `startService` / `stopService` may return: nothing when the work is done at once, or a
 * Deferred (or Promise) that fires when it is. A failure means the start (or stop) failed.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: overrides written without a return statement return void
export type ServiceResult = Deferred<unknown> | PromiseLike<unknown> | undefined | void;

/**
 * A service: something with a life cycle inside an application.
 *
 * Rules every implementation keeps:
 * - `privilegedStartService` runs before `startService`, at most once per start; it is where a
 *   service would do what needs privileges (bind a low port) before they are dropped.
 * - `startService` sets `running` to true before doing anything else; `stopService` sets it to
 *   false first. Both may return a Deferred; its failure means the step failed.
 * - A service has at most one parent; `setServiceParent` leaves the old parent first.
 */
export interface IService {
  /** The name, unique among the children of one parent; `null` for an unnamed service. */
  name: string | null;
  /** Whether the service was started and not stopped since. */
  readonly running: boolean;
  /** The collection this service belongs to, or `null`. */
  readonly parent: IServiceCollection | null;
  /**
   * Makes `parent` this service's parent (adding it to `parent`), leaving the previous parent
   * first.
   *
   * @throws DuplicateServiceNameError when `parent` has a child of the same name.
   */
  setServiceParent(parent: IServiceCollection): void;
  /**
   * Leaves the parent. If the parent is running, this service is stopped: the result is what its
   * `stopService` returned.
   *
   * @throws InvalidStateError when the service has no parent.
   */
  disownServiceParent(): ServiceResult;
  /** Does the work that needs privileges, before `startService`. */
  privilegedStartService(): void;
  /** Starts the service. */
  startService(): ServiceResult;
  /** Stops the service. */
  stopService(): ServiceResult;
}

/** A service that holds other services: starts and stops them with itself. */
export interface IServiceCollection extends Iterable<IService> {
  /**
   * The child named `name`.
   *
   * @throws ServiceNotFoundError when there is none.
   */
  getServiceNamed(name: string): IService;
  /**
   * Adds a child (sets its parent to this collection). A running collection starts the child at
   * once.
   *
   * @throws DuplicateServiceNameError when a child has the same name.
   */
  addService(service: IService): void;
  /**
   * Removes a child (clears its parent). A running collection stops the child: the result is
   * what the child's `stopService` returned.
   *
   * @throws ServiceNotFoundError when `service` is not a child.
   */
  removeService(service: IService): ServiceResult;
}

/**
 * Base class of services: keeps the name, the running state and the parent. Override
 * `startService` / `stopService` (calling `super`) to do the work.
 *
 * @example
 * ```ts
 * class Heartbeat extends Service {
 *   private call: IDelayedCall | null = null;
 *   constructor(private readonly clock: IReactorTime) { super(); this.name = "heartbeat"; }
 *   override startService() {
 *     super.startService();
 *     this.call = this.clock.callLater(1, () => console.log("alive"));
 *   }
 *   override stopService() {
 *     super.stopService();
 *     this.call?.cancel();
 *   }
 * }
 * new Heartbeat(reactor).setServiceParent(application);
 * ```
 */
export class Service implements IService {
  /** Whether the service was started and not stopped since. */
  running = false;
  /** The collection this service belongs to, or `null`. */
  parent: IServiceCollection | null = null;
  private _name: string | null = null;

  /** The service's name; `null` when unnamed. */
  get name(): string | null {
    return this._name;
  }

  /**
   * Renames the service.
   *
   * @throws InvalidStateError when the service has a parent (which files its children by name).
   */
  set name(name: string | null) {
    if (this.parent !== null && name !== this._name) {
      throw new InvalidStateError("Cannot rename a service that has a parent");
    }
    this._name = name;
  }

  /** {@inheritDoc IService.setServiceParent} */
  setServiceParent(parent: IServiceCollection): void {
    if (this.parent === parent) return;
    if (this.parent !== null) this.disownServiceParent();
    this.parent = parent;
    try {
      parent.addService(this);
    } catch (e) {
      this.parent = null;
      throw e;
    }
  }

  /** {@inheritDoc IService.disownServiceParent} */
  disownServiceParent(): ServiceResult {
    const parent = this.parent;
    if (parent === null) throw new InvalidStateError("The service has no parent");
    this.parent = null;
    try {
      return parent.removeService(this);
    } catch (e) {
      this.parent = parent;
      throw e;
    }
  }

  /** Does nothing; override for work that needs privileges. */
  privilegedStartService(): void {}

  /** Sets {@link running}. Override (calling `super.startService()` first) to start work. */
  startService(): ServiceResult {
    this.running = true;
  }

  /** Clears {@link running}. Override (calling `super.stopService()` first) to stop work. */
  stopService(): ServiceResult {
    this.running = false;
  }

  /** `Name (running)`-style description for logs. */
  toString(): string {
    return `${this.constructor.name}${this._name === null ? "" : ` ${JSON.stringify(this._name)}`}`;
  }
}
