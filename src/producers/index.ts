/**
 * `braid/producers`: the producer/consumer contract that every data source and sink in Braid
 * speaks (see `interfaces.ts` for the rules and a diagram), the ready-made producers
 * (`FileSender`, the bounded `ProducerConsumerProxy`, `CooperativeProducer` for CPU-bound
 * generators), typed pipelines (`pipe(source, ...stages, sink)`) and bridges to Node streams,
 * WHATWG streams and async iterables, all under one backpressure contract.
 *
 * @module
 */
export {
  AsyncIterableSink,
  type AsyncIterableSinkOptions,
  fromIterable,
  IterableProtocol,
  IterableSource,
  type IterableSourceOptions,
} from "./bridges/iterable.js";
export {
  type DuplexBridge,
  fromDuplex,
  fromReadable,
  ReadableSink,
  ReadableSource,
  toReadable,
  toWritable,
  WritableSink,
} from "./bridges/node.js";
export { PipelineProtocol, TransportSink, type TransportSinkOptions } from "./bridges/transport.js";
export {
  fromReadableStream,
  ReadableStreamSource,
  toReadableStream,
  toWritableStream,
  WritableStreamSink,
} from "./bridges/web.js";
export { CooperativeProducer, type CooperativeProducerOptions } from "./cooperative.js";
export {
  type ChunkTransform,
  DEFAULT_CHUNK_SIZE,
  FileSender,
  type FileSenderOptions,
  type FileSource,
} from "./filesender.js";
export type { IConsumer, IProducer, IPullProducer, IPushProducer } from "./interfaces.js";
export {
  BasicProducerConsumerProxy,
  type BoundedProxyOptions,
  ProducerConsumerProxy,
  type ProducerConsumerProxyOptions,
} from "./pcp.js";
export {
  type IFinishableConsumer,
  type ISource,
  isFinishable,
  type MaybeAsync,
  Pipeline,
  PipelineBuilder,
  type PipelineOptions,
  type PipelineSummary,
  type Push,
  pipe,
  pipeline,
  type Source,
  type Stage,
  type StageSummary,
} from "./pipeline.js";
export {
  callProducer,
  checkWriteBufferLimits,
  DEFAULT_HIGH_WATER,
  type ProducerMethod,
  ProducerRegistration,
  type WriteBufferLimits,
} from "./registration.js";
export {
  batch,
  CollectingSink,
  collect,
  filter,
  flatMap,
  type MapAsyncOptions,
  map,
  mapAsync,
  type SplitLinesOptions,
  splitLines,
  stage,
  tap,
} from "./stages.js";
