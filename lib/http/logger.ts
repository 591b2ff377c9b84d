import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs. Nothing logged carries a token: headers and bodies are never logged. */
export const logger = new Logger({ serviceName: 'chat-distribution' });
