import * as z from 'zod';
import { IMAGE_TYPES } from '../domain/image.js';
import { errorObject, RESPONSE_SCHEMAS } from './response-schemas.js';
import { ROUTE_SCHEMAS } from './route-schemas.js';
import { ROUTES, type RouteDefinition } from './routes.js';

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
  503: 'Busy; retry after the Retry-After header',
};

function parameters(route: RouteDefinition) {
  const schemas = ROUTE_SCHEMAS[route.name] ?? {};
  const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const result: Record<string, unknown>[] = pathNames.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  }));
  if (schemas.query) {
    const query = jsonSchema(schemas.query, 'input') as { properties?: Record<string, unknown> };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      result.push({ name, in: 'query', required: false, schema });
    }
  }
  if (route.name === 'start-chat') {
    result.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 } });
  }
  return result;
}

function requestBody(route: RouteDefinition) {
  if (route.binaryBody) {
    return {
      required: true,
      content: Object.fromEntries(
        Object.keys(IMAGE_TYPES).map((type) => [type, { schema: { type: 'string', format: 'binary', maxLength: 524288 } }]),
      ),
    };
  }
  const body = ROUTE_SCHEMAS[route.name]?.body;
  if (!body) return undefined;
  return {
    required: !body.safeParse(undefined).success,
    content: { 'application/json': { schema: jsonSchema(body, 'input') } },
  };
}

function responses(route: RouteDefinition) {
  const result: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(RESPONSE_SCHEMAS[route.name] ?? {})) {
    result[status] = schema
      ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(schema, 'output') } } }
      : { description: 'Success, no content' };
  }
  for (const [status, description] of Object.entries(REFUSALS)) {
    result[status] = { description, content: { 'application/json': { schema: jsonSchema(errorObject, 'output') } } };
  }
  return result;
}

/** The OpenAPI 3.1 description of the API, built from the route table and the schemas the handlers validate with. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
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
