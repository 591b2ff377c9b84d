/**
 * The local stand-in for a Lambda event source mapping on the table's DynamoDB stream: it reads
 * DynamoDB Local's stream four times a second (as Lambda polls a shard), keeps the records that
 * pass the function's filter patterns, and invokes the handler with batches of up to 100 in
 * order. A batch item failure is retried from the failed record (the records before it are
 * done), up to `retryAttempts`, then reported as Lambda's on-failure destination would be.
 */
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_CLIENT_CONFIG } from './dynamodb-local.js';
import { passesFilters } from './event-filter.js';

export const POLL_INTERVAL_MS = 250;
/** The partition of the sentinel items `drained` writes (no entity of the service lives there). */
const SENTINEL_PK = 'STREAM#SENTINEL';
const BATCH_SIZE = 100;
const RECORDS_PER_READ = 1000;

export interface StreamReaderOptions {
  endpoint: string;
  tableName: string;
  filterPatterns: readonly object[];
  invoke(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse | void>;
  retryAttempts?: number;
  onFailure?(records: DynamoDBRecord[], error: unknown): void;
}

export interface StreamReader {
  /**
   * Resolves once every record written before the call has been handled: it writes a sentinel
   * item and waits until its record has come through the stream (DynamoDB Local, like AWS,
   * may make a record readable some time after its write), then deletes it. For tests and
   * benchmarks.
   */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/** The record as Lambda delivers it (times in epoch seconds). */
function lambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...dynamodb } = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: 'local',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(dynamodb as DynamoDBRecord['dynamodb']),
      ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) } : {}),
    },
  };
}

export async function startStreamReader(options: StreamReaderOptions): Promise<StreamReader> {
  const config = { ...LOCAL_CLIENT_CONFIG, endpoint: options.endpoint };
  const dynamo = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${options.tableName} has no stream`);
  const retryAttempts = options.retryAttempts ?? 3;
  const iterators = new Map<string, string | undefined>();
  const finished = new Set<string>();
  let stopped = false;
  let passes = 0;
  let shardsChanged = true;
  const sentinels = new Map<string, () => void>();

  async function discoverShards(initial: boolean) {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      if (iterators.has(shardId) || finished.has(shardId)) continue;
      // Shards open at start: from now on (LATEST); shards that appear later: from their start.
      const type = initial && !shard.SequenceNumberRange?.EndingSequenceNumber ? 'LATEST' : 'TRIM_HORIZON';
      if (initial && shard.SequenceNumberRange?.EndingSequenceNumber) {
        finished.add(shardId);
        continue;
      }
      const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type }));
      iterators.set(shardId, ShardIterator);
    }
  }

  async function deliver(records: DynamoDBRecord[]) {
    for (let start = 0; start < records.length; start += BATCH_SIZE) {
      let batch = records.slice(start, start + BATCH_SIZE);
      for (let attempt = 0; batch.length > 0; attempt += 1) {
        let failedFrom = -1;
        let failure: unknown;
        try {
          const response = await options.invoke({ Records: batch });
          const failed = new Set((response?.batchItemFailures ?? []).map((item) => item.itemIdentifier));
          failedFrom = batch.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''));
        } catch (error) {
          failedFrom = 0;
          failure = error;
        }
        if (failedFrom < 0) break;
        batch = batch.slice(failedFrom);
        if (attempt >= retryAttempts) {
          (options.onFailure ?? ((lost, error) => console.error(`dispatcher: ${lost.length} stream records failed`, error)))(batch, failure);
          break;
        }
      }
    }
  }

  async function pass() {
    if (shardsChanged || passes % 20 === 0) {
      shardsChanged = false;
      await discoverShards(passes === 0);
    }
    for (const shardId of [...iterators.keys()]) {
      // As Lambda does, a shard that gave records is read again at once, until it is caught up (a
      // page may hold fewer records than asked while more wait: only an empty one says so).
      for (let more = true; more; ) {
        const iterator = iterators.get(shardId);
        if (!iterator) break;
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: RECORDS_PER_READ }));
        if (page.NextShardIterator) iterators.set(shardId, page.NextShardIterator);
        else {
          // The shard closed: its successor is read from its start on the next pass.
          iterators.delete(shardId);
          finished.add(shardId);
          shardsChanged = true;
        }
        const records = (page.Records ?? []).map((record) => lambdaRecord(record, streamArn!));
        await deliver(records.filter((record) => passesFilters(record, options.filterPatterns)));
        for (const record of records) {
          const sentinel = record.dynamodb?.Keys?.pk?.S === SENTINEL_PK ? record.dynamodb.Keys.sk?.S : undefined;
          if (sentinel) sentinels.get(sentinel)?.();
        }
        more = records.length > 0;
      }
    }
    passes += 1;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = pass();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass()
        .catch((error: unknown) => console.error('stream reader failed', error))
        .finally(schedule);
    }, POLL_INTERVAL_MS);
  };
  await running;
  schedule();

  return {
    async drained() {
      const id = randomUUID();
      const Key = { pk: { S: SENTINEL_PK }, sk: { S: id } };
      const seen = new Promise<void>((resolve) => sentinels.set(id, resolve));
      await dynamo.send(new PutItemCommand({ TableName: options.tableName, Item: Key }));
      await seen;
      sentinels.delete(id);
      if (!stopped) await dynamo.send(new DeleteItemCommand({ TableName: options.tableName, Key }));
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
      for (const resolve of sentinels.values()) resolve();
      dynamo.destroy();
      streams.destroy();
    },
  };
}
