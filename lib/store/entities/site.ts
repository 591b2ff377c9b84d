/**
 * The site: its settings item, SITE#<siteId> / SETTINGS, which also sits at the head of the
 * site's queue-index partition (sort key '!', ahead of every operator).
 *
 * Each setting is an attribute of its own (an update writes only the fields that changed), and
 * the item also carries them all packed in one map, `settingsCopy`, written in the same request:
 * that map is all the queue index projects of this item, since an index projects at most 20
 * named attributes and the settings alone are nearly that many.
 */
import type { DistributionMode } from '../../domain/distribution/index.js';
import { DEFAULT_MAX_OPEN_CHATS_PER_VISITOR, DEFAULT_MAX_WAIT_SECONDS, DEFAULT_RETENTION_DAYS, type Language, type Settings } from '../../domain/model.js';
import type { SiteRecord } from '../port.js';
import { attributeNames, flag, itemMapper, nullable, value, type EntityDefinition, type Item } from './attributes.js';

/** The partition of everything a site has in the table: settings, operators, chats, visitors. */
export const sitePk = (siteId: string) => `SITE#${siteId}`;
export const SETTINGS_SK = 'SETTINGS';
export const settingsKey = (siteId: string) => ({ pk: sitePk(siteId), sk: SETTINGS_SK });

/** The queue-index partition of a site: its settings and the operators that can take chats. */
export const queuePk = (siteId: string) => `SITE#${siteId}`;
export const SETTINGS_QUEUE_SK = '!';
/** The settings' place in the load index: ahead of the waiting chats (-1) and every operator (≥ 0). */
export const SETTINGS_LOAD_KEY = -2;

/** The settings: all a chat start reads of the site, so all the queue index projects of this item. */
const settingsMapper = itemMapper<Settings>({
  siteId: value<string>(),
  name: value<string>(),
  allowedOrigins: value<string[]>().whenAbsent([]),
  distribution: value<DistributionMode>(),
  defaultOperators: {
    regular: nullable<string>().storedAs('defaultRegular'),
    target: nullable<string>().storedAs('defaultTarget'),
  },
  allowVisitorChoice: flag(),
  sharedAvatarUrl: nullable<string>(),
  heartbeatTimeoutSeconds: value<number>(),
  // Sites created before the limit existed lack it: they get the default. A stored null is no limit.
  maxOpenChatsPerVisitor: nullable<number>().whenAbsent(DEFAULT_MAX_OPEN_CHATS_PER_VISITOR),
  // Sites created before the waiting queue get its defaults.
  queueEnabled: flag().whenAbsent(true),
  maxWaitingChats: nullable<number>(),
  maxWaitSeconds: value<number>().whenAbsent(DEFAULT_MAX_WAIT_SECONDS),
  returningVisitorDays: nullable<number>(),
  answerTimeoutSeconds: nullable<number>(),
  awayAfterMisses: nullable<number>(),
  // Sites created before it get English.
  language: value<Language>().whenAbsent('en'),
  webhookUrl: nullable<string>(),
  // Sites created before retention keep chats 90 days.
  retentionDays: value<number>().whenAbsent(DEFAULT_RETENTION_DAYS),
});

const siteMapper = itemMapper<SiteRecord>({
  settings: settingsMapper.shape,
  adminTokenHash: value<string>(),
  webhookSeed: nullable<string>(),
  // Sites created before the statistics' counters lack it (see engine/stats.ts).
  countedFrom: nullable<string>(),
});

export const SETTINGS_COPY = 'settingsCopy';

export const SITE = {
  type: 'site',
  indexes: { queue: [SETTINGS_COPY], load: [SETTINGS_COPY] },
} as const satisfies EntityDefinition;

/** The attributes naming the default operators (a deleted operator is cleared from them). */
export const DEFAULT_OPERATOR_ATTRIBUTES = attributeNames(settingsMapper.shape.defaultOperators);

/** The settings item of a new site, in the queue index from the start. */
export function siteItem(record: SiteRecord, createdAt: string): Item {
  const { siteId } = record.settings;
  return {
    ...settingsKey(siteId),
    type: SITE.type,
    ...siteMapper.write(record),
    [SETTINGS_COPY]: settingsMapper.write(record.settings),
    createdAt,
    queuePk: queuePk(siteId),
    queueSk: SETTINGS_QUEUE_SK,
    loadKey: SETTINGS_LOAD_KEY,
  };
}

export const siteFromItem = (item: Item): SiteRecord => siteMapper.read(item);

/** The settings as stored, one attribute per field: a settings update writes those that changed. */
export const settingsAttributes = (settings: Settings): Item => settingsMapper.write(settings);

export const settingsFromItem = (item: Item): Settings => settingsMapper.read(item);

/** The settings item among a page of the queue or load index (the table's keys are in every index). */
export const isSettingsQueueItem = (item: Item) => item.sk === SETTINGS_SK;

/** The settings as the queue index holds them; undefined for an item written before the copy existed. */
export function settingsFromQueueItem(item: Item): Settings | undefined {
  const copy = item[SETTINGS_COPY];
  return copy && typeof copy === 'object' ? settingsMapper.read(copy as Item) : undefined;
}

/**
 * Where the operators start in a site's queue-index partition: after the settings ('!') and the
 * waiting chats ('#W#…'), since operator sort keys start with a digit (see operatorQueueSk).
 */
export const OPERATORS_QUEUE_SK_FROM = '0';
