/**
 * `braid demo` (the default when no plugin is named): echo, chat and finger servers on
 * 127.0.0.1, on three consecutive ports from `--port-base` (8123, 8124, 8125 by default), and a
 * banner telling how to connect.
 *
 * @module
 */

import { StreamServerEndpointService } from "../../application/internet.js";
import { MultiService } from "../../application/multiservice.js";
import type { IService } from "../../application/service.js";
import * as strports from "../../application/strports.js";
import type { IProtocolFactory } from "../../protocol/interfaces.js";
import type { BraidPlugin, PluginContext } from "../plugin.js";
import { numberValue } from "../plugin.js";
import { chatFactory } from "./chat.js";
import { echoFactory } from "./echo.js";
import { fingerFactory } from "./finger.js";

const DEFAULT_BASE = 8123;

/** The demo's finger users. */
export const DEMO_USERS: ReadonlyMap<string, string> = new Map([
  ["moshez", "Happy and well"],
  ["braid", "An event-driven networking engine for TypeScript"],
]);

const HINTS: Record<string, string> = {
  echo: "type anything",
  chat: "pick a name, then talk",
  finger: "type moshez",
};

/** `braid demo [--port-base PORT]` */
export const demoPlugin: BraidPlugin = {
  name: "demo",
  summary: "echo, chat and finger on 127.0.0.1:8123-8125 (the default)",
  usage: "[--port-base PORT]",
  help: `  --port-base PORT     echo listens on PORT, chat on PORT+1, finger on PORT+2
                       (default ${DEFAULT_BASE}; 0 picks three free ports)`,
  options: { "port-base": { type: "string" } },
  makeService: ({ values }, context: PluginContext) => {
    const base = numberValue(values, "port-base", DEFAULT_BASE, 0, 65533);
    const demo = new MultiService();
    demo.name = "demo";
    const servers: [string, IProtocolFactory][] = [
      ["echo", echoFactory()],
      ["chat", chatFactory()],
      ["finger", fingerFactory(DEMO_USERS)],
    ];
    servers.forEach(([name, factory], i) => {
      const port = base === 0 ? 0 : base + i;
      const service = strports.service(
        `tcp:${port}:interface=127.0.0.1`,
        factory,
        context.reactor,
        {
          grace: context.grace,
        },
      );
      service.name = name;
      service.setServiceParent(demo);
    });
    return demo;
  },
  banner: (service: IService) => {
    const lines = ["Braid demo is running. Connect with:"];
    const demo = [...(service as MultiService)][0] as MultiService | undefined;
    for (const child of demo ?? []) {
      if (!(child instanceof StreamServerEndpointService) || child.port === null) continue;
      const host = child.port.getHost();
      const where = host.family === "UNIX" ? String(host) : `${host.host} ${host.port}`;
      lines.push(`  nc ${where}    # ${child.name}: ${HINTS[child.name ?? ""] ?? ""}`);
    }
    lines.push("Press Ctrl-C to stop.");
    return lines;
  },
};
