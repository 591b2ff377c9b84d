import { IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import { ConditionalCheckFailedException, DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { IDEMPOTENCY_RECORD } from '../store/entities/idempotency.js';

/**
 * Powertools' DynamoDB persistence layer, able to have a request's COMPLETED record written in
 * the request's own transaction (the chat start's claim) instead of in an UpdateItem of its own
 * after the function returns: one DynamoDB request fewer, and the record can never be missing
 * for a claim that committed.
 *
 * Everything else is Powertools' own: the in-progress PutItem with its expiries, the record read
 * back on a repeat (payload validation, status, stored reply), the waiting on one in progress.
 * The record written in the transaction is the one Powertools' `saveSuccess` would have written
 * (expiry, COMPLETED, the reply as `data`, the payload hash), under the condition that the
 * request still holds its own in-progress record (same in-progress expiry), so that a request
 * whose record expired and was taken over by a repeat cannot complete it, nor commit its claim.
 *
 * A request is known by its data object (the payload Powertools hashes, passed through as is).
 */
export class ClaimingPersistenceLayer extends DynamoDBPersistenceLayer {
  readonly #tableName: string;
  readonly #client: DynamoDBClient;
  /** The in-progress record each request wrote, as written. */
  readonly #held = new WeakMap<object, IdempotencyRecord>();
  /** Results whose COMPLETED record the request's own transaction wrote. */
  readonly #recorded = new WeakSet<object>();
  /** The request whose record is being put or deleted (handed over synchronously, see below). */
  #current: object | undefined;

  constructor(options: { tableName: string; awsSdkV3Client: DynamoDBClient }) {
    super({ ...options, ...IDEMPOTENCY_RECORD });
    this.#tableName = options.tableName;
    this.#client = options.awsSdkV3Client;
  }

  /**
   * The base class builds the record and calls `_putRecord` synchronously, before its first
   * await: the request is handed over in between. (Should it ever not be, no record is held and
   * the request completes the Powertools way, with an UpdateItem after the function.)
   */
  override saveInProgress(data: JSONValue, remainingTimeInMillis?: number): Promise<void> {
    this.#current = typeof data === 'object' && data !== null ? data : undefined;
    try {
      return super.saveInProgress(data, remainingTimeInMillis);
    } finally {
      this.#current = undefined;
    }
  }

  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    const data = this.#current;
    this.#current = undefined;
    await super._putRecord(record);
    if (data) this.#held.set(data, record);
  }

  /**
   * The COMPLETED record of `data`'s request with `result` as its reply, as an item of a
   * transaction (DynamoDB document client form), or undefined when the request holds no
   * in-progress record of its own. Its condition fails when the record is no longer the one the
   * request put.
   */
  completedRecordWrite(data: object, result: JSONValue): object | undefined {
    const held = this.#held.get(data);
    if (!held) return undefined;
    const { keyAttr, expiryAttr, statusAttr, dataAttr, validationKeyAttr, inProgressExpiryAttr } = IDEMPOTENCY_RECORD;
    const validation = this.isPayloadValidationEnabled() && held.payloadHash !== undefined;
    return {
      Update: {
        TableName: this.#tableName,
        Key: { [keyAttr]: held.idempotencyKey },
        UpdateExpression: `SET #expiry = :expiry, #status = :completed, #data = :data${validation ? ', #validation = :validation' : ''}`,
        ConditionExpression: `#status = :inprogress AND ${held.inProgressExpiryTimestamp === undefined ? 'attribute_not_exists(#inProgressExpiry)' : '#inProgressExpiry = :held'}`,
        ExpressionAttributeNames: {
          '#expiry': expiryAttr,
          '#status': statusAttr,
          '#data': dataAttr,
          '#inProgressExpiry': inProgressExpiryAttr,
          ...(validation ? { '#validation': validationKeyAttr } : {}),
        },
        ExpressionAttributeValues: {
          ':expiry': Math.round(Date.now() / 1000 + this.getExpiresAfterSeconds()),
          ':completed': IdempotencyRecordStatus.COMPLETED,
          ':inprogress': IdempotencyRecordStatus.INPROGRESS,
          ':data': result,
          ...(held.inProgressExpiryTimestamp === undefined ? {} : { ':held': held.inProgressExpiryTimestamp }),
          ...(validation ? { ':validation': held.payloadHash } : {}),
        },
      },
    };
  }

  /** `result` was stored by the request's own transaction: Powertools' update after the function is skipped. */
  recordedInTransaction(result: object): void {
    this.#recorded.add(result);
  }

  override async saveSuccess(data: JSONValue, result: JSONValue): Promise<void> {
    if (typeof data === 'object' && data !== null) this.#held.delete(data);
    if (typeof result === 'object' && result !== null && this.#recorded.has(result)) return;
    await super.saveSuccess(data, result);
  }

  /** As for the put: the base class calls `_deleteRecord` synchronously. */
  override deleteRecord(data: JSONValue): Promise<void> {
    this.#current = typeof data === 'object' && data !== null ? data : undefined;
    try {
      return super.deleteRecord(data);
    } finally {
      this.#current = undefined;
    }
  }

  /**
   * A failed request deletes its in-progress record, and only that: not the record of a repeat
   * that took the key over after its in-progress expiry, nor a COMPLETED record its own claim
   * wrote (the claim committed; a repeat must get its reply, not assign again).
   */
  protected override async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    const data = this.#current;
    this.#current = undefined;
    const held = data ? this.#held.get(data) : undefined;
    if (data) this.#held.delete(data);
    if (!held) return super._deleteRecord(record);
    const { keyAttr, statusAttr, inProgressExpiryAttr } = IDEMPOTENCY_RECORD;
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: marshall({ [keyAttr]: record.idempotencyKey }),
          ConditionExpression: `#status = :inprogress AND ${held.inProgressExpiryTimestamp === undefined ? 'attribute_not_exists(#inProgressExpiry)' : '#inProgressExpiry = :held'}`,
          ExpressionAttributeNames: { '#status': statusAttr, '#inProgressExpiry': inProgressExpiryAttr },
          ExpressionAttributeValues: marshall({
            ':inprogress': IdempotencyRecordStatus.INPROGRESS,
            ...(held.inProgressExpiryTimestamp === undefined ? {} : { ':held': held.inProgressExpiryTimestamp }),
          }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
