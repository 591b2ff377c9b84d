import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookEvent } from './event.js';
import type { WebhookQueue } from './queue.js';

/** SQS takes at most ten messages a batch. */
const BATCH = 10;

export function sqsWebhookQueue(client: SQSClient, queueUrl: string): WebhookQueue {
  return {
    async send(events) {
      for (let start = 0; start < events.length; start += BATCH) {
        const entries = events.slice(start, start + BATCH).map((event: WebhookEvent, index) => ({ Id: String(index), MessageBody: JSON.stringify(event) }));
        const { Failed } = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        // The stream record is retried whole; receivers de-duplicate the events sent twice by their id.
        if (Failed && Failed.length > 0) throw new Error(`${Failed.length} webhook events were not queued: ${Failed[0]!.Code}`);
      }
    },
    async retryLater(receiptHandle, delaySeconds) {
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: delaySeconds }));
    },
  };
}
