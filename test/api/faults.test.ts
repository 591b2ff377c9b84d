import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../lib/domain/errors.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ isolated: true });
});
afterAll(() => api.close());

/** Only the command under test fails; every other request reaches DynamoDB Local. */
function injectFaults() {
  const documents = mockClient(DynamoDBDocumentClient);
  documents.send.callThrough();
  const raw = mockClient(DynamoDBClient);
  raw.send.callThrough();
  return { documents, raw };
}
let mocks: ReturnType<typeof injectFaults> | undefined;
afterEach(() => {
  mocks?.documents.restore();
  mocks?.raw.restore();
  mocks = undefined;
});

const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });

function expectUnavailable(reply: { status: number; headers: Headers; body: any; text: string }) {
  expect(reply.status).toBe(503);
  expect(reply.headers.get('retry-after')).toBe('1');
  expect(reply.body.error.code).toBe('service_unavailable');
  expect(reply.text).not.toMatch(/throughput|Exception|at \w+ \(/i);
}

describe('throttling and network faults', () => {
  it('a throttled claim answers 503 with Retry-After and leaves nothing half-written', async () => {
    const { siteId } = await apiSite(api, ['a', 'b']);
    const before = await api.snapshot();
    mocks = injectFaults();
    mocks.documents.on(TransactWriteCommand).rejects(throttled());
    expectUnavailable(await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } }));
    mocks.documents.restore();
    mocks.raw.restore();
    expect(await api.snapshot()).toBe(before);
    const after = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } });
    expect(after.status).toBe(201);
  });

  it('a server fault of DynamoDB that outlives the retries (InternalFailure) is a 503 too, and writes nothing', async () => {
    const { siteId } = await apiSite(api, ['a']);
    const before = await api.snapshot();
    mocks = injectFaults();
    const fault = Object.assign(new Error('The request processing has failed because of an unknown error'), {
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    mocks.documents.on(TransactWriteCommand).rejects(fault);
    expectUnavailable(await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } }));
    mocks.documents.restore();
    mocks.raw.restore();
    expect(await api.snapshot()).toBe(before);
  });

  it('a transaction cancelled for throttling is a 503 too', async () => {
    const { siteId } = await apiSite(api, ['a']);
    mocks = injectFaults();
    mocks.documents.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }],
      }),
    );
    expectUnavailable(await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } }));
  });

  it('a network fault on the read answers 503 and writes nothing', async () => {
    const { siteId } = await apiSite(api, ['a']);
    const before = await api.snapshot();
    mocks = injectFaults();
    const timeout = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    mocks.documents.on(QueryCommand).rejects(timeout);
    expectUnavailable(await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } }));
    mocks.documents.restore();
    mocks.raw.restore();
    expect(await api.snapshot()).toBe(before);
  });

  it('a throttled settings write answers 503 and the settings stay as they were', async () => {
    const { siteId, adminToken } = await apiSite(api);
    mocks = injectFaults();
    mocks.documents.on(TransactWriteCommand).rejects(throttled());
    const reply = await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { distribution: 'random' } });
    expectUnavailable(reply);
    mocks.documents.restore();
    mocks.raw.restore();
    const settings = await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken });
    expect(settings.body.distribution).toBe('queue');
  });

  it('a throttled idempotency record answers 503 and starts no chat', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a']);
    mocks = injectFaults();
    mocks.raw.on(PutItemCommand).rejects(throttled());
    const reply = await api.call('POST', `/v1/sites/${siteId}/chats`, {
      body: { visitorId: 'v' },
      headers: { 'idempotency-key': 'fault-key' },
    });
    expectUnavailable(reply);
    mocks.documents.restore();
    mocks.raw.restore();
    const stats = await api.call('GET', `/v1/sites/${siteId}/stats`, { token: adminToken });
    expect(stats.body.operators[0].assigned + stats.body.unassigned).toBe(0);
  });

  it('a failed tidy-up after a committed claim still answers with the chat', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a'], { maxChats: 1 });
    mocks = injectFaults();
    // The claim's transaction goes through; the write that takes the now-full operator out of the queue fails.
    mocks.documents.on(UpdateCommand).rejects(throttled());
    const reply = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } });
    expect(reply.status).toBe(201);
    mocks.documents.restore();
    mocks.raw.restore();
    const next = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'w' } });
    expect(next.status).toBe(202);
    const operators = await api.call('GET', `/v1/sites/${siteId}/operators`, { token: adminToken });
    expect(operators.body.operators[0].activeChats).toBe(1);
  });

  it('an unexpected AWS error is a bare 500 that leaks nothing', async () => {
    const { siteId } = await apiSite(api, ['a']);
    mocks = injectFaults();
    mocks.documents.on(QueryCommand).rejects(
      Object.assign(new Error('One or more parameter values were invalid: secret-table-name'), { name: 'ValidationException' }),
    );
    const reply = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } });
    expect(reply.status).toBe(500);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.text).toBe(JSON.stringify({ error: { code: 'internal_error', message: ERRORS.internal_error.message } }));
    expect(reply.text).not.toMatch(/secret-table-name|ValidationException|stack/);
  });
});
