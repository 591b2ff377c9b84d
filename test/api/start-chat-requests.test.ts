import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { startRecordingAws, type RecordingAws } from '../support/recording-aws.js';

/**
 * What a chat start costs over HTTP: the local server's handlers send their DynamoDB requests
 * through a recording proxy in front of DynamoDB Local (lib/runtime.ts builds one client for the
 * main table and the idempotency table), so every request the Lambda would make is counted.
 */

const SHOP = 'https://shop.example';

let aws: RecordingAws;
let api: TestApi;
let siteId: string;

beforeAll(async () => {
  aws = await startRecordingAws({ dynamoEndpoint: inject('dynamoEndpoint'), region: 'local', account: '000000000000', secrets: {} });
  api = await startTestApi({ handlerDynamoEndpoint: aws.url });
  let adminToken: string;
  ({ siteId, adminToken } = await apiSite(api, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], { online: true }));
  const settings = await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { allowedOrigins: [SHOP] } });
  expect(settings.status).toBe(200);
});
afterAll(async () => {
  await api?.close();
  await aws?.close();
});

let visitors = 0;
const visitor = () => ({ visitorId: `v${(visitors += 1)}` });

/** The DynamoDB operations the request made, in order. */
async function metered<T>(send: () => Promise<T>): Promise<{ reply: T; operations: string[] }> {
  const from = aws.calls.length;
  const reply = await send();
  return { reply, operations: aws.calls.slice(from).map((call) => call.operation.replace('dynamodb:', '')) };
}

const start = (body: unknown, headers: Record<string, string> = {}) =>
  api.call('POST', `/v1/sites/${siteId}/chats`, { body, headers: { origin: SHOP, ...headers } });

describe('DynamoDB requests per chat start over HTTP', () => {
  it('an uncontended chat start makes 2 requests: the queue head (with the settings, CORS included) and the claim', async () => {
    // The first start in the process learns the site's order; steady state is what counts.
    expect((await start(visitor())).status).toBe(201);
    for (let i = 0; i < 5; i += 1) {
      const { reply, operations } = await metered(() => start(visitor()));
      expect(reply.status).toBe(201);
      expect(reply.headers.get('access-control-allow-origin')).toBe(SHOP);
      expect(operations).toEqual(['Query', 'TransactWriteItems']);
    }
  });

  it('with an Idempotency-Key it is 3: the in-progress record, the queue head, the claim (which completes the record)', async () => {
    for (let i = 0; i < 3; i += 1) {
      const key = `cost-${i}-${Math.random().toString(36).slice(2)}`;
      const body = visitor();
      const { reply, operations } = await metered(() => start(body, { 'idempotency-key': key }));
      expect(reply.status).toBe(201);
      expect(reply.headers.get('access-control-allow-origin')).toBe(SHOP);
      expect(operations).toEqual(['PutItem', 'Query', 'TransactWriteItems']);
      // A repeat runs no engine: its reply is the stored one, and the site is read for CORS.
      const repeat = await metered(() => start(body, { 'idempotency-key': key }));
      expect(repeat.reply.text).toBe(reply.text);
      expect(repeat.reply.headers.get('access-control-allow-origin')).toBe(SHOP);
      expect(repeat.operations.filter((operation) => operation !== 'PutItem')).toEqual(['GetItem']);
    }
  });

  it('a start refused for its Origin reads the queue head only and writes nothing; an error before the engine reads the site', async () => {
    const evil = { origin: 'https://evil.example' };
    const refused = await metered(() => start(visitor(), evil));
    expect(refused.reply.status).toBe(403);
    expect(refused.operations).toEqual(['Query']);
    // With a key, Powertools' in-progress record is put, and deleted when the start is refused.
    const keyed = await metered(() => start(visitor(), { ...evil, 'idempotency-key': 'refused' }));
    expect(keyed.reply.status).toBe(403);
    expect(keyed.operations).toEqual(['PutItem', 'Query', 'DeleteItem']);
    for (const headers of [evil, {}]) {
      const invalid = await metered(() => start({}, headers));
      expect(invalid.reply.status).toBe(headers === evil ? 403 : 400);
      expect(invalid.operations).toEqual(['GetItem']);
    }
  });
});
