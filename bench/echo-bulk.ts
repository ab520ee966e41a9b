/**
 * echo-bulk (issue 3): 64 connections, 16 KiB messages, 8 in flight each (MiB/s), Braid's echo
 * server vs a raw `node:net` one.
 *
 * @module
 */

import { echoBenchmark } from "./lib/echo.js";

export const benchmark = echoBenchmark({
  name: "echo-bulk",
  description:
    "Echo of 16 KiB messages on 64 connections, 8 in flight each (MiB/s echoed back), Braid's " +
    "Echo protocol on the reactor vs a raw node:net echo server with noDelay; C epoll load " +
    "generator on the other core.",
  load: { conns: 64, size: 16 * 1024, depth: 8 },
  unit: "MiB/s",
  goal: { kind: "min", ratio: 0.9 },
  unprimed: true,
});
