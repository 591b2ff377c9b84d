/**
 * The distribution modes and assignment methods as zod schemas, derived from the registry, for
 * the request and response schemas (kept apart from ./index.ts, which the admin page bundles).
 */
import * as z from 'zod';
import { ASSIGNMENT_METHODS, MODE_NAMES, type AssignedBy } from './index.js';

/** A site's `distribution` setting. */
export const distributionModeSchema = z.enum(MODE_NAMES);

/** A chat's `assignedBy` (nullable in the chat object: unassigned chats have none). */
export const assignedBySchema = z.enum(ASSIGNMENT_METHODS);

/** The stats' `byMethod`: a count for every assignment method, and nothing else. */
export const methodCountsSchema = z.strictObject(
  Object.fromEntries(ASSIGNMENT_METHODS.map((method) => [method, z.number().int()])) as Record<AssignedBy, z.ZodNumber>,
);
