import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type QueryCommandOutput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

export interface DynamoContext {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** Asked of every request: the benchmarks and the capacity figures rely on it. */
export const CAPACITY = { ReturnConsumedCapacity: 'TOTAL' } as const;

/** Every page of a Query on the table (or one of its indexes), one after the other. */
export async function* queryPages(ctx: DynamoContext, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>) {
  let cursor: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await ctx.doc.send(new QueryCommand({ ...input, TableName: ctx.tableName, ExclusiveStartKey: cursor, ...CAPACITY }));
    yield page;
    cursor = page.LastEvaluatedKey;
  } while (cursor);
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * A cancelled transaction lost a race when every reason is a failed condition, a conflict
 * with a concurrent transaction, or none; any other reason is a real error.
 */
export function lostTransactionRace(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.every((reason) => ['ConditionalCheckFailed', 'TransactionConflict', 'None'].includes(reason.Code ?? 'None'));
}

/** Index of the first reason that failed its condition, or -1. */
export function failedConditionAt(error: unknown): number {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
}

/** One item of a TransactWriteItems request. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A transaction that went through, or the index of the item whose condition failed (-1: a
 * conflict) among its `items`, with that item as it was when the item asked for it
 * (ReturnValuesOnConditionCheckFailure: ALL_OLD; null when it did not exist).
 */
export type TransactionOutcome = { written: true } | { written: false; failedAt: number; items: number; failedItem?: Record<string, unknown> | null };

/** Sends a transaction; a lost race is an outcome, any other error is thrown. */
export async function transact(
  ctx: DynamoContext,
  items: NonNullable<TransactWriteCommandInput['TransactItems']>,
): Promise<TransactionOutcome> {
  try {
    await ctx.doc.send(new TransactWriteCommand({ TransactItems: items, ...CAPACITY }));
    return { written: true };
  } catch (error) {
    if (!lostTransactionRace(error)) throw error;
    const failedAt = failedConditionAt(error);
    const failed = items[failedAt];
    const askedForItem = Object.values(failed ?? {}).some((part) => (part as { ReturnValuesOnConditionCheckFailure?: string }).ReturnValuesOnConditionCheckFailure === 'ALL_OLD');
    if (!askedForItem) return { written: false, failedAt, items: items.length };
    const old = (error as { CancellationReasons?: { Item?: Parameters<typeof unmarshall>[0] }[] }).CancellationReasons?.[failedAt]?.Item;
    return { written: false, failedAt, items: items.length, failedItem: old ? unmarshall(old) : null };
  }
}
