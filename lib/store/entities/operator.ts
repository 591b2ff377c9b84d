/**
 * The operator: SITE#<siteId> / OP#<operatorId>.
 *
 * Besides what is declared below, the item carries what only conditions and indexes use:
 * - beatAtMs    its last heartbeat (the model's heartbeatAtMs), in no index: a heartbeat writes
 *               this item alone (one write unit), nothing that any index holds
 * - timeoutMs   the site's heartbeat timeout, copied so that a heartbeat sets liveUntil in one write
 * - liveUntil   beatAtMs + timeoutMs: when its heartbeat goes stale (also in no index)
 * - queuePk     present while the operator can take chats (online, below capacity): its place in
 *               the queue index, where queueSk orders it by last assignment
 * - liveShard   present while online or away: its place in the liveness index, ordered by
 *   staleAt     the time of its next liveness check. A check is a deadline message carrying that
 *               time (the token of the one chain of checks the operator has); it sets the operator
 *               offline if stale past its grace, else moves staleAt to liveUntil + the grace and
 *               sends the next. The sweep acts on checks whose message was lost (staleAt
 *               passed). See store/dynamo/liveness.ts.
 * - loadBase    its open chats × LOAD_UNIT, and loadKey, loadBase + its last assignment in ms:
 *   loadKey     its place in the load index (moved by arithmetic, see lib/store/table.ts)
 * - createdAt
 * And for each of its groups, a copy in the group's partition of the same indexes (entities/group.ts).
 */
import { createHash } from 'node:crypto';
import { COPY_HEARTBEAT } from '../../domain/availability.js';
import { tiebreaker } from '../../domain/ids.js';
import type { Operator, OperatorStatus } from '../../domain/model.js';
import type { OperatorRecord } from '../port.js';
import { itemMapper, nullable, value, type EntityDefinition, type Item } from './attributes.js';
import { sitePk } from './site.js';

export const OPERATOR_SK_PREFIX = 'OP#';
export const operatorKey = (siteId: string, operatorId: string) => ({ pk: sitePk(siteId), sk: `${OPERATOR_SK_PREFIX}${operatorId}` });

/**
 * An operator's place in the queue index: its last assignment time ('0' before the first,
 * which sorts ahead of every ISO time), then a random tiebreaker.
 */
export const operatorQueueSk = (lastAssignedAt: string | null) => `${lastAssignedAt ?? '0'}#${tiebreaker()}`;

/** What one open chat weighs in `loadKey`: more than any time in ms, so the count sorts first. */
export const LOAD_UNIT = 10_000_000_000_000;

/**
 * Number of liveness-index partitions of operators; the sweep queries each of them. Written only
 * when a check moves on (once per heartbeat timeout per operator), never by a heartbeat.
 */
export const LIVENESS_SHARDS = 16;

export function liveShard(siteId: string, operatorId: string): string {
  const digest = createHash('sha1').update(`${siteId}/${operatorId}`).digest();
  return `LIVE#${digest.readUInt32BE(0) % LIVENESS_SHARDS}`;
}

export const allLiveShards = () => Array.from({ length: LIVENESS_SHARDS }, (_, shard) => `LIVE#${shard}`);

/**
 * The operator as the engine sees it: all a chat start reads of it, so all the queue index
 * projects of this item. (The order is the deployed projection's: keep it.)
 */
type Counters = Pick<Operator, 'missed' | 'missedInARow'>;
type Beat = Pick<Operator, 'heartbeatAtMs'>;
type Routed = Omit<Operator, keyof Counters | keyof Beat>;

const routedMapper = itemMapper<Routed>({
  siteId: value<string>(),
  id: value<string>().storedAs('operatorId'),
  name: value<string>(),
  avatarUrl: nullable<string>(),
  status: value<OperatorStatus>(),
  // Absent when the operator has no limit: the claim's condition tests attribute_not_exists(maxChats).
  maxChats: nullable<number>().sparse(),
  activeChats: value<number>().whenAbsent(0),
  lastAssignedAt: nullable<string>(),
  assigned: value<number>().whenAbsent(0),
  turn: value<number>().whenAbsent(0),
  // Items written before incarnations existed have none.
  incarnation: value<string>().whenAbsent(''),
  // Items written before groups existed have none.
  groups: value<string[]>().whenAbsent([]),
});

/**
 * Counters routing never reads: only on the item itself, neither projected nor copied to its
 * groups (an index read gives zeros), so that a take-back moves no copy for them.
 */
