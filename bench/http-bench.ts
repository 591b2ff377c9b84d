import { randomBytes } from 'node:crypto';
import { ensureTable } from '../infra/local/dynamodb-local.js';
import { startLocalServer } from '../infra/local/server.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function json(url: string, init: RequestInit) {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as any };
}

let platformToken: string | undefined;

/**
 * The local server on a table of the bench's own. The handlers read their configuration once
 * per process: every bench step that serves HTTP shares this one.
 */
export async function startBenchServer(endpoint: string) {
  if (!platformToken) {
    platformToken = randomBytes(32).toString('base64url');
    Object.assign(process.env, {
      TABLE_NAME: BENCH_TABLE,
      IDEMPOTENCY_TABLE_NAME: 'bench-http-idempotency',
      DYNAMODB_ENDPOINT: endpoint,
      PLATFORM_TOKEN: platformToken,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    await ensureTable(endpoint, BENCH_TABLE, 'bench-http-idempotency');
  }
  return { server: await startLocalServer({ port: 0 }), platformToken };
}

export const BENCH_TABLE = 'bench-http';

/** Chat starts per second through the local server (the real handlers), at the given concurrencies. */
export async function httpThroughput(endpoint: string, concurrencies: number[], total = 400) {
  const { server, platformToken } = await startBenchServer(endpoint);
  const api = `${server.url}/v1`;
  const headers = { 'content-type': 'application/json' };
  try {
    const site = await json(`${api}/sites`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${platformToken}` },
      body: JSON.stringify({ name: 'Bench' }),
    });
    const { siteId, adminToken } = site.body;
    for (let i = 0; i < 10; i += 1) {
      const created = await json(`${api}/sites/${siteId}/operators/op${i}`, {
        method: 'PUT',
        headers: { ...headers, authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ name: `Operator ${i}` }),
      });
      await json(`${api}/sites/${siteId}/operators/op${i}/status`, {
        method: 'PUT',
        headers: { ...headers, authorization: `Bearer ${created.body.operatorToken}` },
        body: JSON.stringify({ status: 'online' }),
      });
    }
    const results: Record<string, number> = {};
    for (const concurrency of concurrencies) {
      const times: number[] = [];
      let next = 0;
      const started = performance.now();
      const worker = async () => {
        while (next < total) {
          next += 1;
          const t0 = performance.now();
          const reply = await json(`${api}/sites/${siteId}/chats`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ visitorId: `v${next}` }),
          });
          if (reply.status !== 201) throw new Error(`chat start answered ${reply.status}`);
          times.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - started) / 1000;
      times.sort((a, b) => a - b);
      results[`httpChatsPerSecondC${concurrency}`] = total / seconds;
      results[`httpP50MsC${concurrency}`] = percentile(times, 50);
      results[`httpP99MsC${concurrency}`] = percentile(times, 99);
    }
    return results;
  } finally {
    await server.close();
  }
}
