import { DEFAULT_MAX_OPEN_CHATS_PER_VISITOR, type Chat, type Operator, type Settings } from '../domain/model.js';

/** Settings with what only the server sees. */
export interface SiteRecord {
  settings: Settings;
  adminTokenHash: string;
}

/** An operator with what only the server sees. */
export interface OperatorRecord {
  operator: Operator;
  tokenHash: string;
  /** Optimistic-concurrency version, raised by every write but heartbeats. */
  version: number;
}

export interface ChatRecord {
  chat: Chat;
  tokenHash: string;
  /** The incarnation of the operator the chat was given to. */
  operatorIncarnation: string | null;
  /** The chat counts among its visitor's open chats (closing it gives the count back). */
  countsForVisitor: boolean;
}

type Item = Record<string, unknown>;

const orNull = <T>(value: unknown): T | null => (value === undefined || value === null ? null : (value as T));

export function toSiteRecord(item: Item): SiteRecord {
  return {
    settings: {
      siteId: item.siteId as string,
      name: item.name as string,
      allowedOrigins: (item.allowedOrigins as string[] | undefined) ?? [],
      distribution: item.distribution as Settings['distribution'],
      defaultOperators: {
        regular: orNull<string>(item.defaultRegular),
        target: orNull<string>(item.defaultTarget),
      },
      allowVisitorChoice: item.allowVisitorChoice === true,
      sharedAvatarUrl: orNull<string>(item.sharedAvatarUrl),
      heartbeatTimeoutSeconds: item.heartbeatTimeoutSeconds as number,
      // Absent on sites created before the limit existed: they get the default; null is no limit.
      maxOpenChatsPerVisitor:
        item.maxOpenChatsPerVisitor === undefined ? DEFAULT_MAX_OPEN_CHATS_PER_VISITOR : orNull<number>(item.maxOpenChatsPerVisitor),
    },
    adminTokenHash: item.adminTokenHash as string,
  };
}

export function settingsAttributes(settings: Settings): Item {
  return {
    siteId: settings.siteId,
    name: settings.name,
    allowedOrigins: settings.allowedOrigins,
    distribution: settings.distribution,
    defaultRegular: settings.defaultOperators.regular,
    defaultTarget: settings.defaultOperators.target,
    allowVisitorChoice: settings.allowVisitorChoice,
    sharedAvatarUrl: settings.sharedAvatarUrl,
    heartbeatTimeoutSeconds: settings.heartbeatTimeoutSeconds,
    maxOpenChatsPerVisitor: settings.maxOpenChatsPerVisitor,
  };
}

export function toOperatorRecord(item: Item): OperatorRecord {
  return {
    operator: {
      siteId: item.siteId as string,
      id: item.operatorId as string,
      name: item.name as string,
      avatarUrl: orNull<string>(item.avatarUrl),
      status: item.status as Operator['status'],
      maxChats: orNull<number>(item.maxChats),
      activeChats: (item.activeChats as number | undefined) ?? 0,
      lastAssignedAt: orNull<string>(item.lastAssignedAt),
      heartbeatAtMs: orNull<number>(item.heartbeatAtMs),
      assigned: (item.assigned as number | undefined) ?? 0,
      turn: (item.turn as number | undefined) ?? 0,
      incarnation: (item.incarnation as string | undefined) ?? '',
    },
    tokenHash: item.tokenHash as string,
    version: (item.version as number | undefined) ?? 0,
  };
}

export function toChatRecord(item: Item): ChatRecord {
  return {
    chat: {
      id: item.chatId as string,
      siteId: item.siteId as string,
      visitorId: item.visitorId as string,
      clientType: item.clientType as Chat['clientType'],
      status: item.status as Chat['status'],
      operatorId: orNull<string>(item.operatorId),
      assignedBy: orNull<Chat['assignedBy'] & string>(item.assignedBy),
      createdAt: item.createdAt as string,
      closedAt: orNull<string>(item.closedAt),
    },
    tokenHash: item.tokenHash as string,
    operatorIncarnation: orNull<string>(item.operatorIncarnation),
    countsForVisitor: item.countsForVisitor === true,
  };
}

export function chatAttributes(chat: Chat): Item {
  return {
    chatId: chat.id,
    siteId: chat.siteId,
    visitorId: chat.visitorId,
    clientType: chat.clientType,
    status: chat.status,
    operatorId: chat.operatorId,
    assignedBy: chat.assignedBy,
    createdAt: chat.createdAt,
    closedAt: chat.closedAt,
  };
}
