/**
 * Writes of an operator together with its group copies (entities/group.ts). Each clause of the
 * operator's update says what the copies get of it: the same clause, nothing (attributes only the
 * operator has: its version, heartbeat, liveness shard, dispatch mark), or, for its place in the
 * queue index, the place in each group's partition. The operator's write is conditional on its
 * groups being those the caller read, so the copies written are exactly its copies.
 */
import { UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { groupQueuePk, memberKey } from '../entities/group.js';
import { operatorKey } from '../entities/operator.js';
import { queuePk } from '../entities/site.js';
import { CAPACITY, isConditionFailure, transact, type DynamoContext } from './context.js';

type Values = Record<string, unknown>;
type Names = Record<string, string>;

interface Clause {
  readonly text: string;
  readonly names: Names;
  readonly values: Values;
  /** What a copy in `groupId`'s partition gets instead: the same clause, nothing, or its own. */
  readonly copy: 'same' | 'none' | ((siteId: string, groupId: string) => { text: string; values: Values });
}

export type Copied = 'same' | 'none';

/** Builds an operator's update expression and the one its group copies get. */
export class OperatorUpdate {
  private readonly sets: Clause[] = [];
  private readonly removes: Clause[] = [];

  set(attribute: string, value: unknown, copy: Copied = 'none'): this {
    this.sets.push({ text: `#${attribute} = :${attribute}`, names: { [`#${attribute}`]: attribute }, values: { [`:${attribute}`]: value }, copy });
    return this;
  }

  /** A clause written out, with the values it uses (names other than plain attribute names: `names`). */
  setExpression(text: string, values: Values = {}, copy: Copied = 'none', names: Names = {}): this {
    this.sets.push({ text, names, values, copy });
    return this;
  }

  remove(attribute: string, copy: Copied = 'none'): this {
    this.removes.push({ text: `#${attribute}`, names: { [`#${attribute}`]: attribute }, values: {}, copy });
    return this;
  }

  /** SET when the value is present, REMOVE otherwise (attributes used in conditions stay absent when null). */
  setOrRemove(attribute: string, value: unknown, copy: Copied = 'none'): this {
    return value === null || value === undefined ? this.remove(attribute, copy) : this.set(attribute, value, copy);
  }

  /** In the queue index or out of it: its copies enter or leave their groups' partitions with it. */
  queue(siteId: string, present: boolean): this {
    if (!present) {
      this.removes.push({ text: '#queuePk', names: { '#queuePk': 'queuePk' }, values: {}, copy: 'same' });
      return this;
    }
    this.sets.push({
      text: '#queuePk = :queuePk',
      names: { '#queuePk': 'queuePk' },
      values: { ':queuePk': queuePk(siteId) },
      copy: (site, groupId) => ({ text: '#queuePk = :queuePk', values: { ':queuePk': groupQueuePk(site, groupId) } }),
    });
    return this;
  }

  private render(pick: (clause: Clause) => { text: string; values: Values } | null, clauses: { sets: Clause[]; removes: Clause[] }) {
    const names: Names = {};
    const values: Values = {};
    const part = (list: Clause[]) =>
      list.flatMap((clause) => {
        const rendered = pick(clause);
        if (!rendered) return [];
        Object.assign(names, clause.names);
        Object.assign(values, rendered.values);
        return [rendered.text];
      });
    const sets = part(clauses.sets);
    const removes = part(clauses.removes);
    const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
    return { expression, names, values };
  }

  /** The operator's own update. */
  forOperator() {
    return this.render((clause) => clause, { sets: this.sets, removes: this.removes });
  }

  /** The update of its copy in the group's partition; an empty expression when nothing is copied. */
  forCopy(siteId: string, groupId: string) {
    return this.render(
      (clause) => {
        if (clause.copy === 'none') return null;
        if (clause.copy === 'same') return clause;
        return clause.copy(siteId, groupId);
      },
      { sets: this.sets, removes: this.removes },
    );
  }
}

export interface OperatorCondition {
  expression: string;
  names?: Names;
  values?: Values;
}

/** The operator's groups are exactly those read (items from before groups have none). */
function groupsAsRead(groups: readonly string[]): OperatorCondition {
  return groups.length === 0
    ? { expression: '(attribute_not_exists(#groups) OR #groups = :groupsRead)', names: { '#groups': 'groups' }, values: { ':groupsRead': [] } }
    : { expression: '#groups = :groupsRead', names: { '#groups': 'groups' }, values: { ':groupsRead': [...groups] } };
}

export interface OperatorWrite {
  siteId: string;
  operatorId: string;
  /** Its groups as the caller read them: the write fails if they changed. */
  groups: readonly string[];
  /** The copies this write updates, when not all of `groups` (a change of groups handles the others). */
  copiesOf?: readonly string[];
  update: OperatorUpdate;
  condition: OperatorCondition;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The operator's update and its copies', as transaction items (the operator's first). */
export function operatorWriteItems(ctx: DynamoContext, write: OperatorWrite): TransactItem[] {
  const { siteId, operatorId, groups, update, condition, copiesOf = groups } = write;
  const own = update.forOperator();
  const sameGroups = groupsAsRead(groups);
  for (const [name, value] of Object.entries(condition.values ?? {})) {
    if (name in own.values && own.values[name] !== value) throw new Error(`${name} means two values in one operator write`);
  }
  const operatorItem: TransactItem = {
    Update: {
      TableName: ctx.tableName,
      Key: operatorKey(siteId, operatorId),
      UpdateExpression: own.expression,
      ConditionExpression: `(${condition.expression}) AND ${sameGroups.expression}`,
      ExpressionAttributeNames: { ...own.names, ...condition.names, ...sameGroups.names },
      ExpressionAttributeValues: { ...own.values, ...condition.values, ...sameGroups.values },
    },
  };
  const copies = copiesOf.flatMap((groupId): TransactItem[] => {
    const copy = update.forCopy(siteId, groupId);
    if (!copy.expression) return [];
    return [
      {
        Update: {
          TableName: ctx.tableName,
          Key: memberKey(siteId, groupId, operatorId),
          UpdateExpression: copy.expression,
          ConditionExpression: 'attribute_exists(pk)',
          ...(Object.keys(copy.names).length ? { ExpressionAttributeNames: copy.names } : {}),
          ...(Object.keys(copy.values).length ? { ExpressionAttributeValues: copy.values } : {}),
        },
      },
    ];
  });
  return [operatorItem, ...copies];
}

/**
 * The write alone: one conditional update for an operator without groups, a transaction with
 * its copies otherwise. False when a condition failed (or, with copies, another transaction
 * held one of the items): nothing was written.
 */
export async function writeOperator(ctx: DynamoContext, write: OperatorWrite): Promise<boolean> {
  const items = operatorWriteItems(ctx, write);
  if (items.length > 1) return (await transact(ctx, items)).written;
  const { Update } = items[0]!;
  try {
    await ctx.doc.send(new UpdateCommand({ ...Update!, ...CAPACITY }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
