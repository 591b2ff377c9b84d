/**
 * `npm run fuzz`: the fuzz test's cases (test/support/fuzz-*.ts), ten thousand or more, against
 * the real handlers on a DynamoDB Local of its own. FUZZ_SEED replays a run (a random seed is
 * drawn and printed otherwise), FUZZ_CASES sets the number of cases, FUZZ_CONCURRENCY the requests
 * in flight. Exits 1 on any 5xx or
 * contract failure, listing them by kind.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTable, startDynamoDbLocal } from '../infra/local/dynamodb-local.js';
import { startLocalServer } from '../infra/local/server.js';
import { routeTable, runFuzz, seedFromEnv, summarizeFailures, summaryLine, type Send } from '../test/support/fuzz-runner.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main() {
  const seed = seedFromEnv(randomInt(2 ** 31));
  const cases = Number(process.env.FUZZ_CASES ?? 10_000);
  process.stderr.write(`fuzz: seed ${seed} (FUZZ_SEED=${seed} replays it), ${cases} cases\n`);
  const dynamo = await startDynamoDbLocal();
  try {
    const tableName = 'fuzz';
    const idempotencyTableName = 'fuzz-idempotency';
    await ensureTable(dynamo.endpoint, tableName, idempotencyTableName);
    const platformToken = randomBytes(32).toString('base64url');
    const avatarDir = mkdtempSync(join(tmpdir(), 'fuzz-avatars-'));
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      IDEMPOTENCY_TABLE_NAME: idempotencyTableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      PLATFORM_TOKEN: platformToken,
      AVATAR_DIR: avatarDir,
      AVATAR_BASE_URL: '/avatars',
      POWERTOOLS_LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'SILENT',
      AWS_REGION: 'local',
    });
    const server = await startLocalServer({ port: 0, statics: [{ prefix: '/avatars', folder: avatarDir }] });
    const send: Send = async (request) => {
      const response = await fetch(`${server.url}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
      return { status: response.status, headers: response.headers, text: await response.text() };
    };
    try {
      let reported = 0;
      const report = await runFuzz({
        send,
        platformToken,
        seed,
        cases,
        concurrency: process.env.FUZZ_CONCURRENCY ? Number(process.env.FUZZ_CONCURRENCY) : undefined,
        progress: (progress) => {
          if (progress.cases - reported < 1000) return;
          reported = progress.cases;
          process.stderr.write(`  ${progress.cases} cases, ${progress.requests} requests, ${progress.failures.length} failures\n`);
        },
      });
      console.log(routeTable(report));
      console.log(summaryLine(report));
      if (report.failures.length) {
        console.log(summarizeFailures(report, 60));
        process.exitCode = 1;
      }
    } finally {
      await server.close();
    }
  } finally {
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
