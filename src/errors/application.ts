/**
 * Error classes of the application layer (services) and of the `braid` runner.
 *
 * Each has a fixed `name` and a stable `code`, like every {@link BraidError}.
 *
 * @module
 */

import { BraidError, withCode } from "./errors.js";

/** A service was given a name already used by another child of the same `MultiService`. */
export class DuplicateServiceNameError extends BraidError {
  /** The name in conflict. */
  readonly serviceName: string;

  constructor(serviceName = "", message?: string, options?: ErrorOptions) {
    super(message ?? `A service named ${JSON.stringify(serviceName)} already exists`, options);
    this.serviceName = serviceName;
  }
}
withCode(DuplicateServiceNameError, "ERR_DUPLICATE_SERVICE_NAME");

/**
 * `getServiceNamed` found no child of that name, or `removeService` was given a service that is
 * not a child.
 */
export class ServiceNotFoundError extends BraidError {
  /** The name looked for, when the lookup was by name. */
  readonly serviceName: string | undefined;

  constructor(serviceName?: string, message?: string, options?: ErrorOptions) {
    super(
      message ??
        (serviceName === undefined
          ? "The service is not a child of this collection"
          : `No service named ${JSON.stringify(serviceName)}`),
      options,
    );
    this.serviceName = serviceName;
  }
}
withCode(ServiceNotFoundError, "ERR_SERVICE_NOT_FOUND");

/**
 * The `braid` command line is wrong: an unknown option or plugin, a missing or malformed value.
 * The runner prints the message on one line and exits with code 2.
 */
export class UsageError extends BraidError {
  constructor(message = "Invalid command line", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(UsageError, "ERR_USAGE");

/** `braid <name>` names no known plugin. A {@link UsageError}. */
export class UnknownPluginError extends UsageError {
  /** The name given. */
  readonly plugin: string;

  constructor(plugin = "", message?: string, options?: ErrorOptions) {
    super(message ?? `Unknown plugin ${JSON.stringify(plugin)} (try "braid --help")`, options);
    this.plugin = plugin;
  }
}
withCode(UnknownPluginError, "ERR_UNKNOWN_PLUGIN");

/**
 * An application could not be set up: a file it needs is missing or unreadable, a module given
 * to `braid run` does not load or exports no service. The runner prints the message on one
 * line and exits with code 1.
 */
export class StartupError extends BraidError {
  constructor(message = "The application could not start", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(StartupError, "ERR_STARTUP");
