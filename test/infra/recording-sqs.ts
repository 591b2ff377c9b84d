import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';
import type { RecordedCall } from '../support/recording-aws.js';

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
 * SQS for the functions' SDK clients (the AWS JSON protocol the SDK v3 speaks): SendMessage is
 * recorded with the IAM action and queue ARN it needs, attributed to the current function, and
 * kept, to be handed to the consumer as the event source would. Any other operation is recorded
 * too, and refused.
 */
export async function startRecordingSqs(options: RecordingSqsOptions) {
  const sent: SentMessage[] = [];

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
      needs: [{ action: `sqs:${operation}`, resource: queueArn }],
      input,
    };
    options.calls.push(call);
    if (operation !== 'SendMessage') {
      call.status = 400;
      return json(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `Only SendMessage is served here, not ${operation}` });
    }
    const messageBody = String(input.MessageBody);
    const messageId = randomUUID();
    sent.push({ messageId, queueArn, body: messageBody, delaySeconds: input.DelaySeconds as number | undefined, sentAtMs: Date.now() });
    call.status = 200;
    // The SDK checks the body's MD5 against the one answered.
    return json(res, 200, { MessageId: messageId, MD5OfMessageBody: createHash('md5').update(messageBody).digest('hex') });
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
    /** Messages as the SQS event source hands them to the consumer. */
    event(messages: readonly SentMessage[]): SQSEvent {
      return {
        Records: messages.map((message) => ({
          messageId: message.messageId,
          receiptHandle: randomUUID(),
          body: message.body,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(message.sentAtMs),
            SenderId: 'AROAEXAMPLE',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: createHash('md5').update(message.body).digest('hex'),
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
