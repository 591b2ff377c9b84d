/**
 * Fuzz cases for every route, derived from the route table (lib/http/routes.ts) and each route's
 * request schemas (each route's definition in lib/routes/): a valid request, or one broken in one place (a
 * field, the JSON text, the content type, a path parameter, the token, the method, the origin).
 * Each case is a recipe; `realize` turns it into bytes with the batch's fixtures (site, tokens,
 * chat) and says what the contract expects of the reply.
 */
import fc from 'fast-check';
import type * as z from 'zod';
import { ENDPOINTS as ALL_ROUTES, ROUTES, type Route as RouteDefinition } from '../../lib/routes/index.js';
import { IMAGE_KINDS, PADDABLE_KINDS, wholeImage } from './fuzz-images.js';
import {
  applyEdit,
  dateFormats,
  defOf,
  editArb,
  hostileArbFor,
  Ref,
  resolveRefs,
  shapeOf,
  toJsonText,
  unwrap,
  validArb,
  type Binding,
  type Walk,
} from './fuzz-schema.js';

export const FIXTURE_OPERATORS = ['op-a', 'op-b'] as const;
export const MAX_JSON_BYTES = 64 * 1024;
export const MAX_IMAGE_BYTES = 512 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The request parts a route's schemas may describe; any other key is a part the fuzzer cannot send. */
const KNOWN_PARTS = ['path', 'query', 'body', 'headers'];

// ---------------------------------------------------------------------------------------------
// Recipes

export type Mode =
  | 'valid'
  | 'edit'
  | 'bad-json'
  | 'content-type'
  | 'body-size'
  | 'no-body'
  | 'image'
  | 'path'
  | 'missing-resource'
  | 'auth'
  | 'method'
  | 'origin'
  | 'query';

/** A path parameter: the fixture's resource, a new id (PUT creates it; DELETE gets it created first), or a literal. */
export type PathParam =
  | { kind: 'fixture'; index: number }
  | { kind: 'new'; value: string }
  | { kind: 'value'; value: string }
  | { kind: 'raw'; segment: string };

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType?: string | null; padding?: number }
  | { kind: 'text'; text: string; contentType?: string | null }
  | { kind: 'bytes'; bytes: Uint8Array; contentType: string | null; image?: ImageVerdict };

/** What the contract says of an upload: a whole image of its declared type is taken, a broken one refused (415). */
export type ImageVerdict = 'whole' | 'broken' | 'either';

export type Who = 'platform' | 'admin' | 'operator' | 'other-operator' | 'other-site-admin';

export type Auth =
  | { kind: 'route' }
  | { kind: 'none' }
  | { kind: 'unknown' }
  | { kind: 'header'; value: string; valid: boolean }
  | { kind: 'as'; who: Who };

export interface Recipe {
  route: RouteDefinition;
  mode: Mode;
  label: string;
  method: string;
  path: Record<string, PathParam>;
  query?: Record<string, unknown> | Array<[string, string]>;
  headers: Record<string, unknown>;
  body: Body;
  auth: Auth;
  origin?: string;
  /** Query parameters sent as they are (a raw '+', a duplicate). */
  rawQuery?: string;
  /** For a DELETE of a new id: the body of the PUT on the same path that creates it first. */
  setupBody?: unknown;
}

// ---------------------------------------------------------------------------------------------
// What each route takes, checked against its schemas

export interface RouteParts {
  route: RouteDefinition;
  params: string[];
  path?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: z.ZodType;
}

/** Throws (the fuzz test fails) when a route takes a part that no schema describes. */
export function routeParts(route: RouteDefinition): RouteParts {
  const schemas = route.request as Record<string, z.ZodType | undefined> | undefined;
  if (!schemas) throw new Error(`fuzz: route ${route.name} has no request schemas in its definition`);
  for (const part of Object.keys(schemas)) {
    if (!KNOWN_PARTS.includes(part)) throw new Error(`fuzz: route ${route.name} has a schema for "${part}", which the fuzzer cannot send`);
  }
  if (!route.responses) throw new Error(`fuzz: route ${route.name} has no response schemas in its definition`);
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const shape = schemas.path ? shapeOf(schemas.path) : undefined;
  if (params.length && !shape) throw new Error(`fuzz: route ${route.name} takes path parameters ${params.join(', ')} but has no path schema`);
  const described = Object.keys(shape ?? {});
  const missing = params.filter((param) => !described.includes(param));
  const extra = described.filter((param) => !params.includes(param));
  if (missing.length || extra.length) {
    throw new Error(`fuzz: route ${route.name}: path parameters ${params.join(', ')} but its path schema names ${described.join(', ')}`);
  }
  if ((route.method === 'PUT' || route.binaryBody) && !schemas.body && !route.binaryBody) {
    throw new Error(`fuzz: route ${route.name} (${route.method}) takes a body but has no body schema`);
  }
  acceptedTokens(route); // an unknown role throws
  return { route, params, path: schemas.path, query: schemas.query, body: schemas.body, headers: schemas.headers };
}

/** The tokens a route accepts: null when it reads none. */
export function acceptedTokens(route: RouteDefinition): Who[] | null {
  switch (route.role as string) {
    case 'none':
    case 'visitor':
      return null;
    case 'platform':
      return ['platform'];
    case 'admin':
      return ['admin'];
    case 'admin-or-platform':
      return ['admin', 'platform'];
    case 'operator':
      return ['operator'];
    case 'any-token':
      return ['platform', 'admin', 'operator', 'other-operator', 'other-site-admin'];
    case 'chat-party':
      // The chat's operator; the site's admin may close any chat too.
      return ['operator', 'admin'];
    case 'chat-reader':
      // Also the visitor's chat token; the admin first, whom every chat admits.
      return ['admin', 'operator'];
    case 'site-member':
      return ['admin', 'operator', 'other-operator'];
    default:
      throw new Error(`fuzz: route ${route.name} has role "${route.role}", which the fuzzer does not know`);
  }
}


/** Whether a 2xx of this route hands out a token that replaces a fixture's (it runs alone, after the others). */
export function changesCredentials(route: RouteDefinition): boolean {
  if (!route.path.includes('{siteId}')) return false;
  return Object.values(route.responses ?? {}).some((schema) => {
    const shape = schema ? shapeOf(schema) : undefined;
    return Object.keys(shape ?? {}).some((key) => /Token$/.test(key));
  });
}

