import { InProcessDeadlineQueue } from '../../lib/deadlines/in-process-queue.js';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { dynamoStore } from '../../lib/store/dynamo-store.js';
import { testClock, testDocumentClient } from './engine.js';

/**
 * An engine on DynamoDB Local that can be told to fail the next request of a given command the
 * way real DynamoDB does under contention (DynamoDB Local serialises transactions and never
 * reports a conflict). The failed request is not sent.
 */
export function faultyEngine(options: { tableName: string }) {
  const clock = testClock();
  const doc = testDocumentClient();
  const pending: { command: string; error: () => Error }[] = [];
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const index = pending.findIndex((fault) => fault.command === context.commandName);
      if (index >= 0) {
        const [fault] = pending.splice(index, 1);
        throw fault!.error();
      }
      return next(args);
    },
    { step: 'initialize', name: 'faults' },
  );
  const deps: EngineDeps = { store: dynamoStore(doc, options.tableName), clock: clock.now, random: Math.random, deadlines: new InProcessDeadlineQueue() };
  return {
    deps,
    clock,
    /** Fails the next request of `command` with `error`. */
    failNext(command: string, error: () => Error) {
      pending.push({ command, error });
    },
    get pendingFaults() {
      return pending.length;
    },
  };
}

/** What DynamoDB answers when one item of a TransactWriteItems is part of another transaction in flight. */
export function transactionConflict(itemCount: number, conflictAt: number): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: Array.from({ length: itemCount }, (_, i) =>
      i === conflictAt
        ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
        : { Code: 'None' },
    ),
  });
}
