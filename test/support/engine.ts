import type { Deadline } from '../../lib/deadlines/deadline.js';
import { InProcessDeadlineQueue } from '../../lib/deadlines/in-process-queue.js';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable, LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import type { Random } from '../../lib/domain/distribution/index.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { documentClient, dynamoStore } from '../../lib/store/dynamo-store.js';
import { meterRequests } from '../../lib/store/dynamo/request-meter.js';

export const T0 = Date.parse('2026-11-24T12:00:00.000Z');

/** A clock the test moves by hand; `tick` makes every reading distinct, as real time would. */
export function testClock(start = T0) {
  let now = start;
  return {
    now: () => now,
    set(ms: number) {
      now = ms;
    },
    advance(ms: number) {
      now += ms;
    },
    /** A reading that moves one millisecond per call, for concurrent requests. */
    ticking: () => now++,
  };
}

/** mulberry32: a small seeded generator, so statistical tests are reproducible. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function testDocumentClient() {
  return documentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: inject('dynamoEndpoint') });
}

/**
 * A table of its own, for tests that read across sites (the stale sweep) or run the dispatcher
 * on its stream; `stream: false` when nothing reads the stream (faster bulk writes).
 */
export async function isolatedTable(prefix: string, options: { stream?: boolean } = {}): Promise<string> {
  const tableName = `${prefix}-${randomUUID()}`;
  await ensureTable(inject('dynamoEndpoint'), tableName, undefined, options);
  return tableName;
}

export interface TestEngine {
  deps: EngineDeps;
  /** The deps' deadline queue: a test hands it a consumer to see deadlines delivered. */
  deadlines: InProcessDeadlineQueue;
  clock: ReturnType<typeof testClock>;
  meter: ReturnType<typeof meterRequests>;
  tableName: string;
}

export function testEngine(options: { tableName?: string; random?: Random; clock?: () => number } = {}): TestEngine {
  const clock = testClock();
  const doc = testDocumentClient();
  const meter = meterRequests(doc);
  const tableName = options.tableName ?? inject('tableName');
  const deadlines = new InProcessDeadlineQueue();
  return {
    deps: { store: dynamoStore(doc, tableName), clock: options.clock ?? clock.now, random: options.random ?? Math.random, deadlines },
    deadlines,
    clock,
    meter,
    tableName,
  };
}

/** The deps with a deadline queue that only keeps what is sent (`sent`), for a test to deliver by hand. */
export function keepingDeadlines(deps: EngineDeps): { deps: EngineDeps; sent: Deadline[] } {
  const sent: Deadline[] = [];
  const schedule = (deadline: Deadline) => {
    sent.push(deadline);
    return Promise.resolve();
  };
  return { deps: { ...deps, deadlines: { schedule } }, sent };
}
