import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, StreamViewType, TableV2, type TablePropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE, INDEXES, TABLE_KEYS, TABLE_STREAM, TTL_ATTRIBUTE } from '../../lib/store/table.js';

const attributeType = (type: 'S' | 'N') => (type === 'S' ? AttributeType.STRING : AttributeType.NUMBER);

export interface DataProps {
  /** Production tables also refuse deletion. */
  readonly protect: boolean;
}

/** The tables, from the same definition the tests and the local stack use. */
export class Data extends Construct {
  readonly table: TableV2;
  readonly idempotencyTable: TableV2;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const common: Partial<TablePropsV2> = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.protect,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.table = new TableV2(this, 'Table', {
      ...common,
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      globalSecondaryIndexes: INDEXES.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
        sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) },
        ...(index.projectedAttributes
          ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projectedAttributes] }
          : {}),
      })),
      // The stream feeds the dispatcher of waiting chats (Operations); its view type is the shared one.
      dynamoStream: StreamViewType[TABLE_STREAM.StreamViewType],
      // Items that expire (the hourly close counters) carry their end in epoch seconds.
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    this.idempotencyTable = new TableV2(this, 'IdempotencyTable', {
      ...common,
      partitionKey: { name: IDEMPOTENCY_TABLE.partitionKey, type: AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TABLE.ttlAttribute,
      // Records live an hour; nothing here is worth keeping across a stack deletion.
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
  }
}
