import * as z from 'zod';

const schema = z
  .object({
    TABLE_NAME: z.string().min(3),
    IDEMPOTENCY_TABLE_NAME: z.string().min(3),
    /** Set for DynamoDB Local; absent in AWS. */
    DYNAMODB_ENDPOINT: z.url().optional(),
    /** The platform token itself, locally. */
    PLATFORM_TOKEN: z.string().min(16).optional(),
    /** In AWS: the Secrets Manager secret that holds the platform token. */
    PLATFORM_TOKEN_SECRET_ID: z.string().min(1).optional(),
    /** In AWS: the bucket avatars are written to. */
    AVATAR_BUCKET: z.string().min(3).optional(),
    /** Locally: the folder avatars are written to. */
    AVATAR_DIR: z.string().min(1).optional(),
    /** In AWS: the origin the pages and the API share (CloudFront's); its pages may call the widget routes of any site. */
    PUBLIC_ORIGIN: z.url().optional(),
    /** In AWS: the SQS queue deadlines are sent to (absent locally: a queue in the process). */
    DEADLINE_QUEUE_URL: z.url().optional(),
    /** In AWS: the SQS queue webhook events are sent to (absent locally: a queue in the process). */
    WEBHOOK_QUEUE_URL: z.url().optional(),
    /** In AWS: the WebSocket API's URL (wss://…) the pages connect to; locally it is the API's own host (ws://…/v1/live). */
    LIVE_URL: z.url().optional(),
    /** In AWS: the WebSocket API's Management API endpoint (https://…/<stage>), to post to connections. */
    LIVE_MANAGEMENT_ENDPOINT: z.url().optional(),
    /** Locally: the key webhook signing secrets are derived from. */
    WEBHOOK_SIGNING_KEY: z.string().min(32).optional(),
    /** In AWS: the Secrets Manager secret that holds that key. */
    WEBHOOK_SIGNING_KEY_SECRET_ID: z.string().min(1).optional(),
    /** The local stack only: webhooks may go to http://localhost and http://127.0.0.1. */
    LOCAL_WEBHOOKS: z.enum(['true', 'false']).default('false'),
    /** Where uploaded avatars are served from: an absolute URL or a path starting with /. */
    AVATAR_BASE_URL: z.string().min(1).default('/avatars'),
  })
  .refine((env) => env.PLATFORM_TOKEN || env.PLATFORM_TOKEN_SECRET_ID, {
    message: 'PLATFORM_TOKEN or PLATFORM_TOKEN_SECRET_ID must be set',
  });

export type Config = z.infer<typeof schema>;

let loaded: Config | undefined;

/** The configuration, read from the environment and checked once per process. */
export function config(): Config {
  if (!loaded) {
    const parsed = schema.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
      throw new Error(`Invalid configuration: ${problems.join('; ')}`);
    }
    loaded = parsed.data;
  }
  return loaded;
}
