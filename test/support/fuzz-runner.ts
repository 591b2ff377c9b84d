/**
 * Runs fuzz cases (test/support/fuzz-cases.ts) against a running API, batch by batch: each batch
 * gets a fresh site with its admin token, two online operators with their tokens and, for the
 * routes that take a chat, a fresh chat per case; chats the cases open are closed again. Every
 * reply is checked against the contract: never a 5xx, errors in the contract's shape, 2xx
 * replies as documented, and the status the recipe's verdict allows.
 */
import fc from 'fast-check';
import { errorObject } from '../../lib/http/response-schemas.js';
import { ROUTES, type Route as RouteDefinition } from '../../lib/routes/index.js';
import {
  caseArb,
  changesCredentials,
  FIXTURE_OPERATORS,
  realize,
  routeParts,
  type BatchFixtures,
  type CaseFixtures,
  type Realized,
  type Recipe,
} from './fuzz-cases.js';

export interface SendRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface SendReply {
  status: number;
  headers: Headers;
  text: string;
  /** Set when the sender's own contract check refused the reply (startTestApi's call does one). */
  contractError?: string;
}

export type Send = (request: SendRequest) => Promise<SendReply>;

export interface FuzzOptions {
  send: Send;
  platformToken: string;
  seed: number;
  /** Generated cases (the requests sent are more: fixtures, set-ups and clean-ups). */
  cases: number;
  batchSize?: number;
  concurrency?: number;
  progress?: (report: FuzzReport) => void;
}

export interface Failure {
  route: string;
  mode: string;
  label: string;
  request: string;
  status: number;
  reply: string;
  problems: string[];
}

export interface FuzzReport {
  seed: number;
  cases: number;
  validCases: number;
  requests: number;
  durationMs: number;
  /** Routes that received cases, with the statuses they answered. */
  statuses: Record<string, Record<number, number>>;
  /** Per route: valid cases, and how many of them got a 2xx (the rest a 4xx the contract lists for them). */
  valid: Record<string, { cases: number; succeeded: number }>;
  serverErrors: number;
  failures: Failure[];
}

/** A fixed seed for `npm test`; FUZZ_SEED replays another run. */
export const DEFAULT_SEED = 20_260_409;

export function seedFromEnv(fallback: number): number {
  const text = process.env.FUZZ_SEED;
  if (text === undefined || text === '') return fallback;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not ${JSON.stringify(text)}`);
  return seed | 0;
}

const START_CHAT = ROUTES.find((route) => route.method === 'POST' && route.path === '/v1/sites/{siteId}/chats');
const CLOSE_CHAT = ROUTES.find((route) => route.role === 'chat-party' && /\/close$/.test(route.path));

function routeOf(method: string, pathname: string): RouteDefinition | undefined {
  return ROUTES.find(
    (route) =>
      route.method === method &&
      new RegExp(`^${route.path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`).test(pathname),
  );
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** What the contract says of any reply, whatever the request. */
export function replyProblems(method: string, path: string, reply: SendReply): string[] {
  const problems: string[] = [];
  const body = parseJson(reply.text);
  if (reply.contractError) problems.push(`startTestApi's contract check: ${reply.contractError.split('\n')[0]}`);
  if (reply.status >= 500) problems.push(`a ${reply.status}: the server failed`);
  if (reply.status >= 400) {
    if (!errorObject.safeParse(body).success) problems.push(`the error is not {"error": {"code", "message"}}: ${reply.text.slice(0, 200)}`);
    if (reply.status === 401 && !/^Bearer/i.test(reply.headers.get('www-authenticate') ?? '')) problems.push('a 401 without WWW-Authenticate: Bearer');
    if (reply.status === 405 && !reply.headers.get('allow')) problems.push('a 405 without Allow');
    return problems;
  }
  const route = routeOf(method, path.split('?')[0]!);
  if (!route || route.name === 'answer-preflight') return problems;
  const schemas = route.responses ?? {};
  if (!(reply.status in schemas)) {
    problems.push(`${route.name} answered ${reply.status}, which it does not document (${Object.keys(schemas).join(', ')})`);
    return problems;
  }
  const schema = schemas[reply.status];
  if (schema) {
    const parsed = schema.safeParse(body);
    if (!parsed.success) problems.push(`${route.name} ${reply.status} does not match its schema: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  } else if (reply.text !== '') problems.push(`${route.name} ${reply.status} should have no body`);
  return problems;
}

function describeRequest(request: SendRequest): string {
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${name === 'authorization' ? value.replace(/(\S+\s+)(\S{6})\S+/, '$1$2…') : value.slice(0, 80)}`)
    .join('; ');
  const body = request.body ? ` body(${request.body.length} B)=${JSON.stringify(request.body.toString('utf8').slice(0, 240))}` : '';
  return `${request.method} ${request.path.slice(0, 300)}${headers ? ` [${headers}]` : ''}${body}`;
}

async function pool<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next]!;
        next += 1;
        await run(item);
      }
    }),
  );
}

