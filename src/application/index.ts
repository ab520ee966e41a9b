/**
 * `braid/application`: services and their tree (`Service`, `MultiService`, `Application`), and
 * the ready-made services for servers, clients and timers.
 *
 * @module
 */
export { Application } from "./application.js";
export {
  type BackoffPolicyOptions,
  backoffPolicy,
  ClientService,
  type ClientServiceOptions,
  type RetryPolicy,
  type WhenConnectedOptions,
} from "./client.js";
export {
  DEFAULT_GRACE,
  StreamServerEndpointService,
  type StreamServerEndpointServiceOptions,
  TimerService,
} from "./internet.js";
export { MultiService } from "./multiservice.js";
export { type IService, type IServiceCollection, Service, type ServiceResult } from "./service.js";
export * as strports from "./strports.js";
