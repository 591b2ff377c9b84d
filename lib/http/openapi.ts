import * as z from 'zod';
import { IMAGE_TYPES, MAX_AVATAR_BYTES } from '../domain/image.js';
import { errorObject } from './response-schemas.js';
import type { Route } from './route.js';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;

const REFUSALS: Record<number, string> = {
  400: 'Invalid request (the message names the field)',
  401: 'Missing or unknown token',
  403: 'Token of another role or site, or a refusal of the contract',
  404: 'Not found',
  409: 'Conflict (operator_unavailable)',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Idempotency-Key reused with another body',
  429: 'Too many open chats for this visitor',
  503: 'Busy; retry after the Retry-After header',
};

function parameters(route: Route) {
  const { path, query, headers } = route.request;
  const result: Record<string, unknown>[] = [];
  for (const [part, schema] of [
    ['path', path],
    ['query', query],
    ['header', headers],
  ] as const) {
    if (!schema) continue;
    const described = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(described.properties ?? {})) {
      if (part === 'header' && name === 'content-type') continue; // OpenAPI describes it with the body
      result.push({
        name: part === 'header' ? name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase()) : name,
        in: part,
        required: part === 'path' || (described.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return result;
}

function requestBody(route: Route) {
  if (route.binaryBody) {
    return {
      required: true,
      content: Object.fromEntries(
        Object.keys(IMAGE_TYPES).map((type) => [type, { schema: { type: 'string', format: 'binary', maxLength: MAX_AVATAR_BYTES } }]),
      ),
    };
  }
  const { body } = route.request;
  if (!body) return undefined;
  return {
    required: !body.safeParse(undefined).success,
    content: { 'application/json': { schema: jsonSchema(body, 'input') } },
  };
}

function responses(route: Route) {
  const result: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    result[status] = schema
      ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(schema, 'output') } } }
      : { description: 'Success, no content' };
  }
  for (const [status, description] of Object.entries(REFUSALS)) {
    result[status] = { description, content: { 'application/json': { schema: jsonSchema(errorObject, 'output') } } };
  }
  return result;
}

/** The OpenAPI 3.1 description of the API, built from the routes' own definitions. */
export function openApiDocument(routes: readonly Route[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      operationId: route.name,
      summary: route.summary,
      parameters: parameters(route),
      responses: responses(route),
    };
    if (route.role !== 'none' && route.role !== 'visitor') operation.security = [{ bearer: [] }];
    const body = requestBody(route);
    if (body) operation.requestBody = body;
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Chat distribution API', version: '1.0.0' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
