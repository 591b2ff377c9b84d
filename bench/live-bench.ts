/**
 * Live push: from a chat start's reply (its assignment is written) to the operator's socket
 * hearing `chat.assigned`, through the local stack as `npm start` runs it (the notifier on the
 * table's stream, ws on the API's port). The contract asks for at most one second.
 */
import WebSocket from 'ws';
import { startLocalEvents } from '../infra/local/events.js';
import { BENCH_TABLE, startBenchServer } from './http-bench.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function call(url: string, method: string, body: unknown, token?: string) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as any;
}

export async function livePushLatency(endpoint: string, chats = 100) {
  const { server, platformToken } = await startBenchServer(endpoint);
  const events = await startLocalEvents({ endpoint, tableName: BENCH_TABLE });
  const api = `${server.url}/v1`;
  try {
    const { siteId, adminToken } = await call(`${api}/sites`, 'POST', { name: 'Live bench' }, platformToken);
    const { operatorToken } = await call(`${api}/sites/${siteId}/operators/ann`, 'PUT', { name: 'Ann' }, adminToken);
    await call(`${api}/sites/${siteId}/operators/ann/status`, 'PUT', { status: 'online' }, operatorToken);
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/v1/live`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const heard = new Map<string, number>();
    const waiting = new Map<string, () => void>();
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'ready') waiting.get('ready')?.();
      if (message.type !== 'chat.assigned') return;
      heard.set(message.chat.id, performance.now());
      waiting.get(message.chat.id)?.();
    });
    await new Promise<void>((resolve) => {
      waiting.set('ready', resolve);
      socket.send(JSON.stringify({ type: 'auth', siteId, token: operatorToken }));
    });
    const latencies: number[] = [];
    for (let i = 0; i < chats; i += 1) {
      const started = await call(`${api}/sites/${siteId}/chats`, 'POST', { visitorId: `live${i}` });
      const repliedAt = performance.now();
      const chatId = started.chat.id as string;
      if (!heard.has(chatId)) await new Promise<void>((resolve) => waiting.set(chatId, resolve));
      latencies.push(heard.get(chatId)! - repliedAt);
    }
    socket.close();
    latencies.sort((a, b) => a - b);
    return { pushP50Ms: percentile(latencies, 50), pushP99Ms: percentile(latencies, 99), pushMaxMs: latencies.at(-1) ?? 0 };
  } finally {
    await events.stop();
    await server.close();
  }
}