/** Runs `cases` generated cases from `seed`; the report lists every failure (nothing stops at the first). */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const batchSize = options.batchSize ?? 32;
  const concurrency = options.concurrency ?? 6;
  const started = performance.now();
  const report: FuzzReport = {
    seed: options.seed,
    cases: 0,
    validCases: 0,
    requests: 0,
    durationMs: 0,
    statuses: {},
    valid: {},
    serverErrors: 0,
    failures: [],
  };
  for (const route of ROUTES) routeParts(route); // a route the fuzzer cannot describe fails here
  if (!START_CHAT || !CLOSE_CHAT) throw new Error('fuzz: no route starts or closes chats (the fixtures need them)');
  let unique = 0;
  let otherSite: BatchFixtures['otherSite'] | undefined;

  const send = async (request: SendRequest): Promise<SendReply> => {
    report.requests += 1;
    const reply = await options.send(request);
    if (reply.status >= 500) report.serverErrors += 1;
    return reply;
  };
  const json = (method: string, path: string, token: string | undefined, body?: unknown): SendRequest => ({
    method,
    path,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
  });
  /** A request of the fixtures themselves: it must succeed, or the run cannot go on. */
  const must = async (request: SendRequest, statuses: number[]) => {
    const reply = await send(request);
    const problems = replyProblems(request.method, request.path, reply);
    if (!statuses.includes(reply.status) || problems.length) {
      throw new Error(`fuzz fixture request failed: ${describeRequest(request)} -> ${reply.status} ${reply.text.slice(0, 300)} ${problems.join('; ')}`);
    }
    return parseJson(reply.text) as any;
  };

  const newSite = async (name: string) => {
    const site = await must(json('POST', '/v1/sites', options.platformToken, { name }), [201]);
    return { siteId: site.siteId as string, adminToken: site.adminToken as string };
  };

  async function makeBatch(index: number): Promise<BatchFixtures> {
    otherSite ??= await newSite('Fuzz other site');
    const site = await newSite(`Fuzz batch ${index}`);
    // Most batches let visitors choose their operator (start-chat's `operatorId`), some do not.
    if (index % 4 !== 0) {
      await must(json('PUT', `/v1/sites/${site.siteId}/settings`, site.adminToken, { allowVisitorChoice: true }), [200]);
    }
    const operatorTokens: Record<string, string> = {};
    for (const id of FIXTURE_OPERATORS) {
      const created = await must(json('PUT', `/v1/sites/${site.siteId}/operators/${id}`, site.adminToken, { name: `Operator ${id}` }), [201]);
      operatorTokens[id] = created.operatorToken;
      await must(json('PUT', `/v1/sites/${site.siteId}/operators/${id}/status`, created.operatorToken, { status: 'online' }), [200]);
    }
    return { platformToken: options.platformToken, ...site, operatorTokens, otherSite, idempotencyKeys: new Map() };
  }

  const fail = (recipe: Recipe, request: SendRequest, reply: SendReply | undefined, problems: string[]) => {
    report.failures.push({
      route: recipe.route.name,
      mode: recipe.mode,
      label: recipe.label,
      request: describeRequest(request),
      status: reply?.status ?? 0,
      reply: reply?.text.slice(0, 400) ?? '',
      problems,
    });
  };

  /** Closes a chat a case opened, so that no visitor or operator piles up open chats. */
  const closeOpened = async (batch: BatchFixtures, recipe: Recipe, realized: Realized, reply: SendReply) => {
    const body = parseJson(reply.text) as { chat?: { id?: string; status?: string }; chatToken?: string } | undefined;
    if (!body?.chatToken || !body.chat?.id || body.chat.status === 'closed') return;
    const request = json('POST', CLOSE_CHAT!.path.replace('{siteId}', batch.siteId).replace('{chatId}', body.chat.id), undefined, {
      chatToken: body.chatToken,
    });
    const closed = await send(request);
    const problems = replyProblems(request.method, request.path, closed);
    if (closed.status !== 200) problems.push(`closing the chat the case opened answered ${closed.status}`);
    if (problems.length) fail(recipe, request, closed, [`(clean-up after ${realized.method} ${realized.path})`, ...problems]);
  };

  /** A case the fuzzer itself could not carry out counts as a failure, with its cause. */
  async function runCase(batch: BatchFixtures, recipe: Recipe) {
    try {
      await runCaseUnguarded(batch, recipe);
    } catch (error) {
      fail(recipe, { method: recipe.method, path: recipe.route.path, headers: {} }, undefined, [`the fuzzer failed: ${(error as Error).stack}`]);
    }
  }

  async function runCaseUnguarded(batch: BatchFixtures, recipe: Recipe) {
    const { route } = recipe;
    unique += 1;
    const fixtures: CaseFixtures = { unique: `-z${unique.toString(36)}` };
    report.cases += 1;
    if (recipe.mode === 'valid') report.validCases += 1;

    // Set-up: a fresh chat for routes on a chat, the resource a DELETE removes.
    if (Object.values(recipe.path).some((param) => param.kind === 'fixture') && route.path.includes('{chatId}')) {
      const request = json('POST', START_CHAT!.path.replace('{siteId}', batch.siteId), undefined, { visitorId: `fuzz${fixtures.unique}` });
      const reply = await send(request);
      const body = parseJson(reply.text) as any;
      const problems = replyProblems(request.method, request.path, reply);
      if ((reply.status !== 201 && reply.status !== 202) || problems.length) {
        fail(recipe, request, reply, ['(set-up: starting the chat the case needs)', ...problems]);
        return;
      }
      fixtures.chat = { id: body.chat.id, token: body.chatToken, operatorId: body.chat.operatorId };
    }
    if (route.method === 'DELETE' && Object.values(recipe.path).some((param) => param.kind === 'new')) {
      // The PUT on the same path, on the fixture's site, with the ids the DELETE will name.
      const path = Object.fromEntries(
        Object.entries(recipe.path).map(([name, param]) => [name, param.kind === 'new' ? param : ({ kind: 'fixture', index: 0 } as const)]),
      );
      const creator = realize(
        { ...recipe, path, method: 'PUT', mode: 'valid', auth: { kind: 'route' }, headers: {}, body: { kind: 'json', value: recipe.setupBody }, query: undefined, rawQuery: undefined, origin: undefined },
        batch,
        fixtures,
      );
      const request: SendRequest = { method: 'PUT', path: creator.path, headers: { ...creator.headers, authorization: `Bearer ${batch.adminToken}` }, body: creator.body };
      const reply = await send(request);
      const problems = replyProblems(request.method, request.path, reply);
      if ((reply.status !== 201 && reply.status !== 200) || problems.length) {
        fail(recipe, request, reply, ['(set-up: creating what the DELETE removes)', ...problems]);
        return;
      }
    }

    const realized = realize(recipe, batch, fixtures);
    const request: SendRequest = { method: realized.method, path: realized.path, headers: realized.headers, body: realized.body };
    const key = realized.headers['idempotency-key'];
    if (key !== undefined) batch.idempotencyKeys.set(key, (batch.idempotencyKeys.get(key) ?? 0) + 1);
    let reply: SendReply;
    try {
      reply = await send(request);
    } catch (error) {
      fail(recipe, request, undefined, [`the request failed: ${(error as Error).message}`]);
      return;
    }
    const counts = (report.statuses[route.name] ??= {});
    counts[reply.status] = (counts[reply.status] ?? 0) + 1;
    if (recipe.mode === 'valid') {
      const valid = (report.valid[route.name] ??= { cases: 0, succeeded: 0 });
      valid.cases += 1;
      if (reply.status >= 200 && reply.status < 300) valid.succeeded += 1;
    }

    const body = parseJson(reply.text) as any;
    const code = typeof body?.error?.code === 'string' ? (body.error.code as string) : undefined;
    const problems = replyProblems(request.method, request.path, reply);
    if (!realized.expect.accepts(reply.status, code)) {
      problems.push(`expected ${realized.expect.describe}; got ${reply.status}${code ? ` ${code}` : ''}`);
    } else if (reply.status < 300 && realized.expect.check) {
      const problem = realized.expect.check(body);
      if (problem) problems.push(problem);
    }
    if (problems.length) fail(recipe, request, reply, problems);

    if (reply.status < 300 && realized.route) {
      // New tokens replace the fixture's (the old ones stop working).
      if (typeof body?.adminToken === 'string' && realized.path.includes(`/sites/${batch.siteId}/`)) batch.adminToken = body.adminToken;
      const operator = recipe.path.operatorId;
      if (typeof body?.operatorToken === 'string' && operator?.kind === 'fixture') {
        batch.operatorTokens[FIXTURE_OPERATORS[operator.index]!] = body.operatorToken;
      }
      if (realized.path.includes(`/sites/${batch.siteId}/`)) await closeOpened(batch, recipe, realized, reply);
    }
  }

  let batchIndex = 0;
  let remaining = options.cases;
  const walk = { nowMs: Date.now() };
  const batches = fc.array(caseArb(walk), { minLength: batchSize, maxLength: batchSize });
  await fc.assert(
    fc.asyncProperty(batches, async (recipes) => {
      const take = recipes.slice(0, remaining);
      remaining -= take.length;
      const batch = await makeBatch(batchIndex);
      batchIndex += 1;
      // Cases that replace a fixture's token run alone, after the others.
      await pool(
        take.filter((recipe) => !changesCredentials(recipe.route)),
        concurrency,
        (recipe) => runCase(batch, recipe),
      );
      for (const recipe of take.filter((candidate) => changesCredentials(candidate.route))) await runCase(batch, recipe);
      otherSite = { siteId: batch.siteId, adminToken: batch.adminToken };
      options.progress?.(report);
    }),
    { seed: options.seed, numRuns: Math.ceil(options.cases / batchSize), endOnFailure: true },
  );
  report.durationMs = performance.now() - started;
  return report;
}

