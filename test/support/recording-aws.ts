import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one request needs from IAM: an action on a resource ARN. */
export interface Need {
  action: string;
  resource: string;
}

export interface RecordedCall {
  /** The function the request was made under (see `as`); undefined outside any. */
  fn: string | undefined;
  /** e.g. dynamodb:TransactWriteItems, s3:PutObject, secretsmanager:GetSecretValue */
  operation: string;
  needs: Need[];
  /** The parsed JSON body (DynamoDB, Secrets Manager) or, for S3, the bucket and key. */
  input: Record<string, any>;
  status?: number;
}

export interface RecordingAwsOptions {
  /** DynamoDB Local, where DynamoDB requests are forwarded. */
  dynamoEndpoint: string;
  region: string;
  account: string;
  /** Secret values by secret ARN, answered to GetSecretValue. */
  secrets: Record<string, string>;
}

export const tableArn = (region: string, account: string, tableName: string) =>
  tableName.startsWith('arn:') ? tableName : `arn:aws:dynamodb:${region}:${account}:table/${tableName}`;

/** The action a part of TransactWriteItems needs (there is no action for the transaction itself). */
const TRANSACT_WRITE_PARTS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/**
 * What a DynamoDB request needs from IAM, from its operation and JSON body: a transaction needs
 * the action of each part on that part's table; a Query or Scan of an index needs the index ARN.
 */
export function dynamoNeeds(operation: string, body: Record<string, any>, region: string, account: string): Need[] {
  const arn = (table: string) => tableArn(region, account, table);
  switch (operation) {
    case 'TransactWriteItems':
      return (body.TransactItems as Record<string, { TableName: string }>[]).map((item) => {
        const [part, value] = Object.entries(item)[0]!;
        const action = TRANSACT_WRITE_PARTS[part];
        if (!action) throw new Error(`Unknown TransactWriteItems part ${part}`);
        return { action, resource: arn(value.TableName) };
      });
    case 'TransactGetItems':
      return (body.TransactItems as { Get: { TableName: string } }[]).map((item) => ({
        action: 'dynamodb:GetItem',
        resource: arn(item.Get.TableName),
      }));
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(body.RequestItems as object).map((table) => ({ action: `dynamodb:${operation}`, resource: arn(table) }));
    case 'Query':
    case 'Scan': {
      const table = arn(body.TableName as string);
      return [{ action: `dynamodb:${operation}`, resource: body.IndexName ? `${table}/index/${body.IndexName}` : table }];
    }
    default:
      return [{ action: `dynamodb:${operation}`, resource: body.TableName ? arn(body.TableName as string) : '*' }];
  }
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * One local endpoint for the AWS services a function calls, recording every request with the
 * IAM actions and resources it needs, attributed to the function it was made under:
 * DynamoDB requests are forwarded to DynamoDB Local; S3 (path-style: point AWS_ENDPOINT_URL_S3
 * at an IP address) stores objects in memory; Secrets Manager answers GetSecretValue.
 * Requests are attributed by time: run one function at a time with `as`.
 */
export async function startRecordingAws(options: RecordingAwsOptions) {
  const { region, account } = options;
  const calls: RecordedCall[] = [];
  const objects = new Map<string, Buffer>();
  let current: string | undefined;
  const target = new URL(options.dynamoEndpoint);

  function record(call: Omit<RecordedCall, 'fn'>): RecordedCall {
    const recorded = { fn: current, ...call };
    calls.push(recorded);
    return recorded;
  }

  function forwardToDynamo(req: IncomingMessage, res: ServerResponse, body: Buffer, call: RecordedCall) {
    return new Promise<void>((resolve, reject) => {
      const upstream = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
        },
        (answer) => {
          call.status = answer.statusCode;
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  function json(res: ServerResponse, status: number, body: unknown, type = 'application/x-amz-json-1.1') {
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(body));
  }

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const body = await readAll(req);
    const amzTarget = String(req.headers['x-amz-target'] ?? '');
    if (amzTarget.startsWith('DynamoDB_')) {
      const operation = amzTarget.split('.')[1]!;
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, any>;
      const call = record({ operation: `dynamodb:${operation}`, needs: dynamoNeeds(operation, input, region, account), input });
      return forwardToDynamo(req, res, body, call);
    }
    if (amzTarget.startsWith('secretsmanager.')) {
      const operation = amzTarget.split('.')[1]!;
      const input = JSON.parse(body.toString('utf8') || '{}') as { SecretId: string };
      const call = record({
        operation: `secretsmanager:${operation}`,
        needs: [{ action: `secretsmanager:${operation}`, resource: input.SecretId }],
        input,
      });
      const value = options.secrets[input.SecretId];
      if (operation !== 'GetSecretValue' || value === undefined) {
        call.status = 400;
        return json(res, 400, { __type: 'ResourceNotFoundException', message: `No secret ${input.SecretId}` });
      }
      call.status = 200;
      return json(res, 200, { ARN: input.SecretId, Name: 'platform-token', SecretString: value, VersionId: 'v1' });
    }
    // S3, path-style: /<bucket>/<key>
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(rest.join('/'));
    const operation = req.method === 'PUT' && key ? 'PutObject' : req.method === 'GET' && key ? 'GetObject' : `${req.method} ${url.pathname}`;
    const call = record({
      operation: `s3:${operation}`,
      needs: [{ action: `s3:${operation}`, resource: `arn:aws:s3:::${bucket}${key ? `/${key}` : ''}` }],
      input: { Bucket: bucket, Key: key, ContentType: req.headers['content-type'], size: body.length },
    });
    if (operation === 'PutObject') {
      objects.set(`${bucket}/${key}`, body);
      call.status = 200;
      res.writeHead(200, { etag: '"0"' });
      return res.end();
    }
    call.status = 501;
    res.writeHead(501, { 'content-type': 'application/xml' });
    res.end('<Error><Code>NotImplemented</Code><Message>Only PutObject is served here.</Message></Error>');
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { __type: 'InternalFailure', message: String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    /** For DYNAMODB_ENDPOINT, AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_SECRETS_MANAGER. */
    url,
    calls,
    objects,
    /** Runs `run` with every request it makes attributed to `fn`; one at a time. */
    async as<T>(fn: string, run: () => Promise<T>): Promise<T> {
      if (current !== undefined) throw new Error(`Requests of ${fn} would mix with those of ${current}: run one at a time`);
      current = fn;
      try {
        return await run();
      } finally {
        current = undefined;
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type RecordingAws = Awaited<ReturnType<typeof startRecordingAws>>;