const countersMapper = itemMapper<Counters>({
  missed: value<number>().whenAbsent(0),
  missedInARow: value<number>().whenAbsent(0),
});

/** The last heartbeat: only on the item itself (absent until the first), so that a heartbeat moves no index. */
const beatMapper = itemMapper<Beat>({ heartbeatAtMs: nullable<number>().sparse().storedAs('beatAtMs') });

const operatorMapper = itemMapper<Operator>({ ...routedMapper.shape, ...beatMapper.shape, ...countersMapper.shape });

/**
 * What the queue and load indexes project of an operator (and of its group copies): the routed
 * attributes, and `heartbeatAtMs` at its old place, where heartbeats were kept before they moved
 * to `beatAtMs` (a deployed index's projection cannot change in place; nothing writes it now).
 */
export const LEGACY_HEARTBEAT = 'heartbeatAtMs';
export const OPERATOR_ATTRIBUTES: readonly string[] = routedMapper.attributes.flatMap((name) => (name === 'lastAssignedAt' ? [name, LEGACY_HEARTBEAT] : [name]));


/** With what only the server sees, never projected. */
const recordMapper = itemMapper<OperatorRecord>({
  operator: operatorMapper.shape,
  tokenHash: value<string>(),
  // Optimistic-concurrency version, raised by every write but heartbeats.
  version: value<number>().whenAbsent(0),
});

export const OPERATOR = {
  type: 'operator',
  // The sweep reads only who it is and its groups: a claim or a status write then leaves its liveness entry as it is.
  indexes: { queue: OPERATOR_ATTRIBUTES, load: OPERATOR_ATTRIBUTES, liveness: ['siteId', 'operatorId', 'groups'] },
} as const satisfies EntityDefinition;

/**
 * A new operator's item, with the site's heartbeat timeout and its place in the queue order. It
 * is offline: in no index until it comes online (queuePk, liveShard).
 */
export function newOperatorItem(record: OperatorRecord, timeoutSeconds: number, createdAt: string): Item {
  const { siteId, id, lastAssignedAt } = record.operator;
  return {
    ...operatorKey(siteId, id),
    type: OPERATOR.type,
    ...recordMapper.write(record),
    timeoutMs: timeoutSeconds * 1000,
    queueSk: operatorQueueSk(lastAssignedAt),
    loadBase: 0,
    loadKey: 0,
    createdAt,
  };
}

/** An item from before `beatAtMs` keeps its last heartbeat under the old name until its next one. */
const withBeat = (item: Item): Item => (item.beatAtMs === undefined && typeof item[LEGACY_HEARTBEAT] === 'number' ? { ...item, beatAtMs: item[LEGACY_HEARTBEAT] } : item);

/** The last heartbeat in ms, as a condition expression reads it (old items: under the old name). */
export const lastBeatOf = (item: Item): number | null => {
  const beat = withBeat(item).beatAtMs;
  return typeof beat === 'number' ? beat : null;
};

/** A condition: the heartbeat is later than `cutoff` (`:name`), on old items too. */
export const beatLaterThan = (name: string) => `(beatAtMs > ${name} OR (attribute_not_exists(beatAtMs) AND ${LEGACY_HEARTBEAT} > ${name}))`;

export const operatorRecordFromItem = (item: Item): OperatorRecord => recordMapper.read(withBeat(item));

export const operatorFromItem = (item: Item): Operator => operatorMapper.read(withBeat(item));

/**
 * An operator read from an index (or a group copy): what routing needs; the counters, not
 * projected, read as zero, and the heartbeat, not projected, as live (COPY_HEARTBEAT): the claim's
 * condition checks the operator's own, and a lost claim returns the operator as it is.
 */
export const operatorFromQueueItem = (item: Item): Operator => ({ ...routedMapper.read(item), heartbeatAtMs: COPY_HEARTBEAT, missed: 0, missedInARow: 0 });

/** The attributes of an operator that its group copies hold too (all the indexes show of it). */
export const operatorAttributes = (operator: Operator): Item => routedMapper.write(operator);

/** The operator's queue-index sort key when it is written whole (a copy made for a new group). */
export function loadKeyOf(operator: Pick<Operator, 'activeChats' | 'lastAssignedAt'>): number {
  return operator.activeChats * LOAD_UNIT + (operator.lastAssignedAt ? Date.parse(operator.lastAssignedAt) : 0);
}
