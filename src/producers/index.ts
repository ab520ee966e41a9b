/**
 * `braid/producers`: the producer/consumer contract that every data source and sink in Braid
 * speaks (see `interfaces.ts` for the rules and a diagram).
 *
 * @module
 */
export type { IConsumer, IProducer, IPullProducer, IPushProducer } from "./interfaces.js";