/** Methods defined on the route's path (any other one is a 405). */
function methodsOnPath(path: string): string[] {
  return [...new Set(ALL_ROUTES.filter((route) => route.path === path).map((route) => route.method))];
}

// ---------------------------------------------------------------------------------------------
// Valid recipes

/**
 * Body fields that must name real things: the chat's token, and operators (mostly the
 * fixture's, sometimes any identifier, which the contract answers with its own 4xx).
 */
function bodyBinding(walk: Walk): Binding {
  return (path, child) => {
    const name = path.at(-1);
    if (name === 'chatToken') return fc.constant(new Ref('chatToken', 'x'.repeat(43)));
    const { inner } = unwrap(child);
    // The batches' sites have no groups: a chat for one is a 404, so mostly none is named (left out of the JSON).
    if (name === 'group' && path.length === 1 && defOf(inner).type === 'string') {
      return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: validArb(inner, { nowMs: walk.nowMs }) });
    }
    if ((name === 'operatorId' || path[0] === 'defaultOperators') && path.length >= 1 && defOf(inner).type === 'string') {
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...FIXTURE_OPERATORS) },
        { weight: 1, arbitrary: validArb(inner, { nowMs: walk.nowMs }) },
      );
    }
    return undefined;
  };
}

function bodyWalk(walk: Walk): Walk {
  return { ...walk, binding: bodyBinding(walk) };
}

const IMAGE_SEED = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** An image the contract accepts: a whole PNG, JPEG, GIF or WebP of its declared type, at most 512 KB. */
function validImage(): fc.Arbitrary<Body> {
  return fc
    .tuple(
      fc.constantFrom(...IMAGE_KINDS),
      IMAGE_SEED,
      fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 8192 }) }, { weight: 1, arbitrary: fc.constant(MAX_IMAGE_BYTES) }),
      fc.constantFrom('', '; charset=binary', 'upper'),
    )
    .map(([kind, seed, size, variant]) => {
      const padded = size !== undefined && PADDABLE_KINDS.includes(kind);
      const declared = variant === 'upper' ? kind.toUpperCase() : `${kind}${variant}`;
      return { kind: 'bytes', bytes: wholeImage(kind, seed, padded ? size : undefined), contentType: declared, image: 'whole' } as Body;
    });
}

/** Uploads the contract refuses (or, for a flipped byte or bytes after the image, may take). */
function brokenImage(): fc.Arbitrary<Body> {
  const declaredTypes = fc.constantFrom<string | null>(...IMAGE_KINDS, 'image/svg+xml', 'image/bmp', 'application/octet-stream', 'text/plain', 'application/json', 'image/', 'image/png, image/gif', '', null);
  return fc
    .tuple(fc.constantFrom(...IMAGE_KINDS), IMAGE_SEED, fc.constantFrom('truncated', 'other-type', 'not-image', 'empty', 'too-large', 'trailing', 'flipped'), declaredTypes, fc.nat())
    .map(([kind, seed, how, declared, at]) => {
      const whole = wholeImage(kind, seed);
      const body = (bytes: Uint8Array, contentType: string | null, image: ImageVerdict): Body => ({ kind: 'bytes', bytes, contentType, image });
      switch (how) {
        case 'truncated':
          return body(whole.subarray(0, at % whole.length), kind, 'broken');
        case 'other-type':
          return body(whole, declared === kind ? 'image/svg+xml' : declared, 'broken');
        case 'not-image':
          return body(Buffer.from(`<svg onload="alert(1)">${'x'.repeat(at % 2000)}</svg>`), declared ?? kind, 'broken');
        case 'empty':
          return body(Buffer.alloc(0), kind, 'broken');
        case 'too-large':
          return body(wholeImage('image/png', seed, MAX_IMAGE_BYTES + 1 + (at % 3)), 'image/png', 'broken');
        case 'trailing':
          return body(Buffer.concat([whole, Buffer.from('<!doctype html><script>alert(1)</script>')]), kind, 'either');
        default: {
          const flipped = Buffer.from(whole);
          const index = at % flipped.length;
          flipped[index] = flipped[index]! ^ (1 << at % 8);
          return body(flipped, kind, 'either');
        }
      }
    });
}

function pathArb(parts: RouteParts): fc.Arbitrary<Record<string, PathParam>> {
  const { route } = parts;
  const shape = parts.path ? shapeOf(parts.path)! : {};
  const model: Record<string, fc.Arbitrary<PathParam>> = {};
  for (const param of parts.params) {
    const schema = shape[param]!;
    const fresh = validArb(schema, { nowMs: 0 })
      .filter((value) => !(FIXTURE_OPERATORS as readonly string[]).includes(value as string))
      .map((value) => ({ kind: 'new', value: value as string }) as PathParam);
    const fixture = (count: number) => fc.integer({ min: 0, max: count - 1 }).map((index) => ({ kind: 'fixture', index }) as PathParam);
    if (param === 'siteId' || param === 'chatId') model[param] = fixture(1);
    else if (param === 'operatorId') {
      if (route.method === 'DELETE') model[param] = fresh;
      else if (route.method === 'PUT' && route.role !== 'operator') model[param] = fc.oneof(fixture(FIXTURE_OPERATORS.length), fresh);
      else model[param] = fixture(FIXTURE_OPERATORS.length);
    } else if (route.method === 'PUT' || route.method === 'DELETE') model[param] = fresh;
    else throw new Error(`fuzz: no fixture for path parameter {${param}} of route ${route.name}; teach test/support/fuzz-cases.ts`);
  }
  return fc.record(model);
}

