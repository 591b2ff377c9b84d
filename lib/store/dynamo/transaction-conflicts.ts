import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const ATTEMPTS = 4;

/**
 * A plain write to an item that a transaction is writing at that moment fails with
 * TransactionConflictException, which the SDK does not retry. It means "an instant later",
 * never "wrong", so it is retried here after a short random pause.
 */
export function retryTransactionConflicts(doc: DynamoDBDocumentClient): void {
  doc.middlewareStack.add(
    (next) => async (args) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await next(args);
        } catch (error) {
          if (!(error instanceof Error) || error.name !== 'TransactionConflictException' || attempt >= ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
        }
      }
    },
    { step: 'initialize', name: 'retryTransactionConflicts' },
  );
}
