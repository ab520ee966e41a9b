/**
 * The transport conformance suite, run against the in-memory pair of `braid/testing`
 * (`connectedServerAndClient`): the doubles must keep the contract the real transports keep.
 */

import { connectedServerAndClient, type IOPump } from "../../src/testing/iosim.js";
import { describeTransportConformance } from "../transports/conformance.js";

/** The pumps of the pairs alive now; the suite's `pump` hook flushes them all. */
const live = new Set<IOPump>();

describeTransportConformance(
  "IOPump (memory)",
  async (client, server) => {
    const { pump } = connectedServerAndClient(server, client);
    live.add(pump);
    return {
      client,
      server,
      cleanup: () => {
        pump.flush();
        live.delete(pump);
      },
    };
  },
  {
    pump: () => {
      for (const pump of live) pump.flush();
    },
  },
);