/** A request the contract accepts, for the route's own role. */
export function validRecipe(parts: RouteParts, walk: Walk): fc.Arbitrary<Recipe> {
  const { route } = parts;
  const body: fc.Arbitrary<Body> = route.binaryBody
    ? validImage()
    : parts.body
      ? validArb(parts.body, bodyWalk(walk)).map((value) => ({ kind: 'json', value }) as Body)
      : fc.constant({ kind: 'none' } as Body);
  const query = parts.query ? validArb(parts.query, walk).map((value) => (value ?? {}) as Record<string, unknown>) : fc.constant(undefined);
  const headers = parts.headers
    ? validArb(parts.headers, walk).map((value) => (value ?? {}) as Record<string, unknown>)
    : fc.constant({} as Record<string, unknown>);
  const tokens = acceptedTokens(route);
  const auth: fc.Arbitrary<Auth> =
    tokens && route.role !== 'chat-party' && tokens.length > 1
      ? fc.constantFrom(...tokens).map((who) => ({ kind: 'as', who }) as Auth)
      : fc.constant({ kind: 'route' } as Auth);
  const creator = route.method === 'DELETE' ? ROUTES.find((other) => other.path === route.path && other.method === 'PUT') : undefined;
  const creatorBody = creator ? routeParts(creator).body : undefined;
  if (route.method === 'DELETE' && parts.params.length > 1 && !creatorBody) {
    throw new Error(`fuzz: route ${route.name} deletes a resource but no PUT on its path creates one`);
  }
  // The batches' sites have no groups: what the set-up creates names none (it must succeed).
  const setupBody = creatorBody
    ? validArb(creatorBody, bodyWalk(walk)).map((value) => {
        if (!value || typeof value !== 'object' || !('groups' in value)) return value;
        const { groups: _groups, ...rest } = value as Record<string, unknown>;
        return rest;
      })
    : fc.constant(undefined);
  return fc.record({ path: pathArb(parts), body, query, headers, auth, setupBody }).map(
    (drawn) =>
      ({
        setupBody: drawn.setupBody,
        route,
        mode: 'valid',
        label: 'valid',
        method: route.method,
        path: drawn.path,
        query: drawn.query,
        headers: drawn.headers,
        body: drawn.body,
        auth: drawn.auth,
      }) as Recipe,
  );
}

// ---------------------------------------------------------------------------------------------
// Broken recipes

const BAD_JSON_TEXTS = ['{', '[', '{"a":', '{"a": 1,}', "{'a': 1}", 'nul', '{"a":1}{"b":2}', '\u0000', '{"a":"\ud800"', 'NaN', '[1,]', '{"a" 1}', '\ufeff{}', '{"a":1}\u0000', '{"a":01}', '"\\x41"'];

