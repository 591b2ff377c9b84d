import { Duration } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { limitsOf } from '../../lib/function-limits.js';
import { webhookPublisherJob } from '../../lib/jobs/publish-webhook-events.js';
import { webhookSenderJob } from '../../lib/jobs/send-webhooks.js';
import { WEBHOOK_MAX_RECEIVES } from '../../lib/webhooks/backoff.js';

/**
 * The webhook sender's timeout, as the stack deploys it (lib/function-limits.ts): a batch of up
 * to WEBHOOK_SEND_BATCH_SIZE (10, operations.ts) deliveries side by side
 * (lib/jobs/send-webhooks.ts), each given DELIVERY_TIMEOUT_MS (5 s) by lib/webhooks/post.ts,
 * with the site's read, the delivery's record and the signing key's read around it.
 */
export const WEBHOOK_SENDER_TIMEOUT = Duration.seconds(limitsOf(webhookSenderJob.name).timeoutSeconds);

/** The webhook publisher's timeout (lib/function-limits.ts): a batch of stream records, a read or two per site and a SendMessageBatch per ten events. */
export const WEBHOOK_PUBLISHER_TIMEOUT = Duration.seconds(limitsOf(webhookPublisherJob.name).timeoutSeconds);

/**
 * How long a received event stays hidden from other receives: six times the sender's timeout,
 * as AWS recommends for a queue that is a Lambda event source. A failed delivery sets its own,
 * longer or shorter, wait (its backoff) with ChangeMessageVisibility.
 */
export const WEBHOOK_VISIBILITY_TIMEOUT = Duration.seconds(6 * WEBHOOK_SENDER_TIMEOUT.toSeconds());

/**
 * How long an undelivered event is kept: its retries span WEBHOOK_RETRY_WINDOW_SECONDS (24 h)
 * counted from its first delivery, and a retention shorter than that (counted from its send)
 * would drop it before its last try. Four days leave room for a sender that was itself down.
 */
export const WEBHOOK_RETENTION = Duration.days(4);

/** The dead letters are kept the longest SQS allows, to be read and redriven by hand. */
export const WEBHOOK_DEAD_LETTER_RETENTION = Duration.days(14);

/** The length of the generated key the sites' signing secrets are derived from (letters and digits). */
export const WEBHOOK_KEY_LENGTH = 64;

/**
 * The webhooks' queue: each message is one event for one site's receiver, sent by the publisher
 * (the table's stream) and consumed by the sender, which delays a failed delivery's next try
 * (its backoff) and, after WEBHOOK_MAX_RECEIVES receives, lets SQS move it to the dead-letter
 * queue. And the key the sites' signing secrets are derived from (lib/webhooks/secret.ts).
 * Operations wires the event sources and the alarms.
 */
export class Webhooks extends Construct {
  readonly queue: Queue;
  /** Events the sender failed to deliver WEBHOOK_MAX_RECEIVES times (the queue's redrive target). */
  readonly deadLetters: Queue;
  /** The service's webhook signing key; the functions get its ARN, never its value. */
  readonly signingKey: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A standard queue keeps a message's first enqueue time in its DLQ: longer than the source's, as AWS recommends.
      retentionPeriod: WEBHOOK_DEAD_LETTER_RETENTION,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: WEBHOOK_RETENTION,
      visibilityTimeout: WEBHOOK_VISIBILITY_TIMEOUT,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: WEBHOOK_MAX_RECEIVES },
    });
    this.signingKey = new Secret(this, 'SigningKey', {
      description: "Key the sites' webhook signing secrets are derived from (HMAC-SHA256); replacing it changes every site's secret",
      generateSecretString: { passwordLength: WEBHOOK_KEY_LENGTH, excludePunctuation: true, includeSpace: false },
    });
  }
}
