/**
 * The decision every chat start makes, whatever the mode: the visitor's choice, then the
 * default operator, then the site's distribution mode (looked up in the registry).
 */
import { isAvailable } from '../availability.js';
import { operatorNotFound, operatorUnavailable, visitorChoiceDisabled } from '../errors.js';
import { takesGroup, type ClientType, type Operator, type Settings } from '../model.js';
import { DISTRIBUTION_MODES, modeNamed, type AssignedBy } from './index.js';
import type { ClaimGuard, Random } from './mode.js';

export { pickOne, type Random } from './mode.js';

export interface ChatRequest {
  visitorId: string;
  clientType: ClientType;
  /** The operator the visitor picked, if any. */
  operatorId?: string | undefined;
  /** The group (department) the chat is for, if any. */
  group?: string | undefined;
}

export interface Assignment {
  operator: Operator;
  assignedBy: AssignedBy;
}

export interface NamedOperator {
  operatorId: string;
  assignedBy: 'visitor' | 'default';
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

export interface DecisionInput {
  settings: Settings;
  request: ChatRequest;
  /** The operator `namedOperator` asked for, as loaded (null when it does not exist). */
  named: Operator | null;
  /**
   * The operator of the visitor's last assigned chat, when the site sends returning visitors back
   * and that chat is within its window (see `returningOperatorId`), as loaded; null otherwise.
   */
  returning?: Operator | null;
  /** What the site's mode `reads`: operators from the head of the queue, or all of them. */
  candidates: readonly Operator[];
  nowMs: number;
  random: Random;
  /** True when a previous claim for this chat lost a race. */
  afterConflict: boolean;
}

/**
 * Who gets the chat, by the contract's order: the visitor's choice, the default operator, the
 * returning visitor's previous operator, then the site's distribution mode. Null means nobody
 * is available. A chat for a group goes only to operators of that group: a chosen operator
 * outside it is unavailable for it, a default or previous one outside it is passed over.
 */
export function decideAssignment(input: DecisionInput): Assignment | null {
  const { settings, request, named, nowMs } = input;
  const group = request.group ?? null;
  const mayTake = (operator: Operator) => takesGroup(operator, group) && isAvailable(operator, settings, nowMs);
  const naming = namedOperator(settings, request);
  if (naming?.assignedBy === 'visitor') {
    if (!named) throw operatorNotFound();
    if (!mayTake(named)) throw operatorUnavailable();
    return { operator: named, assignedBy: 'visitor' };
  }
  if (naming && named && mayTake(named)) {
    return { operator: named, assignedBy: 'default' };
  }
  const { returning } = input;
  if (returning && mayTake(returning)) return { operator: returning, assignedBy: 'returning' };
  return distribute({ ...input, candidates: input.candidates.filter((operator) => takesGroup(operator, group)) });
}

/** The site's distribution mode alone, among the candidates (a group chat falling back to the whole site). */
export function distribute(input: Pick<DecisionInput, 'settings' | 'candidates' | 'nowMs' | 'random' | 'afterConflict'>): Assignment | null {
  const { settings, nowMs, random, afterConflict } = input;
  const mode = modeNamed(settings.distribution);
  const available = input.candidates.filter((operator) => isAvailable(operator, settings, nowMs));
  const operator = mode.pick(available, { random, afterConflict });
  return operator ? { operator, assignedBy: mode.name } : null;
}

/**
 * What the claim of an assignment must guard besides availability: the mode's guard when the
 * mode picked the operator, nothing more for an operator the request named.
 */
export function claimGuardOf(assignment: Assignment): ClaimGuard {
  const mode = DISTRIBUTION_MODES.find((candidate) => candidate.name === assignment.assignedBy);
  return mode ? mode.claimGuard(assignment.operator) : {};
}

/**
 * The operator a returning visitor goes back to: the operator of its last assigned chat on the
 * site, when the site routes returning visitors and that chat was assigned within its window.
 */
export function returningOperatorId(
  settings: Settings,
  last: { operatorId: string; assignedAt: string } | null,
  nowMs: number,
): string | null {
  if (settings.returningVisitorDays === null || !last) return null;
  return nowMs - Date.parse(last.assignedAt) <= settings.returningVisitorDays * 86_400_000 ? last.operatorId : null;
}

/** What a claim that lost its race had read of the operator, as far as its guard could tell, and the operator as it was then. */
export interface LostClaim {
  turn: number;
  /** Set when the guard pinned the count of open chats. */
  activeChats?: number;
  /** The operator when the claim's condition failed (null: gone). */
  current: Operator | null;
}

export function lostClaimOf(operator: Operator, guard: ClaimGuard, current: Operator | null): LostClaim {
  return guard.activeChats === undefined ? { turn: operator.turn, current } : { turn: operator.turn, activeChats: guard.activeChats, current };
}

/**
 * Whether a copy of the operator (the queue index is eventually consistent) shows no change
 * since a claim on it was lost, so the copy is stale: the operator has moved on. Every claim
 * raises the turn; a close changes only the count of open chats, which matters when the guard
 * pinned it.
 */
export function unchangedSinceLost(copy: Operator, lost: LostClaim): boolean {
  if (copy.turn > lost.turn) return false;
  return lost.activeChats === undefined || copy.activeChats === lost.activeChats;
}

/** The turn an operator takes when it comes online: never below the site's lowest current turn. */
export function turnOnComingOnline(operator: Operator, queueHead: readonly Operator[]): number {
  const others = queueHead.filter((other) => other.id !== operator.id);
  if (others.length === 0) return operator.turn;
  return Math.max(operator.turn, Math.min(...others.map((other) => other.turn)));
}