function brokenJson(valid: fc.Arbitrary<string>): fc.Arbitrary<Body> {
  const fromValid = fc.tuple(valid, fc.nat(), fc.constantFrom('truncate', 'insert', 'append', 'quotes', 'bom', 'lone-surrogate', 'bad-utf8')).map(
    ([text, at, how]) => {
      const i = text.length ? at % text.length : 0;
      switch (how) {
        case 'truncate':
          return { kind: 'text', text: text.slice(0, i) } as Body;
        case 'insert':
          return { kind: 'text', text: text.slice(0, i) + '{}[],:"\\'.charAt(at % 8) + text.slice(i) } as Body;
        case 'append':
          return { kind: 'text', text: `${text}${['}', ',', 'x', '{"a":1}', ']'][at % 5]}` } as Body;
        case 'quotes':
          return { kind: 'text', text: text.replace(/"/g, "'") } as Body;
        case 'bom':
          return { kind: 'text', text: `\ufeff${text}` } as Body;
        case 'lone-surrogate':
          return { kind: 'text', text: `{"\ud800":${text}}` } as Body;
        default: {
          // Bytes that are not UTF-8 inside a string of the JSON text.
          const bytes = Buffer.from(text.replace(/"([^"]*)"/, '"$1\u0001"'), 'utf8');
          const index = bytes.indexOf(0x01);
          if (index >= 0) bytes[index] = 0xff;
          return { kind: 'bytes', bytes, contentType: 'application/json' } as Body;
        }
      }
    },
  );
  return fc.oneof(fromValid, fc.constantFrom(...BAD_JSON_TEXTS).map((text) => ({ kind: 'text', text }) as Body));
}

const CONTENT_TYPES: Array<string | null> = [
  null,
  '',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/json-patch+json',
  'application/vnd.api+json',
  'json',
  'application/xml',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'APPLICATION/JSON',
  'application/json ; charset=utf-8',
];

/**
 * Longer path, query and header values only meet Node's 16 KB limit on the request head (a bare
 * 431 before any handler runs; API Gateway has its own limits): 1,500 characters stay under it
 * even percent-encoded.
 */
const MAX_URL_VALUE = 1_500;

const ODD_SEGMENTS = ['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%2F', 'a%2Fb', '%00', '%2e%2e', '..', '.', ';', 'a;b', '*', '~', 'a%20b', '%22%3E%3Cscript%3E', '%E2%80%AE', '%F0%9F%92%A9', 'x'.repeat(65), 'x'.repeat(2000)];

const MALFORMED_AUTH = ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearer a b', 'Bearer\tx', 'bearer', '', 'Bearer ' + 'x'.repeat(5000), 'Bearer null', 'Bearer undefined', 'Bearer ../../etc/passwd'];

const ORIGINS = ['https://evil.example', 'http://localhost:3000', 'null', 'https://a.example', 'https://ACME.example'];

function recipeFrom(base: Recipe, mode: Mode, label: string, change: Partial<Recipe>): Recipe {
  return { ...base, ...change, mode, label };
}

/** One broken request for the route, of every kind that applies to it. */
export function brokenRecipe(parts: RouteParts, walk: Walk): fc.Arbitrary<Recipe> {
  const { route } = parts;
  const base = validRecipe(parts, walk);
  const options: Array<{ weight: number; arbitrary: fc.Arbitrary<Recipe> }> = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<Recipe>) => options.push({ weight, arbitrary });

  // Field by field, in each part the schemas describe.
  if (parts.body) {
    const body = parts.body;
    add(
      10,
      fc.tuple(base, fc.array(editArb(body, bodyWalk(walk)), { minLength: 1, maxLength: 2 })).map(([recipe, edits]) => {
        const value = edits.reduce<unknown>((current, edit) => applyEdit(current, edit), (recipe.body as { value: unknown }).value);
        return recipeFrom(recipe, 'edit', `body ${edits.map((edit) => edit.label).join(' & ')}`, { body: { kind: 'json', value } });
      }),
    );
    const validText = base.map((recipe) => toJsonText((recipe.body as { value: unknown }).value, () => 'token') || '{}');
    add(3, fc.tuple(base, brokenJson(validText)).map(([recipe, body]) => recipeFrom(recipe, 'bad-json', 'invalid JSON', { body })));
    add(
      2,
      fc.tuple(base, fc.constantFrom(...CONTENT_TYPES)).map(([recipe, contentType]) =>
        recipeFrom(recipe, 'content-type', `content-type ${JSON.stringify(contentType)}`, {
          body: { ...(recipe.body as { kind: 'json'; value: unknown }), contentType },
        }),
      ),
    );
    add(
      1,
      fc.tuple(base, fc.constantFrom(0, 1, 2, 100, 70_000)).map(([recipe, over]) =>
        recipeFrom(recipe, 'body-size', `body ${over ? `${over} bytes over` : 'exactly at'} 64 KB`, {
          body: { ...(recipe.body as { kind: 'json'; value: unknown }), padding: over },
        }),
      ),
    );
  } else if (!route.binaryBody && route.method !== 'GET') {
    add(
      2,
      fc.tuple(base, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({}))).map(([recipe, value]) =>
        recipeFrom(recipe, 'no-body', 'a body on a route that takes none', {
          body: value === undefined ? { kind: 'text', text: 'x' } : { kind: 'json', value },
        }),
      ),
    );
  }
  if (route.binaryBody) add(6, fc.tuple(base, brokenImage()).map(([recipe, body]) => recipeFrom(recipe, 'image', 'image refused', { body })));
  if (parts.query) {
    const query = parts.query;
    add(
      5,
      fc.tuple(base, fc.array(editArb(query, walk), { minLength: 1, maxLength: 2 })).map(([recipe, edits]) => {
        const value = edits.reduce<unknown>((current, edit) => applyEdit(current, edit), recipe.query ?? {});
        return recipeFrom(recipe, 'edit', `query ${edits.map((edit) => edit.label).join(' & ')}`, {
          query: value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value },
        });
      }),
    );
    add(
      2,
      fc.tuple(base, fc.constantFrom('dup', 'plus', 'empty-name', 'bracket')).map(([recipe, how]) => {
        const first = Object.keys(shapeOf(query) ?? {})[0] ?? 'x';
        const entries = Object.entries(recipe.query ?? {}).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
        const extra = { dup: `${first}=2026-01-01&${first}=2026-02-01`, plus: `${first}=2026-01-01T00:00:00+01:00`, 'empty-name': '=x', bracket: `${first}[]=2026-01-01` }[how];
        return recipeFrom(recipe, 'query', `query ${how}`, { query: {}, rawQuery: [...entries, extra].join('&') });
      }),
    );
  } else {
    add(
      1,
      fc.tuple(base, fc.dictionary(fc.constantFrom('x', 'from', 'to', '__proto__', 'limit', 'a[]', 'é'), fc.string({ maxLength: 8 }), { minKeys: 1, maxKeys: 2 })).map(
        ([recipe, query]) => recipeFrom(recipe, 'query', 'stray query parameters', { query }),
      ),
    );
  }
  if (parts.headers) {
    const headers = parts.headers;
    add(
      3,
      fc.tuple(base, editArb(headers, walk).filter((edit) => edit.op !== 'replace')).map(([recipe, edit]) =>
        recipeFrom(recipe, 'edit', `header ${edit.label}`, { headers: applyEdit(recipe.headers, edit) as Record<string, unknown> }),
      ),
    );
  }

  // Path parameters: values the schema refuses, odd encodings, and valid ids of nothing.
  if (parts.params.length) {
    const shape = shapeOf(parts.path!)!;
    add(
      4,
      fc
        .tuple(base, fc.constantFrom(...parts.params))
        .chain(([recipe, param]) =>
          fc.oneof(hostileArbFor(shape[param]!, walk), fc.constantFrom(...ODD_SEGMENTS).map((segment) => ({ raw: segment }))).map((value) => {
            const given: PathParam =
              value && typeof value === 'object' && 'raw' in (value as object)
                ? { kind: 'raw', segment: (value as { raw: string }).raw }
                : { kind: 'value', value: (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).slice(0, MAX_URL_VALUE) };
            return recipeFrom(recipe, 'path', `path ${param} odd`, { path: { ...recipe.path, [param]: given } });
          }),
        ),
    );
    const missing = parts.params.filter((param) => !(route.method === 'PUT' && param !== 'siteId'));
    if (missing.length) {
      add(
        2,
        fc.tuple(base, fc.constantFrom(...missing)).chain(([recipe, param]) =>
          validArb(shape[param]!, { nowMs: walk.nowMs })
            .filter((value) => !(FIXTURE_OPERATORS as readonly string[]).includes(value as string))
            .map((value) => recipeFrom(recipe, 'missing-resource', `path ${param} names nothing`, { path: { ...recipe.path, [param]: { kind: 'value', value: value as string } } })),
        ),
      );
    }
  }

  // Tokens: none, unknown, malformed, another role's, another site's or operator's.
  const tokens = acceptedTokens(route);
  const authOptions: fc.Arbitrary<Auth>[] = [
    fc.constant({ kind: 'none' } as Auth),
    fc.constant({ kind: 'unknown' } as Auth),
    fc.constantFrom(...MALFORMED_AUTH).map((value) => ({ kind: 'header', value, valid: false }) as Auth),
    fc.constantFrom<Who>('platform', 'admin', 'operator', 'other-operator', 'other-site-admin').map((who) => ({ kind: 'as', who }) as Auth),
  ];
  if (tokens) authOptions.push(fc.constantFrom('bearer ', 'Bearer  ', 'BEARER ').map((prefix) => ({ kind: 'header', value: prefix, valid: true }) as Auth));
  add(route.role === 'none' || route.role === 'visitor' ? 1 : 4, fc.tuple(base, fc.oneof(...authOptions)).map(([recipe, auth]) => recipeFrom(recipe, 'auth', `auth ${describeAuth(auth)}`, { auth })));

  // Methods the path does not have.
  const others = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].filter((method) => !methodsOnPath(route.path).includes(method));
  if (others.length) add(1, fc.tuple(base, fc.constantFrom(...others)).map(([recipe, method]) => recipeFrom(recipe, 'method', `method ${method}`, { method })));

  // The widget's routes from a page of some origin.
  if (route.widget) add(1, fc.tuple(base, fc.constantFrom(...ORIGINS)).map(([recipe, origin]) => recipeFrom(recipe, 'origin', `Origin ${origin}`, { origin })));

  return fc.oneof(...options);
}

