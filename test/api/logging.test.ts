import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Before the modules load: the logger takes its level when it is made (the other test files run it silent).
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
const lines: string[] = [];

beforeAll(async () => {
  process.env.TEST_LOG_LEVEL = 'INFO';
  api = await startTestApi();
  // Powertools Logger writes JSON lines to stdout through the console.
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
});
afterAll(async () => {
  delete process.env.TEST_LOG_LEVEL;
  vi.restoreAllMocks();
  await api.close();
});

describe('structured logs', () => {
  it('log the original error of a 500, which the reply does not show', async () => {
    const { siteId } = await apiSite(api, ['a']);
    const mock = mockClient(DynamoDBDocumentClient);
    mock.send.callThrough();
    mock.on(QueryCommand).rejects(Object.assign(new Error('the real cause: index gone'), { name: 'ValidationException' }));
    try {
      const reply = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } });
      expect(reply.status).toBe(500);
      expect(reply.text).not.toContain('the real cause');
    } finally {
      mock.restore();
    }
    const failures = lines
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('"request failed"'))
      .map((line) => JSON.parse(line) as { error?: { message?: string }; route?: string });
    expect(failures).toContainEqual(expect.objectContaining({ route: 'start-chat', error: expect.objectContaining({ message: 'the real cause: index gone' }) }));
  });

  it('log route, site and outcome as JSON, and never a token', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a']);
    const chat = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } });
    await api.call('POST', `/v1/sites/${siteId}/chats/${chat.body.chat.id}/close`, { body: { chatToken: chat.body.chatToken } });
    await api.call('GET', `/v1/sites/${siteId}/settings`, { token: 'wrong-token-value' });

    const entries = lines
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const handled = entries.filter((entry) => entry.message === 'request handled');
    expect(handled.length).toBeGreaterThanOrEqual(5);
    expect(handled).toContainEqual(expect.objectContaining({ route: 'start-chat', siteId, statusCode: 201, outcome: 'ok' }));
    expect(handled).toContainEqual(expect.objectContaining({ route: 'get-settings', siteId, statusCode: 401, outcome: 'refused' }));
    const everything = lines.join('\n');
    for (const secret of [api.platformToken, adminToken, tokens.a!, chat.body.chatToken, 'wrong-token-value']) {
      expect(everything).not.toContain(secret);
    }
  });
});