/** The failures, grouped by route, kind and outcome, with one example each. */
export function summarizeFailures(report: FuzzReport, limit = 25): string {
  const groups = new Map<string, { count: number; example: Failure }>();
  for (const failure of report.failures) {
    const kind = failure.problems.map((problem) => problem.replace(/:.*$/s, '').replace(/\d{3,}/g, 'N')).join(' | ');
    const key = `${failure.route} | ${failure.mode} | ${failure.status} | ${kind}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { count: 1, example: failure });
  }
  const lines = [...groups.values()]
    .sort((a, b) => b.count - a.count)
    .slice(0, limit)
    .map(
      ({ count, example }) =>
        `- ${example.route} (${example.mode}: ${example.label}) ×${count}\n    ${example.request}\n    -> ${example.status} ${example.reply}\n    ${example.problems.join('\n    ')}`,
    );
  const more = groups.size > limit ? `\n… and ${groups.size - limit} more kinds` : '';
  return `${report.failures.length} failing requests, ${groups.size} kinds (seed ${report.seed}; replay with FUZZ_SEED=${report.seed}):\n${lines.join('\n')}${more}`;
}

/** Per route: cases, valid cases answered 2xx, and the statuses seen. */
export function routeTable(report: FuzzReport): string {
  return Object.entries(report.statuses)
    .map(([route, statuses]) => {
      const total = Object.values(statuses).reduce((sum, count) => sum + count, 0);
      const valid = report.valid[route] ?? { cases: 0, succeeded: 0 };
      const seen = Object.entries(statuses)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ');
      return `  ${route.padEnd(22)} ${String(total).padStart(5)} cases, valid ${valid.succeeded}/${valid.cases} 2xx; ${seen}`;
    })
    .join('\n');
}

export function summaryLine(report: FuzzReport): string {
  const routes = Object.keys(report.statuses).length;
  return `fuzz: ${report.requests} requests over ${routes} routes (${report.cases} cases, ${report.validCases} valid), ${report.serverErrors} server errors, ${report.failures.length} contract failures, seed ${report.seed}, ${(report.durationMs / 1000).toFixed(1)} s`;
}