function describeAuth(auth: Auth): string {
  if (auth.kind === 'as') return `as ${auth.who}`;
  if (auth.kind === 'header') return `header ${JSON.stringify(auth.value.slice(0, 20))}`;
  return auth.kind;
}

/** Any case for any route: about a third valid, the rest broken in one place. */
export function caseArb(walk: Walk, routes: readonly RouteDefinition[] = ROUTES): fc.Arbitrary<Recipe> {
  const perRoute = routes.map((route) => {
    const parts = routeParts(route);
    return fc.oneof({ weight: 1, arbitrary: validRecipe(parts, walk) }, { weight: 2, arbitrary: brokenRecipe(parts, walk) });
  });
  return fc.oneof(...perRoute);
}

// ---------------------------------------------------------------------------------------------
// Realizing a recipe, and what the contract expects of it

export interface BatchFixtures {
  platformToken: string;
  siteId: string;
  adminToken: string;
  operatorTokens: Record<string, string>;
  otherSite: { siteId: string; adminToken: string };
  /** Idempotency keys sent on this site so far (or in flight), with how many requests carried each. */
  idempotencyKeys: Map<string, number>;
}

export interface CaseFixtures {
  chat?: { id: string; token: string; operatorId: string | null };
  /** A fresh id, unique in the run, for `new` path parameters. */
  unique: string;
}

export interface Realized {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  expect: Expectation;
  /** The route the request reaches (undefined when URL normalisation sends it elsewhere). */
  route?: RouteDefinition;
}

export interface Expectation {
  /** What the contract allows, as a sentence for failure messages. */
  describe: string;
  accepts(status: number, code: string | undefined): boolean;
  /** Extra checks of a 2xx reply body (e.g. zeros for a future period). */
  check?: (body: any) => string | undefined;
}

const encodeSegment = (value: string) => {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80'; // a lone surrogate: its UTF-8-like encoding, which is not UTF-8
  }
};

/** Header values as HTTP carries them: Latin-1, no control characters, trimmed, under Node's 16 KB head. */
function sendableHeader(value: unknown): string {
  const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).slice(0, MAX_URL_VALUE);
  return text
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')
    .replace(/^[\t ]+|[\t ]+$/g, '');
}

/** A fresh id from the generated one: the generated id with a suffix, if the schema still takes it. */
function uniqueId(value: string, suffix: string, schema: z.ZodType): string {
  for (const candidate of [`${value}${suffix}`, `${value.slice(0, Math.max(0, value.length - suffix.length))}${suffix}`]) {
    if (schema.safeParse(candidate).success) return candidate;
  }
  return value;
}

