import AxeBuilder from '@axe-core/playwright';
import type { Result } from 'axe-core';
import type { Page } from 'playwright-core';

/**
 * axe-core's whole rule set (WCAG 2.x A and AA, colour contrast included, and its best
 * practices) on the page as it is now, or only within `include` (a widget's host element: axe
 * goes into open shadow roots, where it names a node by a list of selectors, one per root).
 */
export async function axeCheck(page: Page, include?: string) {
  const builder = new AxeBuilder({ page });
  if (include) builder.include(include);
  const results = await builder.analyze();
  const worst = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  return {
    results,
    /** "rule (impact): target — what to fix", one line per node, for a readable failure. */
    serious: worst.flatMap(describe),
    /** The nodes color-contrast checked and passed, by target (shadow DOM targets are nested lists). */
    contrastChecked: results.passes.find((rule) => rule.id === 'color-contrast')?.nodes.map((node) => node.target) ?? [],
  };
}

function describe(violation: Result): string[] {
  return violation.nodes.map(
    (node) => `${violation.id} (${violation.impact}): ${JSON.stringify(node.target)} — ${node.failureSummary?.replace(/\s+/g, ' ') ?? violation.help}`,
  );
}

/** Whether a target names a node inside a shadow root (a list of selectors, host first). */
export const inShadowRoot = (target: unknown) => Array.isArray(target) && Array.isArray(target[0]);
