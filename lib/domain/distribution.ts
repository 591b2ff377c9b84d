import { isAvailable } from './availability.js';
import { operatorNotFound, operatorUnavailable, visitorChoiceDisabled } from './errors.js';
import type { AssignedBy, ClientType, Operator, Settings } from './model.js';

/** A source of uniform numbers in [0, 1), injectable so tests can fix the seed. */
export type Random = () => number;

export interface ChatRequest {
  visitorId: string;
  clientType: ClientType;
  /** The operator the visitor picked, if any. */
  operatorId?: string | undefined;
}

export interface Assignment {
  operator: Operator;
  assignedBy: AssignedBy;
}

export interface NamedOperator {
  operatorId: string;
  assignedBy: 'visitor' | 'default';
}

function pickOne<T>(items: readonly T[], random: Random): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pickOne needs a non-empty list');
  return item;
}

/**
 * The operator the request names before the distribution mode is consulted: the visitor's own
 * choice (refused when the site forbids it), else the site's default for the client type.
 */
export function namedOperator(settings: Settings, request: ChatRequest): NamedOperator | null {
  if (request.operatorId !== undefined) {
    if (!settings.allowVisitorChoice) throw visitorChoiceDisabled();
    return { operatorId: request.operatorId, assignedBy: 'visitor' };
  }
  const operatorId = settings.defaultOperators[request.clientType];
  return operatorId ? { operatorId, assignedBy: 'default' } : null;
}

/**
 * Queue order: never-assigned operators first (at random among themselves), then the earliest
 * last assignment. After a lost race the caller asks for `spread` instead: a random operator of
 * the lowest turn, so that concurrent requests fan out over the operators equally entitled to
 * the next chat instead of all retrying on the same head.
 */
export function pickFromQueue(available: readonly Operator[], random: Random, spread = false): Operator | null {
  if (available.length === 0) return null;
  if (spread) {
    const lowestTurn = Math.min(...available.map((operator) => operator.turn));
    return pickOne(
      available.filter((operator) => operator.turn === lowestTurn),
      random,
    );
  }
  const neverAssigned = available.filter((operator) => operator.lastAssignedAt === null);
  if (neverAssigned.length > 0) return pickOne(neverAssigned, random);
  const earliest = available.reduce((min, operator) =>
    (operator.lastAssignedAt as string) < (min.lastAssignedAt as string) ? operator : min,
  ).lastAssignedAt;
  return pickOne(
    available.filter((operator) => operator.lastAssignedAt === earliest),
    random,
  );
}

export function pickAtRandom(available: readonly Operator[], random: Random): Operator | null {
  return available.length === 0 ? null : pickOne(available, random);
}

export interface DecisionInput {
  settings: Settings;
  request: ChatRequest;
  /** The operator `namedOperator` asked for, as loaded (null when it does not exist). */
  named: Operator | null;
  /** Operators from the head of the site's queue (all of them in random mode). */
  candidates: readonly Operator[];
  nowMs: number;
  random: Random;
  /** True when a previous claim for this chat lost a race. */
  afterConflict: boolean;
}

/**
 * Who gets the chat, by the contract's order: the visitor's choice, the default operator, then
 * the site's distribution mode. Null means nobody is available and the chat stays unassigned.
 */
export function decideAssignment(input: DecisionInput): Assignment | null {
  const { settings, request, named, nowMs, random } = input;
  const naming = namedOperator(settings, request);
  if (naming?.assignedBy === 'visitor') {
    if (!named) throw operatorNotFound();
    if (!isAvailable(named, settings, nowMs)) throw operatorUnavailable();
    return { operator: named, assignedBy: 'visitor' };
  }
  if (naming && named && isAvailable(named, settings, nowMs)) {
    return { operator: named, assignedBy: 'default' };
  }
  const available = input.candidates.filter((operator) => isAvailable(operator, settings, nowMs));
  const operator =
    settings.distribution === 'random'
      ? pickAtRandom(available, random)
      : pickFromQueue(available, random, input.afterConflict);
  return operator ? { operator, assignedBy: settings.distribution } : null;
}

/** The turn an operator takes when it comes online: never below the site's lowest current turn. */
export function turnOnComingOnline(operator: Operator, queueHead: readonly Operator[]): number {
  const others = queueHead.filter((other) => other.id !== operator.id);
  if (others.length === 0) return operator.turn;
  return Math.max(operator.turn, Math.min(...others.map((other) => other.turn)));
}
