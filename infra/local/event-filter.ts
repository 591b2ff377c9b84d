/**
 * Lambda event filtering, as far as this service's patterns use it, for the local stream reader:
 * a record passes when it matches any pattern. In a pattern, an object descends into the record,
 * an array lists what the value may be: a literal, `{exists: boolean}`, `{prefix: string}` or
 * `{'anything-but': [string…]}`.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
type Pattern = { readonly [key: string]: Pattern | readonly Rule[] };
type Rule = string | number | { readonly exists: boolean } | { readonly prefix: string } | { readonly 'anything-but': readonly string[] };

function matchesRule(value: unknown, rule: Rule): boolean {
  if (typeof rule === 'object' && 'exists' in rule) return (value !== undefined) === rule.exists;
  if (value === undefined) return false;
  if (typeof rule === 'object' && 'anything-but' in rule) return !rule['anything-but'].includes(value as string);
  if (typeof rule === 'object') return typeof value === 'string' && value.startsWith(rule.prefix);
  // DynamoDB numbers arrive as strings ({"N": "12"}); a numeric rule compares numerically.
  return typeof rule === 'number' ? Number(value) === rule : value === rule;
}

function matches(value: unknown, pattern: Pattern): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const field = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) return (expected as readonly Rule[]).some((rule) => matchesRule(field, rule));
    return matches(field, expected as Pattern);
  });
}

export function passesFilters(record: unknown, patterns: readonly object[]): boolean {
  return patterns.some((pattern) => matches(record, pattern as Pattern));
}
