import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

/** What the receiver does with the n-th request (0-based): answer with a status, or never answer. */
export type Behaviour = (request: number, received: ReceivedWebhook) => number | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1 for the webhook tests: it keeps every request, answers as
 * `behaviour` says (200 by default), and de-duplicates by event id as a receiver should.
 */
export async function startWebhookReceiver(behaviour: Behaviour = () => 200) {
  const received: ReceivedWebhook[] = [];
  const hanging: ServerResponse[] = [];
  const waiters: Array<() => void> = [];
  let respond = behaviour;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { headers: request.headers, body, json: JSON.parse(body) };
      const index = received.length;
      received.push(entry);
      for (const wake of waiters.splice(0)) wake();
      const answer = respond(index, entry);
      if (answer === 'hang') hanging.push(response);
      else response.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/chat`,
    received,
    /** Distinct events, by id (what a receiver that de-duplicates keeps). */
    events: () => [...new Map(received.map((entry) => [entry.json.id as string, entry.json])).values()],
    behave(next: Behaviour) {
      respond = next;
    },
    /** Resolves once `test` holds for what was received (each request wakes it). */
    async until(test: () => boolean): Promise<void> {
      while (!test()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
