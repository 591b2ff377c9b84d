import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { delaySecondsUntil, type Deadline, type DeadlineQueue } from './deadline.js';

/** Deadlines as SQS messages delayed until their moment (the deadline handler's event source). */
export function sqsDeadlineQueue(client: SQSClient, queueUrl: string): DeadlineQueue {
  return {
    async schedule(deadline: Deadline, nowMs: number) {
      await client.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(deadline), DelaySeconds: delaySecondsUntil(deadline.dueAtMs, nowMs) }),
      );
    },
  };
}
