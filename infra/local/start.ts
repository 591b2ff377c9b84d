/**
 * `npm start`: the whole service on this machine. DynamoDB Local (data kept in .local-data/),
 * the tables, the API on http://localhost:$PORT/v1 through the real handlers, the dispatcher of
 * waiting chats on the table's stream, the stale sweep and the queue repair every minute, and a
 * demo site on first start. Ctrl-C stops all of it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTable, startDynamoDbLocal } from './dynamodb-local.js';
import { buildWeb, WEB_DIST } from '../../web/build.js';
import { demoHostPage } from './demo-page.js';
import { startLocalEvents } from './events.js';
import { startLocalServer } from './server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = join(root, '.local-data');
const stateFile = join(dataDir, 'local-state.json');
const TABLE_NAME = 'chat-distribution';
const IDEMPOTENCY_TABLE_NAME = 'chat-distribution-idempotency';

interface LocalState {
  platformToken: string;
  /** The key the sites' webhook secrets are derived from (Secrets Manager's part in AWS). */
  webhookSigningKey?: string;
  demo?: { siteId: string; adminToken: string; operatorTokens: Record<string, string> };
}

function readState(): LocalState {
  if (existsSync(stateFile)) return JSON.parse(readFileSync(stateFile, 'utf8')) as LocalState;
  return { platformToken: randomBytes(32).toString('base64url') };
}

function saveState(state: LocalState) {
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

async function createDemoSite() {
  // Imported after the environment is set: the runtime reads its configuration once.
  const { runtime } = await import('../../lib/runtime.js');
  const { createSite } = await import('../../lib/engine/sites.js');
  const { upsertOperator } = await import('../../lib/engine/operators.js');
  const { deps } = runtime();
  const { siteId, adminToken } = await createSite(deps, { name: 'Demo site' });
  const operatorTokens: Record<string, string> = {};
  for (const [id, name] of [
    ['alice', 'Alice'],
    ['bob', 'Bob'],
    ['carol', 'Carol'],
  ] as const) {
    const { operatorToken } = await upsertOperator(deps, siteId, id, { name });
    operatorTokens[id] = operatorToken!;
  }
  return { siteId, adminToken, operatorTokens };
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  const state = readState();
  state.webhookSigningKey ??= randomBytes(32).toString('base64url');
  const tokenFromEnvironment = Boolean(process.env.PLATFORM_TOKEN);
  const platformToken = process.env.PLATFORM_TOKEN ?? state.platformToken;

  const dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
  await ensureTable(dynamo.endpoint, TABLE_NAME, IDEMPOTENCY_TABLE_NAME);
  Object.assign(process.env, {
    TABLE_NAME,
    IDEMPOTENCY_TABLE_NAME,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    PLATFORM_TOKEN: platformToken,
    AVATAR_DIR: join(dataDir, 'avatars'),
    AVATAR_BASE_URL: '/avatars',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    WEBHOOK_SIGNING_KEY: state.webhookSigningKey,
    LOCAL_WEBHOOKS: 'true',
    // CloudWatch reads metrics from Lambda's logs; locally they would only clutter the console.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });

  state.demo ??= await createDemoSite();
  saveState(state);

  const web = await buildWeb();
  const demoDir = join(dataDir, 'demo');
  mkdirSync(demoDir, { recursive: true });
  writeFileSync(join(demoDir, 'index.html'), demoHostPage(state.demo.siteId));

  const port = Number(process.env.PORT ?? 3000);
  const server = await startLocalServer({
    port,
    statics: [
      { prefix: '/avatars', folder: join(dataDir, 'avatars') },
      { prefix: '/', folder: demoDir, index: 'index.html' },
      { prefix: '/', folder: WEB_DIST },
    ],
  });

  const events = await startLocalEvents({ endpoint: dynamo.endpoint, tableName: TABLE_NAME, minuteJobs: true });

  const { demo } = state;
  console.log(`
Chat distribution is running.

  Demo page      ${server.url}/            (a host page with the widget of the demo site)
  Console        ${server.url}/console/    (operators: sign in with an operator token)
  Admin          ${server.url}/admin/      (sign in with the admin token)
  API            ${server.url}/v1          (try ${server.url}/v1/health)
  Widget         ${server.url}/widget.js   (${(web.widgetGzipBytes / 1024).toFixed(1)} KB gzipped)
  Platform token ${platformToken}${tokenFromEnvironment ? '   (from PLATFORM_TOKEN)' : '   (generated, kept in .local-data/)'}

  Demo site      ${demo.siteId}
  Admin token    ${demo.adminToken}
  Operators      ${Object.entries(demo.operatorTokens)
    .map(([id, token]) => `${id}: ${token}`)
    .join('\n                 ')}

Data is kept in .local-data/ (delete it to start afresh). Ctrl-C stops everything.
`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await events.stop();
    await server.close();
    await dynamo.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
