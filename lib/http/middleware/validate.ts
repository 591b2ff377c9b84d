import { parse } from '@aws-lambda-powertools/parser';
import type { MiddlewareObj } from '@middy/core';
import * as z from 'zod';
import { invalidRequest } from '../../domain/errors.js';
import type { ApiEvent } from '../api-event.js';
import type { RequestSchemas } from '../route.js';


const PART_NAMES: Record<string, string> = {
  pathParameters: 'path',
  queryStringParameters: 'query',
  jsonBody: 'body',
  headers: 'header',
};

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> };

/** "body.name: Too big…" — the field is named the way the caller wrote it. */
export function describeIssue(issue: Issue): string {
  const [part, ...rest] = (issue.path ?? []).map((segment) =>
    typeof segment === 'object' ? String(segment.key) : String(segment),
  );
  const field = [PART_NAMES[part ?? ''] ?? part, ...rest].filter(Boolean).join('.');
  return field ? `${field}: ${issue.message}` : issue.message;
}

/**
 * Validates path parameters, query string and JSON body with zod, through Powertools Parser.
 * The first issue becomes a 400 that names the field; on success the event carries the parsed
 * (typed, defaulted) values.
 */
export function validate(schemas: RequestSchemas): MiddlewareObj<ApiEvent> {
  const schema = z.looseObject({
    pathParameters: schemas.path ?? z.unknown(),
    queryStringParameters: schemas.query ? schemas.query.optional() : z.unknown(),
    jsonBody: schemas.body ?? z.unknown(),
    headers: schemas.headers ?? z.unknown(),
  });
  return {
    before: (request) => {
      const event = request.event;
      const result = parse(
        { ...event, pathParameters: event.pathParameters ?? {}, jsonBody: event.jsonBody },
        undefined,
        schema,
        true,
      );
      if (!result.success) {
        const issues = (result.error.cause ?? []) as Issue[];
        throw invalidRequest(issues[0] ? describeIssue(issues[0]) : 'the request is not valid');
      }
      Object.assign(event, result.data);
    },
  };
}
