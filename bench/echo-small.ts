/**
 * echo-small (issue 3): 256 connections, 64-byte messages, one in flight each (req/s), Braid's
 * echo server vs a raw `node:net` one.
 *
 * @module
 */

import { echoBenchmark } from "./lib/echo.js";

export const benchmark = echoBenchmark({
  name: "echo-small",
  description:
    "Echo of 64-byte messages on 256 connections, 1 in flight each (completed echoes/s), Braid's " +
    "Echo protocol on the reactor vs a raw node:net echo server with noDelay; C epoll load " +
    "generator on the other core.",
  load: { conns: 256, size: 64, depth: 1 },
  unit: "req/s",
  goal: { kind: "min", ratio: 0.9 },
});
