import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';
import type { RecordedCall } from '../support/recording-aws.js';

/**
 * The IAM action each served operation is authorized as: a batch is authorized as its single
 * action (there is no sqs:SendMessageBatch action).
 */
const ACTION_OF: Record<string, string> = {
  SendMessage: 'sqs:SendMessage',
  SendMessageBatch: 'sqs:SendMessage',
  ChangeMessageVisibility: 'sqs:ChangeMessageVisibility',
};

/** A visibility change a consumer asked for (a failed webhook delivery's backoff). */
export interface VisibilityChange {
  queueArn: string;
  receiptHandle: string;
  visibilityTimeout: number;
}

/** A message as the stand-in received it. */
export interface SentMessage {
  messageId: string;
  queueArn: string;
  body: string;
  delaySeconds: number | undefined;
  sentAtMs: number;
}

export interface RecordingSqsOptions {
  region: string;
  /** Where each request is recorded, as the recording AWS endpoint records its own (test/support/recording-aws.ts). */
  calls: RecordedCall[];
  /** The function requests are made under now (undefined outside any). */
  currentFn: () => string | undefined;
}

/** The ARN of a queue from its URL: https://<host>/<account>/<name>. */
export function queueArnOf(queueUrl: string, region: string): string {
  const [account = '', name = ''] = new URL(queueUrl).pathname.slice(1).split('/');
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * SQS for the functions' SDK clients (the AWS JSON protocol the SDK v3 speaks): SendMessage and
 * SendMessageBatch are recorded with the IAM action and queue ARN they need, attributed to the
 * current function, and their messages kept, to be handed to the consumer as the event source
 * would; ChangeMessageVisibility likewise, its change kept. Any other operation is recorded too,
 * and refused.
 */
export async function startRecordingSqs(options: RecordingSqsOptions) {
  const sent: SentMessage[] = [];
  const visibilityChanges: VisibilityChange[] = [];
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');

  function json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  }

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const body = await readAll(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : `unknown ${req.method} ${req.url}`;
    const input = (target ? JSON.parse(body.toString('utf8') || '{}') : { raw: body.toString('utf8') }) as Record<string, any>;
    const queueArn = typeof input.QueueUrl === 'string' ? queueArnOf(input.QueueUrl, options.region) : '*';
    const call: RecordedCall = {
      fn: options.currentFn(),
      operation: `sqs:${operation}`,
      needs: [{ action: ACTION_OF[operation] ?? `sqs:${operation}`, resource: queueArn }],
      input,
    };
    options.calls.push(call);
    const keep = (messageBody: string, delaySeconds: number | undefined) => {
      const messageId = randomUUID();
      sent.push({ messageId, queueArn, body: messageBody, delaySeconds, sentAtMs: Date.now() });
      // The SDK checks the body's MD5 against the one answered.
      return { MessageId: messageId, MD5OfMessageBody: md5(messageBody) };
    };
    switch (operation) {
      case 'SendMessage':
        call.status = 200;
        return json(res, 200, keep(String(input.MessageBody), input.DelaySeconds as number | undefined));
      case 'SendMessageBatch': {
        const entries = input.Entries as { Id: string; MessageBody: string; DelaySeconds?: number }[];
        if (entries.length < 1 || entries.length > 10) {
          call.status = 400;
          return json(res, 400, { __type: 'com.amazonaws.sqs#TooManyEntriesInBatchRequest', message: `${entries.length} entries` });
        }
        call.status = 200;
        const successful = entries.map((entry) => ({ Id: entry.Id, ...keep(String(entry.MessageBody), entry.DelaySeconds) }));
        return json(res, 200, { Successful: successful, Failed: [] });
      }
      case 'ChangeMessageVisibility':
        visibilityChanges.push({ queueArn, receiptHandle: String(input.ReceiptHandle), visibilityTimeout: Number(input.VisibilityTimeout) });
        call.status = 200;
        return json(res, 200, {});
      default:
        call.status = 400;
        return json(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `${operation} is not served here` });
    }
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    /** For AWS_ENDPOINT_URL_SQS, and the host of the queue URLs handed to the functions. */
    url,
    sent,
    visibilityChanges,
    /** Messages as the SQS event source hands them to the consumer, received `receiveCount` times so far (this one included). */
    event(messages: readonly SentMessage[], receiveCount = 1): SQSEvent {
      return {
        Records: messages.map((message) => ({
          messageId: message.messageId,
          receiptHandle: randomUUID(),
          body: message.body,
          attributes: {
            ApproximateReceiveCount: String(receiveCount),
            SentTimestamp: String(message.sentAtMs),
            SenderId: 'AROAEXAMPLE',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: md5(message.body),
          eventSource: 'aws:sqs',
          eventSourceARN: message.queueArn,
          awsRegion: options.region,
        })),
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type RecordingSqs = Awaited<ReturnType<typeof startRecordingSqs>>;
