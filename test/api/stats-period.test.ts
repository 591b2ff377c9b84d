import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
let siteId: string;
let adminToken: string;

beforeAll(async () => {
  api = await startTestApi();
  ({ siteId, adminToken } = await apiSite(api, ['a']));
  const chat = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v1' } });
  expect(chat.status).toBe(201);
});
afterAll(() => api.close());

const stats = (query: string) => api.call('GET', `/v1/sites/${siteId}/stats?${query}`, { token: adminToken });
const totalAssigned = (body: { operators: { assigned: number }[] }) => body.operators.reduce((sum, op) => sum + op.assigned, 0);

describe('stats periods', () => {
  it.each([
    ['from=0000-01-01', 'query.from'],
    ['from=1900-01-01', 'query.from'],
    ['from=1969-12-31&to=2000-01-01', 'query.from'],
    ['to=0000-01-01', 'query.to'],
    ['from=9999-12-31T23:59:59-05:00', 'query.from'],
    ['from=2026-02-30', 'query.from'],
    ['from=2026-02-01&to=2026-01-01', 'query.from'],
    ['from=2024-01-01&to=2025-01-01', 'query.to'],
    ['from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00.001Z', 'query.to'],
    ['from=2000-01-01', 'query.from'],
    ['from=', 'query.from'],
  ])('%s is a 400 naming %s, and reads nothing', async (query, field) => {
    const reply = await stats(query);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
    expect(reply.body.error.message.startsWith(`${field}:`), reply.body.error.message).toBe(true);
  });

  it.each(['from=2099-01-01', 'from=9999-12-31T23:59:59Z', 'from=2099-01-01&to=2099-12-31', 'from=9999-12-31&to=9999-12-31'])(
    'a future period (%s) is a 200 with zeros',
    async (query) => {
      const reply = await stats(query);
      expect(reply.status).toBe(200);
      expect(reply.body.unassigned).toBe(0);
      expect(totalAssigned(reply.body)).toBe(0);
      expect(reply.body.operators.map((op: { id: string }) => op.id)).toEqual(['a']);
    },
  );

  it('a period of exactly 366 days is allowed, and ends at the last millisecond of its plain-date end', async () => {
    expect((await stats('from=2024-01-01&to=2024-12-31')).status).toBe(200);
    expect((await stats('from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z')).status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const thisDay = await stats(`from=${today}&to=${today}`);
    expect(totalAssigned(thisDay.body)).toBe(1);
  });

  it('a past period before the chat, and a period without from (all time), count what they should', async () => {
    const past = await stats('from=1999-06-01&to=2000-01-01');
    expect(past.status).toBe(200);
    expect(totalAssigned(past.body)).toBe(0);
    const allTime = await stats('to=9999-12-31');
    expect(totalAssigned(allTime.body)).toBe(1);
    const lastYear = new Date(Date.now() - 300 * 24 * 3600 * 1000).toISOString();
    expect(totalAssigned((await stats(`from=${encodeURIComponent(lastYear)}`)).body)).toBe(1);
  });
});
