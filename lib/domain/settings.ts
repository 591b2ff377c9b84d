import { DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, DEFAULT_MAX_OPEN_CHATS_PER_VISITOR, DEFAULT_MAX_WAIT_SECONDS, DEFAULT_RETENTION_DAYS, type Settings } from './model.js';
import type { CreateSiteInput, SettingsPatch } from './schemas.js';

export function initialSettings(siteId: string, input: CreateSiteInput): Settings {
  return {
    siteId,
    name: input.name,
    allowedOrigins: input.allowedOrigins ?? [],
    distribution: 'queue',
    defaultOperators: { regular: null, target: null },
    allowVisitorChoice: false,
    sharedAvatarUrl: null,
    heartbeatTimeoutSeconds: DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
    maxOpenChatsPerVisitor: DEFAULT_MAX_OPEN_CHATS_PER_VISITOR,
    queueEnabled: true,
    maxWaitingChats: null,
    maxWaitSeconds: DEFAULT_MAX_WAIT_SECONDS,
    returningVisitorDays: null,
    answerTimeoutSeconds: null,
    awayAfterMisses: null,
    language: 'en',
    webhookUrl: null,
    retentionDays: DEFAULT_RETENTION_DAYS,
  };
}

/** Whether a browser at `origin` may call the site's widget routes (an empty list allows any). */
export function originAllowed(allowedOrigins: readonly string[], origin: string): boolean {
  return allowedOrigins.length === 0 || allowedOrigins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase());
}

/** The seconds a site's chats are kept after they ended (and its messages after they were written). */
export const keepSecondsOf = (settings: Pick<Settings, 'retentionDays'>) => settings.retentionDays * 86_400;

/** The settings after a partial update: fields absent from the patch keep their value. */
export function applySettingsPatch(settings: Settings, patch: SettingsPatch): Settings {
  const { defaultOperators, ...rest } = patch;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return {
    ...settings,
    ...defined,
    defaultOperators: {
      regular: defaultOperators?.regular !== undefined ? defaultOperators.regular : settings.defaultOperators.regular,
      target: defaultOperators?.target !== undefined ? defaultOperators.target : settings.defaultOperators.target,
    },
  };
}

/** Operator ids the patch newly names as defaults: each must exist. */
export function newlyNamedDefaults(patch: SettingsPatch): string[] {
  const named = [patch.defaultOperators?.regular, patch.defaultOperators?.target];
  return [...new Set(named.filter((id): id is string => typeof id === 'string'))];
}

/** When a chat assigned at `assignedAtMs` must be accepted by; null when the site sets no answer timeout. */
export const answerDueAtMs = (settings: Pick<Settings, 'answerTimeoutSeconds'>, assignedAtMs: number): number | null =>
  settings.answerTimeoutSeconds === null ? null : assignedAtMs + settings.answerTimeoutSeconds * 1000;
