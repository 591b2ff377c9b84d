/**
 * `npm run bench`: measures the engine against a DynamoDB Local of its own and writes the
 * figures to bench/results.json. Counts of requests and consumed capacity are the stable
 * figures; milliseconds are for information.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local.js';
import { burst, groupRouting, harness, latency, readCapacityScaling, staleSweep, uncontended, uncontendedIdempotent } from './engine-bench.js';
import { httpThroughput } from './http-bench.js';
import { livePushLatency } from './live-bench.js';
import { dispatchCostScaling, queueDispatch } from './queue-bench.js';
import { noAnswerReassignment } from './reassign-bench.js';
import { statsAtScale } from './stats-bench.js';
import { burst1000WithQueue, burst200, costsThatGrowWithOperators, site10000, writeCapacityPerChat } from './scale-bench.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** `npm run bench -- queue sweep`: only the steps whose label contains one of the words. */
const only = process.argv.slice(2);

async function main() {
  const dynamo = await startDynamoDbLocal();
  try {
    const h = await harness(dynamo.endpoint);
    const results: Record<string, number> = {};
    const step = async (label: string, run: () => Promise<Record<string, number>>) => {
      if (only.length > 0 && !only.some((word) => label.includes(word))) return;
      process.stderr.write(`- ${label}…\n`);
      Object.assign(results, await run());
    };
    await step('uncontended chat starts', () => uncontended(h));
    await step('uncontended chat starts with an Idempotency-Key', () => uncontendedIdempotent(h));
    await step('50-way bursts', () => burst(h));
    await step('read capacity, 10 vs 1,000 operators', () => readCapacityScaling(h));
    await step('least-busy: uncontended chat starts', () => uncontended(h, 200, 'least-busy'));
    await step('least-busy: 50-way bursts', () => burst(h, 10, 50, 'least-busy'));
    await step('least-busy: read capacity, 10 vs 1,000 operators', () => readCapacityScaling(h, 'least-busy'));
    await step('groups: a group of 10 among 1,000 operators', () => groupRouting(h));
    await step('stale sweep, 2,000 operators', () => staleSweep(dynamo.endpoint));
    await step('waiting queue: 500 waiting, 20 operators closing at once', () => queueDispatch(dynamo.endpoint));
    await step('dispatch cost, 50 vs 5,000 waiting', () => dispatchCostScaling(dynamo.endpoint));
    await step('scale: write capacity per assigned chat', () => writeCapacityPerChat(h));
    await step('scale: 200-way burst on 10 operators', () => burst200(h));
    await step('scale: 1,000 simultaneous starts on 10 operators with a waiting queue', () => burst1000WithQueue(h));
    await step('scale: a site of 10,000 operators', () => site10000(h));
    await step('scale: costs that grow with operators (widget, random mode, heartbeat)', () => costsThatGrowWithOperators(h));
    await step('scale: statistics of 30 days, 1,000 vs 1,000,000 chats', () => statsAtScale(h));
    await step('no answer: 50 chats taken back from an absent operator and reassigned', () => noAnswerReassignment(dynamo.endpoint));
    for (const concurrency of [1, 10, 50]) {
      await step(`latency at concurrency ${concurrency}`, async () => {
        const { p50, p99 } = await latency(h, concurrency);
        return { [`latencyP50MsC${concurrency}`]: p50, [`latencyP99MsC${concurrency}`]: p99 };
      });
    }
    await step('HTTP through the local server, concurrency 1 and 20', () => httpThroughput(dynamo.endpoint, [1, 20]));
    await step('live push: a chat start to the operator socket hearing it', () => livePushLatency(dynamo.endpoint));

    const rounded = Object.fromEntries(Object.entries(results).map(([key, value]) => [key, round(value)]));
    console.table(Object.entries(rounded).map(([figure, value]) => ({ figure, value })));
    const file = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
    mkdirSync(dirname(file), { recursive: true });
    // A filtered run updates its own figures and keeps the others.
    const kept = only.length > 0 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(file, `${JSON.stringify({ ...kept, measuredAt: new Date().toISOString(), ...rounded }, null, 2)}\n`);
    console.log(`written to ${file}`);
  } finally {
    await dynamo.stop();
  }
}

await main();