export function realize(recipe: Recipe, batch: BatchFixtures, fixtures: CaseFixtures): Realized {
  const { route } = recipe;
  const parts = routeParts(route);
  const pathShape = parts.path ? shapeOf(parts.path)! : {};

  // Path.
  const segments: Record<string, string> = {};
  for (const param of parts.params) {
    const value = recipe.path[param]!;
    let text: string;
    if (value.kind === 'fixture') {
      text = param === 'siteId' ? batch.siteId : param === 'chatId' ? fixtures.chat!.id : FIXTURE_OPERATORS[value.index]!;
    } else if (value.kind === 'new') text = uniqueId(value.value, fixtures.unique, pathShape[param]!);
    else if (value.kind === 'value') text = value.value;
    else text = '';
    segments[param] = value.kind === 'raw' ? value.segment : encodeSegment(text);
  }
  const builtPath = route.path.replace(/\{(\w+)\}/g, (_, name: string) => segments[name]!);
  const normalized = new URL(builtPath, 'http://localhost').pathname;

  // Query.
  let queryText = '';
  if (recipe.rawQuery !== undefined) queryText = recipe.rawQuery;
  else if (recipe.query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(resolveRefs(recipe.query, () => '') as Record<string, unknown>)) {
      if (value === undefined) continue;
      search.append(key.slice(0, MAX_URL_VALUE), (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).slice(0, MAX_URL_VALUE));
    }
    queryText = search.toString();
  }

  // Credentials.
  const headers: Record<string, string> = {};
  const chat = fixtures.chat;
  const operatorOf = (index: number) => FIXTURE_OPERATORS[index] ?? FIXTURE_OPERATORS[0];
  const pathOperator = recipe.path.operatorId?.kind === 'fixture' ? operatorOf(recipe.path.operatorId.index) : FIXTURE_OPERATORS[0];
  const onChat = route.role === 'chat-party' || route.role === 'chat-reader';
  const otherOperator = FIXTURE_OPERATORS.find((id) => id !== (onChat ? chat?.operatorId : pathOperator))!;
  const tokenOf = (who: Who): string => {
    switch (who) {
      case 'platform':
        return batch.platformToken;
      case 'admin':
        return batch.adminToken;
      case 'operator':
        return batch.operatorTokens[onChat ? (chat?.operatorId ?? otherOperator) : pathOperator]!;
      case 'other-operator':
        return batch.operatorTokens[otherOperator]!;
      case 'other-site-admin':
        return batch.otherSite.adminToken;
    }
  };
  let bearer: string | undefined;
  // 'refused-or-missing': refused, unless the chat is looked for first and is not there (404).
  let authVerdict: 'ok' | 'refused' | 'refused-or-missing' = 'ok';
  const tokens = acceptedTokens(route);
  const resolveRef = (ref: Ref): unknown => (ref.name === 'chatToken' ? (chat?.token ?? 'no-chat') : undefined);
  const bodyValue = recipe.body.kind === 'json' ? resolveRefs(recipe.body.value, resolveRef) : undefined;
  const bodyChatToken = bodyValue && typeof bodyValue === 'object' ? (bodyValue as { chatToken?: unknown }).chatToken : undefined;
  switch (recipe.auth.kind) {
    case 'route':
      if (route.role === 'chat-party') {
        // The chat's operator, when the body carries no chat token and the chat has one.
        if (bodyChatToken === undefined && chat?.operatorId) bearer = `Bearer ${batch.operatorTokens[chat.operatorId]}`;
      } else if (tokens) bearer = `Bearer ${tokenOf(tokens[0]!)}`;
      break;
    case 'none':
      if (tokens && route.role !== 'chat-party') authVerdict = 'refused';
      break;
    case 'unknown':
      bearer = `Bearer ${Buffer.from(fixtures.unique.padEnd(32, 'u')).toString('base64url')}`;
      if (tokens) authVerdict = 'refused';
      break;
    case 'header':
      bearer = recipe.auth.valid ? `${recipe.auth.value}${tokenOf(tokens?.[0] ?? 'admin')}` : recipe.auth.value;
      if (tokens && !recipe.auth.valid) authVerdict = 'refused';
      if (route.role === 'chat-party' && !chat?.operatorId) authVerdict = 'refused';
      break;
    case 'as':
      bearer = `Bearer ${tokenOf(recipe.auth.who)}`;
      if (tokens && !tokens.includes(recipe.auth.who)) authVerdict = 'refused';
      if (onChat && recipe.auth.who === 'operator' && !chat?.operatorId) {
        // Whether an operator's token opens a chat depends on the chat: one that is not there is a 404.
        authVerdict = route.role === 'chat-reader' ? 'refused-or-missing' : 'refused';
      }
      break;
  }
  if (bearer !== undefined) headers.authorization = bearer;
  if (recipe.origin) headers.origin = recipe.origin;
  const sentHeaders: Record<string, string> = {};
  const headerValues = resolveRefs(recipe.headers, resolveRef);
  for (const [name, value] of Object.entries(headerValues && typeof headerValues === 'object' ? headerValues : {})) {
    if (value === undefined || !/^[a-z0-9-]+$/i.test(name)) continue;
    sentHeaders[name.toLowerCase()] = sendableHeader(value);
  }
  Object.assign(headers, sentHeaders);

  // Body.
  let body: Buffer | undefined;
  let contentType: string | null | undefined;
  let utf8Doubt = false;
  switch (recipe.body.kind) {
    case 'none':
      break;
    case 'json': {
      const text = toJsonText(recipe.body.value, resolveRef);
      const padding = recipe.body.padding;
      body = Buffer.from(text, 'utf8');
      if (padding !== undefined) body = Buffer.concat([Buffer.alloc(Math.max(0, MAX_JSON_BYTES + padding - body.length), ' '), body]);
      contentType = recipe.body.contentType === undefined ? 'application/json' : recipe.body.contentType;
      break;
    }
    case 'text':
      body = Buffer.from(recipe.body.text, 'utf8');
      contentType = recipe.body.contentType === undefined ? 'application/json' : recipe.body.contentType;
      break;
    case 'bytes':
      body = Buffer.from(recipe.body.bytes);
      contentType = recipe.body.contentType;
      utf8Doubt = !route.binaryBody;
      break;
  }
  if (body && body.length === 0) body = undefined;
  if (recipe.method === 'GET' || recipe.method === 'HEAD') body = undefined; // fetch sends none
  if (contentType !== null && contentType !== undefined) {
    headers['content-type'] = contentType;
    // The body's type replaces a content-type the header recipe made: the oracle judges what is sent.
    if ('content-type' in sentHeaders) sentHeaders['content-type'] = contentType;
  }

  // What the request is, part by part, as the contract reads it.
  const problems: string[] = []; // each a reason the contract refuses the request, with its statuses
  const refusals = new Set<number>();
  const refuse = (reason: string, ...statuses: number[]) => {
    problems.push(reason);
    statuses.forEach((status) => refusals.add(status));
  };
  let unpredictable = normalized !== builtPath;

  for (const param of parts.params) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segments[param]!);
    } catch {
      refuse(`path ${param} is not valid percent-encoding`, 400, 403, 404);
      continue;
    }
    if (!pathShape[param]!.safeParse(decoded).success) refuse(`path ${param} ${JSON.stringify(decoded.slice(0, 40))} is not an identifier`, 400, 403, 404);
    if (decoded === '') unpredictable = true;
  }

  let bodyForSchema: unknown = undefined;
  const type = (headers['content-type'] ?? '').trim();
  let imageDoubt = false;
  if (route.binaryBody) {
    const image = recipe.body.kind === 'bytes' ? recipe.body.image : undefined;
    if ((body?.length ?? 0) > MAX_IMAGE_BYTES) refuse('image over 512 KB', 413);
    else if (image !== 'whole' && image !== 'either') refuse('not a whole image of its declared type', 415);
    else if (image === 'either') imageDoubt = true;
  } else if (body) {
    if (!parts.body) refuse('a body on a route that takes none', 400);
    else if (body.length > MAX_JSON_BYTES) refuse('JSON body over 64 KB', 413);
    else if (!/^application\/json\s*(;|$)/i.test(type)) refuse(`content-type ${JSON.stringify(type)} is not application/json`, 415);
    else {
      try {
        bodyForSchema = JSON.parse(body.toString('utf8'));
      } catch {
        refuse('body is not JSON', 400);
      }
    }
  }
  if (parts.body && !problems.some((problem) => /body|content-type/.test(problem))) {
    const parsed = parts.body.safeParse(bodyForSchema);
    if (!parsed.success) refuse(`body: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, 400);
  }

  // Built like API Gateway's event: own keys, "__proto__" included.
  const queryObject: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(queryText)) {
    const previous = Object.prototype.hasOwnProperty.call(queryObject, name) ? queryObject[name] : undefined;
    Object.defineProperty(queryObject, name, { value: previous === undefined ? value : `${previous},${value}`, enumerable: true, writable: true, configurable: true });
  }
  if (parts.query) {
    const parsed = parts.query.optional().safeParse(Object.keys(queryObject).length ? queryObject : undefined);
    if (!parsed.success) refuse(`query: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, 400);
  }
  if (parts.headers) {
    const parsed = parts.headers.safeParse(sentHeaders);
    if (!parsed.success) refuse(`header: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, 400);
  }

  const target = unpredictable ? undefined : route;
  const path = `${builtPath}${queryText ? `?${queryText}` : ''}`;
  const result = (expect: Expectation): Realized => ({ method: recipe.method, path, headers, body, expect, route: target });

  if (recipe.mode === 'method') return result(statusIn([405], 'a method the path does not have'));
  if (unpredictable) return result({ describe: 'anything but a 5xx (the URL is normalised to another path)', accepts: (status) => status < 500 });
  if (authVerdict === 'refused') return result(statusIn([401, 403], `401 or 403 (${describeAuth(recipe.auth)})`));
  if (authVerdict === 'refused-or-missing') {
    // The chat's own check runs after validation: a request the schemas refuse is refused for that first.
    const statuses = [401, 403, 404, ...refusals];
    return result(statusIn(statuses, `401 or 403, or 404 for a chat that is not there, or what its input gets (${describeAuth(recipe.auth)})`));
  }

  // A period the contract accepts must not be refused by a schema stricter than the contract.
  const period = parts.query ? periodVerdict(parts.query, queryObject, Date.now()) : undefined;
  const onlyQuery = problems.length > 0 && problems.every((problem) => problem.startsWith('query'));
  const periodKeysOnly = Object.keys(queryObject).every((key) => key === 'from' || key === 'to');
  if (onlyQuery && periodKeysOnly && period?.verdict === 'valid') {
    problems.length = 0;
    refusals.clear();
  }

  if (problems.length) {
    const statuses = [...refusals];
    const onlyBadPath = problems.every((problem) => problem.startsWith('path'));
    const code = statuses.length === 1 && statuses[0] === 400 && !onlyBadPath ? 'invalid_request' : undefined;
    const describe = `${statuses.join(' or ')}${code ? ` ${code}` : ''} (${problems.join('; ')})`;
    const accepts = (status: number, got: string | undefined) => statuses.includes(status) && (!code || got === code);
    if (utf8Doubt) return result(either(validOutcome(recipe, parts, batch, fixtures, bodyForSchema, queryObject, sentHeaders, bodyChatToken, bearer), { describe, accepts }));
    return result({ describe, accepts });
  }

  let expectation = validOutcome(recipe, parts, batch, fixtures, bodyForSchema, queryObject, sentHeaders, bodyChatToken, bearer);
  if (recipe.mode === 'missing-resource') expectation = statusIn([401, 403, 404], 'a 403 or 404 for a resource that does not exist');
  if (recipe.mode === 'origin') expectation = either(expectation, codeIs(403, 'origin_not_allowed'));
  if (recipe.mode === 'query' && !parts.query) expectation = either(expectation, codeIs(400, 'invalid_request'));
  if (utf8Doubt) expectation = either(expectation, codeIs(400, 'invalid_request'));
  if (imageDoubt) expectation = either(expectation, codeIs(415, 'unsupported_media_type'));
  if (recipe.mode === 'path') expectation = either(expectation, statusIn([403, 404], 'a 403 or 404 for an id of nothing'));
  return result(expectation);
}

function statusIn(statuses: number[], describe: string): Expectation {
  return { describe, accepts: (status) => statuses.includes(status) };
}

function codeIs(status: number, code: string): Expectation {
  return { describe: `${status} ${code}`, accepts: (got, gotCode) => got === status && gotCode === code };
}

function either(a: Expectation, b: Expectation): Expectation {
  return {
    describe: `${a.describe}, or ${b.describe}`,
    accepts: (status, code) => a.accepts(status, code) || b.accepts(status, code),
    check: a.check,
  };
}

/**
 * A request the contract accepts: its documented 2xx, or a 4xx the contract lists for this very
 * case (a named operator that is busy, a visitor with too many open chats…).
 */
function validOutcome(
  recipe: Recipe,
  parts: RouteParts,
  batch: BatchFixtures,
  fixtures: CaseFixtures,
  body: unknown,
  query: Record<string, string>,
  headers: Record<string, string>,
  chatToken: unknown,
  bearer: string | undefined,
): Expectation {
  const { route } = recipe;
  const documented = Object.keys(route.responses ?? {}).map(Number).filter((status) => status < 300);
  const allowed: Array<[number, string, (() => boolean)?]> = [];
  const notes: string[] = [];
  const value = (body ?? {}) as Record<string, unknown>;
  const fixtureOperator = (id: unknown) => (FIXTURE_OPERATORS as readonly unknown[]).includes(id);

  if (route.role === 'chat-party') {
    // The visitor's chat token, or the chat's operator.
    if (!bearer && chatToken === undefined) return codeIs(401, 'unauthorized');
    if (!bearer && chatToken !== fixtures.chat?.token) return codeIs(403, 'forbidden');
  }
  if (route.name === 'start-chat') {
    if (value.operatorId !== undefined) {
      allowed.push([403, 'visitor_choice_disabled'], [409, 'operator_unavailable']);
      if (!fixtureOperator(value.operatorId)) allowed.push([404, 'operator_not_found']);
    }
    // The batches' sites have no groups.
    if (value.group !== undefined) allowed.push([404, 'group_not_found']);
    allowed.push([429, 'too_many_open_chats']);
    // Another request of the batch with the same key (before this one, or at the same time).
    const key = headers['idempotency-key'];
    if (key !== undefined) allowed.push([422, 'idempotency_key_reused', () => (batch.idempotencyKeys.get(key) ?? 0) > 1]);
  }
  // Accept and transfer: who may act on the chat is the engine's check, after the body's.
  const sentToken = (token: string | undefined) => token !== undefined && bearer !== undefined && bearer.trim().endsWith(` ${token}`);
  const chatOperator = fixtures.chat?.operatorId ?? null;
  const byChatOperator = chatOperator !== null && sentToken(batch.operatorTokens[chatOperator]);
  if (route.name === 'accept-chat') {
    if (sentToken(batch.adminToken)) return codeIs(403, 'forbidden');
    if (!byChatOperator) return codeIs(409, 'chat_not_yours');
  }
  if (route.name === 'transfer-chat') {
    if (!byChatOperator && !sentToken(batch.adminToken)) return codeIs(409, 'chat_not_yours');
    // A chat nobody took is not open (one waiting may be moved).
    if (chatOperator === null) allowed.push([409, 'chat_not_open']);
    // The batches' sites have no groups.
    if (value.group !== undefined) return either(codeIs(404, 'group_not_found'), chatOperator === null ? codeIs(409, 'chat_not_open') : codeIs(404, 'group_not_found'));
    if (!fixtureOperator(value.operatorId)) return either(codeIs(404, 'operator_not_found'), chatOperator === null ? codeIs(409, 'chat_not_open') : codeIs(404, 'operator_not_found'));
    if (value.operatorId !== chatOperator) allowed.push([409, 'operator_unavailable']);
  }
  if (route.name === 'post-message') {
    // The visitor (its chat token) or the chat's operator: the admin, another operator is 403.
    const byVisitor = sentToken(fixtures.chat?.token);
    if (!byVisitor && !byChatOperator) return codeIs(403, 'forbidden');
    // Another request of the batch with the same key (on another chat it is another key: its scope is the chat).
    const key = headers['idempotency-key'];
    if (key !== undefined) allowed.push([422, 'idempotency_key_reused', () => (batch.idempotencyKeys.get(key) ?? 0) > 1]);
  }
  // A cursor is only what the route gave before: any other is refused.
  if (route.name === 'list-chats' && query.cursor !== undefined) allowed.push([400, 'invalid_request']);
  if (route.name === 'put-operator' && Array.isArray(value.groups) && value.groups.length > 0) {
    // The batches' sites have no groups: every group an operator names is unknown.
    allowed.push([400, 'invalid_request']);
  }
  if (route.name === 'update-settings') {
    const defaults = value.defaultOperators as Record<string, unknown> | undefined;
    if (defaults && Object.values(defaults).some((id) => id !== null && id !== undefined && !fixtureOperator(id))) {
      allowed.push([400, 'invalid_request'], [404, 'operator_not_found']);
    }
    // A webhook URL must be https to a public address (or a local receiver, locally): its host is
    // resolved, and this machine resolves no outside name, so any other URL may be refused.
    const hook = typeof value.webhookUrl === 'string' && URL.canParse(value.webhookUrl) ? new URL(value.webhookUrl) : null;
    if (typeof value.webhookUrl === 'string' && !(hook && /^https?:$/.test(hook.protocol) && ['localhost', '127.0.0.1'].includes(hook.hostname) && !hook.username && !hook.password && !hook.hash)) {
      allowed.push([400, 'invalid_request']);
    }
  }
  let check: Expectation['check'];
  const period = parts.query ? periodVerdict(parts.query, query, Date.now()) : undefined;
  if (period) {
    notes.push(period.reason);
    if (period.verdict === 'invalid') return codeIs(400, 'invalid_request');
    if (period.verdict === 'either') allowed.push([400, 'invalid_request']);
    if (period.future) {
      check = (reply: any) => {
        const counts = [reply?.unassigned, ...(reply?.operators ?? []).map((operator: any) => operator.assigned)];
        return counts.every((count) => count === 0) ? undefined : `a period in the future must count zeros: ${JSON.stringify(reply).slice(0, 200)}`;
      };
    }
  }
  return {
    describe: `${documented.join(' or ')}${allowed.length ? `, or ${allowed.map(([status, code]) => `${status} ${code}`).join(', ')}` : ''}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    accepts: (status, code) => documented.includes(status) || allowed.some(([s, c, when]) => s === status && c === code && (!when || when())),
    check,
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics periods (Routing v2 in the contract)

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The instant an ISO-8601 date or date-time names, by the contract; a plain date as `to` is the end of that day. */
function contractInstant(text: string, end: boolean): number | undefined {
  const date = ISO_DATE.exec(text);
  const time = ISO_DATE_TIME.exec(text);
  const fields = (date ?? time)?.slice(1, 4).map(Number);
  if (!fields) return undefined;
  const [year, month, day] = fields as [number, number, number];
  const calendar = new Date(0);
  calendar.setUTCFullYear(year, month - 1, day);
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  if (date) {
    calendar.setUTCHours(0, 0, 0, 0);
    return end ? calendar.getTime() + DAY_MS - 1 : calendar.getTime();
  }
  const [hour, minute, second] = time!.slice(4, 7).map(Number) as [number, number, number];
  const offset = time![8]!;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4, 6)) > 59)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * `from` after `to`, a date before 1970 or after 9999, or a period over 366 days is a 400; a
 * period in the future is a 200 with zeros. Where the contract leaves room (a one-sided period,
 * a span within a day of 366 days), both answers are taken.
 */
