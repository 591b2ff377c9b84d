import type { AssignedBy, DistributionMode } from './distribution/index.js';

// The distribution modes and assignment methods come from the registry, lib/domain/distribution/.
export type { AssignedBy, DistributionMode };

export const OPERATOR_STATUSES = ['online', 'away', 'offline'] as const;
export type OperatorStatus = (typeof OPERATOR_STATUSES)[number];

export const CLIENT_TYPES = ['regular', 'target'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const CHAT_STATUSES = ['waiting', 'assigned', 'unassigned', 'closed'] as const;
export type ChatStatus = (typeof CHAT_STATUSES)[number];

export interface Settings {
  siteId: string;
  name: string;
  allowedOrigins: string[];
  distribution: DistributionMode;
  defaultOperators: { regular: string | null; target: string | null };
  allowVisitorChoice: boolean;
  sharedAvatarUrl: string | null;
  heartbeatTimeoutSeconds: number;
  /** Open (waiting or assigned) chats one visitor may have on the site; null for no limit. */
  maxOpenChatsPerVisitor: number | null;
  /** A chat that finds nobody available waits (instead of being recorded unassigned). */
  queueEnabled: boolean;
  /** At this many waiting chats a new one is recorded unassigned; null for no limit. */
  maxWaitingChats: number | null;
  /** A chat still waiting after this long is recorded unassigned (by the periodic pass). */
  maxWaitSeconds: number;
  /** A visitor whose last assigned chat is this recent goes back to that operator; null: off. */
  returningVisitorDays: number | null;
  /** An assigned chat its operator has not accepted this long after it got it is taken back; null: off. */
  answerTimeoutSeconds: number | null;
  /** An operator who misses this many chats in a row is set away; null: off. */
  awayAfterMisses: number | null;
  /** The widget's texts. */
  language: Language;
  /** Where every chat event is POSTed, signed; null: no webhooks. */
  webhookUrl: string | null;
  /** Days a chat is kept after it ended (closed, or recorded unassigned), and a message after it was written; the statistics' counters stay. */
  retentionDays: number;
}

export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 90;
export const MIN_HEARTBEAT_TIMEOUT_SECONDS = 5;
export const MAX_HEARTBEAT_TIMEOUT_SECONDS = 3600;
export const DEFAULT_MAX_OPEN_CHATS_PER_VISITOR = 3;
export const DEFAULT_MAX_WAIT_SECONDS = 600;
export const DEFAULT_RETENTION_DAYS = 90;
export const MAX_RETENTION_DAYS = 3650;
/** The longest returning-visitor window (365 days) and then some: a visitor's record expires after it. */
export const TTL_SECONDS_AFTER_LAST_ASSIGNMENT = 366 * 86_400;

export interface Operator {
  siteId: string;
  id: string;
  name: string;
  avatarUrl: string | null;
  status: OperatorStatus;
  maxChats: number | null;
  activeChats: number;
  /** ISO time of the last assignment by any rule; null until the first one. */
  lastAssignedAt: string | null;
  /** Epoch milliseconds of the last heartbeat; null until the first one. */
  heartbeatAtMs: number | null;
  /** Chats ever assigned. */
  assigned: number;
  /**
   * Random id of this operator record: a deleted operator re-created under the same id is a new
   * incarnation, so its predecessor's chats neither count against it nor show in its list.
   */
  incarnation: string;
  /** The groups (departments) whose chats it takes, sorted; a chat without a group goes to anyone. */
  groups: string[];
  /**
   * Assignment sequence number: raised by every assignment, and raised to the site's lowest
   * turn when the operator comes online. A queue claim is conditional on it, and after a
   * conflict the lowest turns are the operators equally entitled to the next chat.
   */
  turn: number;
  /** Chats taken back from it unanswered, ever. */
  missed: number;
  /** Chats taken back from it unanswered since its last accept. */
  missedInARow: number;
}

export interface Chat {
  id: string;
  siteId: string;
  visitorId: string;
  clientType: ClientType;
  status: ChatStatus;
  operatorId: string | null;
  assignedBy: AssignedBy | null;
  createdAt: string;
  closedAt: string | null;
  /** The group (department) the chat is for; null: any operator. */
  group: string | null;
  /** When its current operator got it. */
  assignedAt: string | null;
  /** When its current operator accepted it. */
  acceptedAt: string | null;
  /** Operators it was taken back from, unanswered. */
  missedBy: string[];
  /** How the visitor may be reached, as it gave it when starting the chat (for a follow-up); nulls when it gave nothing. */
  contact: Contact;
}

export const NO_CONTACT: Contact = { name: null, email: null };

/** What a visitor gives to be written back to. */
export interface Contact {
  name: string | null;
  email: string | null;
}

export const MESSAGE_AUTHORS = ['visitor', 'operator'] as const;
export type MessageAuthor = (typeof MESSAGE_AUTHORS)[number];

/** A text message of a chat; ids sort in creation order. */
export interface Message {
  id: string;
  siteId: string;
  chatId: string;
  from: MessageAuthor;
  /** The operator who wrote it; null for the visitor. */
  operatorId: string | null;
  text: string;
  createdAt: string;
}

export const WEBHOOK_DELIVERY_STATES = ['delivered', 'retrying', 'failed'] as const;
/** Delivered: the receiver answered 2xx; retrying: it did not, another attempt is coming; failed: given up after 24 hours (dead-letter queue). */
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** The latest attempt to deliver one webhook event, as the admin page lists it. */
export interface WebhookDelivery {
  eventId: string;
  type: string;
  occurredAt: string;
  state: WebhookDeliveryState;
  attempts: number;
  /** The receiver's HTTP status; null when it gave none (refused, timed out). */
  responseStatus: number | null;
  error: string | null;
  lastAttemptAt: string;
}

/** The id of a chat's n-th message (1-based): zero-padded, so that ids sort as the numbers do. */
export const messageNumberId = (n: number) => String(n).padStart(10, '0');

/** The message as the API shows it. */
export const publicMessage = ({ id, chatId, from, operatorId, text, createdAt }: Message) => ({ id, chatId, from, operatorId, text, createdAt });

/** A group (department) of a site's operators; chats may ask for one. */
export interface Group {
  siteId: string;
  id: string;
  name: string;
  /** A chat of the group still waiting this long may go to any operator of the site; null: never. */
  fallbackAfterSeconds: number | null;
}

/** Whether the operator may take a chat of that group (null: a chat for anyone). */
export const takesGroup = (operator: Pick<Operator, 'groups'>, group: string | null) => group === null || operator.groups.includes(group);

/** The operator as the API shows it. */
export function publicOperator(operator: Operator) {
  return {
    id: operator.id,
    name: operator.name,
    avatarUrl: operator.avatarUrl,
    status: operator.status,
    maxChats: operator.maxChats,
    activeChats: operator.activeChats,
    lastAssignedAt: operator.lastAssignedAt,
    lastHeartbeatAt: operator.heartbeatAtMs === null ? null : new Date(operator.heartbeatAtMs).toISOString(),
    assigned: operator.assigned,
    groups: operator.groups,
    missed: operator.missed,
    missedInARow: operator.missedInARow,
  };
}

/** The avatar a visitor sees for an operator: the site's shared one when set. */
export function displayedAvatar(operator: Operator, settings: Settings): string | null {
  return settings.sharedAvatarUrl ?? operator.avatarUrl;
}