export function periodVerdict(
  schema: z.ZodType,
  query: Record<string, string>,
  nowMs: number,
): { verdict: 'valid' | 'invalid' | 'either'; reason: string; future: boolean } | undefined {
  const shape = shapeOf(schema);
  if (!shape || !('from' in shape) || !('to' in shape) || !dateFormats(shape.from!).length) return undefined;
  const from = query.from === undefined ? undefined : contractInstant(query.from, false);
  const to = query.to === undefined ? undefined : contractInstant(query.to, true);
  if ((query.from !== undefined && from === undefined) || (query.to !== undefined && to === undefined)) return undefined; // the schema's call
  const min = Date.UTC(1970, 0, 1);
  const max = Date.UTC(10000, 0, 1);
  const future = from !== undefined && from > nowMs + 60_000;
  for (const [name, instant] of [['from', from], ['to', to]] as const) {
    if (instant !== undefined && (instant < min || instant >= max)) {
      return { verdict: 'invalid', reason: `${name} is before 1970 or after 9999`, future };
    }
  }
  if (from !== undefined && to !== undefined) {
    if (from > to) return { verdict: 'invalid', reason: 'from is after to', future };
    const span = to - from;
    if (Math.abs(span - 366 * DAY_MS) <= DAY_MS) return { verdict: 'either', reason: 'a period of about 366 days', future };
    if (span > 366 * DAY_MS) return { verdict: 'invalid', reason: 'a period over 366 days', future };
    return { verdict: 'valid', reason: 'a period of at most 366 days', future };
  }
  if (from === undefined && to === undefined) return { verdict: 'valid', reason: 'all time', future };
  // One end: the other is the site's creation (a moment ago) or now. Clearly within 366 days of
  // it, or in the future, is a 200; farther off, or `to` before the site existed, may be either.
  if (from !== undefined && from >= nowMs - 365 * DAY_MS) return { verdict: 'valid', reason: 'from within the last year, or later', future };
  if (to !== undefined && to >= nowMs + 60_000 && to <= nowMs + 365 * DAY_MS) return { verdict: 'valid', reason: 'to within the coming year', future };
  return { verdict: 'either', reason: 'a one-sided period reaching far', future };
}

