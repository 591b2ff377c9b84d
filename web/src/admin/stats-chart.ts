/**
 * The admin page's statistics pictures, drawn as small SVGs from the stats reply: chats per UTC
 * day stacked by the rule that assigned them (unassigned on top), and the wait for an operator
 * per day (p50 and p90, seconds). Each SVG is one image (role="img") with a summary for its
 * name; the numbers themselves are in a table of the days. Colours are SVG attributes (the
 * page's CSP allows no style attribute), each at least 3:1 against white; a white gap separates
 * the stacked segments.
 */
import { ASSIGNMENT_METHODS, DISTRIBUTION_MODES, type AssignedBy, type DistributionMode } from '../../../lib/domain/distribution/index.js';
import type { DayStats, SiteStats, WaitSeconds } from '../../../lib/domain/stats.js';

export type { DayStats, WaitSeconds } from '../../../lib/domain/stats.js';

/** The stats reply: the report, and how many chats wait now. */
export type Stats = SiteStats & { waiting: number };

/** A stack segment: a rule, or the chats no operator got. */
type Segment = AssignedBy | 'unassigned';

const OTHER_LABELS: Record<Exclude<AssignedBy, DistributionMode>, string> = {
  default: 'Default operator',
  visitor: 'Visitor’s choice',
  returning: 'Returning visitor',
  transfer: 'Transfer',
};

export function segmentLabel(segment: Segment): string {
  if (segment === 'unassigned') return 'Unassigned';
  return DISTRIBUTION_MODES.find((mode) => mode.name === segment)?.label ?? OTHER_LABELS[segment as keyof typeof OTHER_LABELS] ?? segment;
}

/** By rule, then unassigned; a rule added to the registry gets the grey of `other` until it has its own. */
const COLOURS: Partial<Record<Segment, string>> = {
  queue: '#2457d6',
  random: '#b35900',
  'least-busy': '#1d7a48',
  default: '#7a3fb0',
  visitor: '#b8336a',
  returning: '#00758f',
  transfer: '#6b5a00',
  unassigned: '#7b8394',
};
const colourOf = (segment: Segment) => COLOURS[segment] ?? '#4a4f59';

const WAIT_SERIES = [
  { key: 'p50', label: 'Median wait (p50)', colour: '#2457d6', dash: null },
  { key: 'p90', label: '90th percentile (p90)', colour: '#b35900', dash: '6 4' },
] as const;

/** The first UTC day of the last `days` days, as the stats query's `from`. */
export function periodStart(days: number, nowMs = Date.now()): string {
  return new Date(nowMs - (days - 1) * 86_400_000).toISOString().slice(0, 10);
}

/** "Nov 24" (the day is UTC, as the service counts it). */
export const dayText = (date: string) => new Date(`${date}T00:00:00Z`).toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** Seconds to one decimal at most: "0", "2.5", "90". */
export const secondsText = (seconds: number) => String(Math.round(seconds * 10) / 10);

const SEGMENTS: readonly Segment[] = [...ASSIGNMENT_METHODS, 'unassigned'];

const countOf = (day: DayStats, segment: Segment) => (segment === 'unassigned' ? day.unassigned : (day.byMethod[segment] ?? 0));

/** The segments with a count on some day of the period, in stacking order. */
export function segmentsUsed(days: readonly DayStats[]): Segment[] {
  return SEGMENTS.filter((segment) => days.some((day) => countOf(day, segment) > 0));
}

export function byRuleText(day: Pick<DayStats, 'byMethod'>): string {
  const parts = ASSIGNMENT_METHODS.filter((method) => (day.byMethod[method] ?? 0) > 0).map((method) => `${segmentLabel(method)} ${day.byMethod[method]}`);
  return parts.length ? parts.join(' · ') : '—';
}

// ---------- SVG ----------

const SVG_NS = 'http://www.w3.org/2000/svg';
const HEIGHT = 220;
const MARGIN = { top: 12, right: 10, bottom: 26, left: 52 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, ...children: (Node | string)[]) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, typeof value === 'number' ? String(Math.round(value * 100) / 100) : value);
  element.append(...children);
  return element;
}

/** A round top for the y axis and its step: 1, 2 or 5 times a power of ten, about four ticks. */
function axisScale(max: number, whole: boolean): { top: number; step: number } {
  if (max <= 0) return whole ? { top: 4, step: 1 } : { top: 1, step: 0.5 };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power;
  // Whole chats; seconds shown to a tenth.
  const step = whole ? Math.max(1, Math.round(nice)) : Math.max(0.1, nice);
  return { top: Math.ceil(max / step) * step, step };
}

/** The frame both charts share: the image, its name, the y grid with labels and the x labels of the days. */
function frame(width: number, label: string, days: readonly DayStats[], scale: { top: number; step: number }, unit: (value: number) => string) {
  const image = svg('svg', { viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-label': label, focusable: 'false' }, svg('title', {}, label));
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotWidth / Math.max(1, days.length);
  const y = (value: number) => MARGIN.top + plotHeight - (value / scale.top) * plotHeight;
  for (let tick = 0; tick <= scale.top + scale.step / 2; tick += scale.step) {
    const at = y(tick);
    image.append(
      svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: at, y2: at, stroke: tick === 0 ? '#5b6476' : '#d9dde5' }),
      svg('text', { x: MARGIN.left - 6, y: at + 4, 'text-anchor': 'end' }, unit(Math.round(tick * 1000) / 1000)),
    );
  }
  // As many day labels as fit, about 48 px each.
  const every = Math.ceil(48 / slot);
  days.forEach((day, index) => {
    if (index % every !== 0) return;
    image.append(svg('text', { x: MARGIN.left + (index + 0.5) * slot, y: HEIGHT - 8, 'text-anchor': 'middle' }, dayText(day.date)));
  });
  return { image, slot, y, plotHeight };
}

/** Chats per day, one bar a day stacked by rule (unassigned on top), each segment's height in proportion to its count. */
export function chatsChart(days: readonly DayStats[], width: number): SVGSVGElement {
  const totals = days.map((day) => day.assigned + day.unassigned);
  const all = totals.reduce((sum, total) => sum + total, 0);
  const busiest = days[totals.indexOf(Math.max(...totals))];
  const bySegment = segmentsUsed(days).map((segment) => `${segmentLabel(segment)} ${days.reduce((sum, day) => sum + countOf(day, segment), 0)}`);
  const label =
    days.length === 0
      ? 'Chats per day: no days in this period.'
      : `Stacked bar chart of chats per day (UTC), ${dayText(days[0]!.date)} to ${dayText(days.at(-1)!.date)}: ${all} chats` +
        (all ? `, most on ${dayText(busiest!.date)} (${Math.max(...totals)}); ${bySegment.join(', ')}.` : '.');
  const scale = axisScale(Math.max(0, ...totals), true);
  const { image, slot, y, plotHeight } = frame(width, label, days, scale, String);
  const barWidth = Math.max(1, Math.min(40, slot * 0.7));
  days.forEach((day, index) => {
    const group = svg('g', { 'data-date': day.date, 'data-total': totals[index]! });
    const x = MARGIN.left + index * slot + (slot - barWidth) / 2;
    let base = 0;
    for (const segment of SEGMENTS) {
      const count = countOf(day, segment);
      if (count === 0) continue;
      const height = (count / scale.top) * plotHeight;
      group.append(
        svg(
          'rect',
          { x, y: y(base + count), width: barWidth, height, fill: colourOf(segment), stroke: '#fff', 'stroke-width': 1, 'data-segment': segment, 'data-count': count },
          svg('title', {}, `${dayText(day.date)}: ${segmentLabel(segment)} ${count}`),
        ),
      );
      base += count;
    }
    image.append(group);
  });
  return image;
}

/** The wait for an operator per day: p50 and p90 lines (broken over days without an assignment), a point per day that had one. */
export function waitChart(days: readonly DayStats[], width: number): SVGSVGElement {
  const waits = days.flatMap((day) => (day.waitSeconds ? [day.waitSeconds] : []));
  const label = waits.length
    ? `Line chart of the wait for an operator per day (UTC), in seconds: median (p50) from ${secondsText(Math.min(...waits.map((wait) => wait.p50)))} to ${secondsText(Math.max(...waits.map((wait) => wait.p50)))} s, 90th percentile (p90) at most ${secondsText(Math.max(...waits.map((wait) => wait.p90)))} s, on ${waits.length} ${waits.length === 1 ? 'day' : 'days'} with assigned chats.`
    : 'Wait for an operator per day: no chat was assigned in this period.';
  const scale = axisScale(Math.max(0, ...waits.map((wait) => wait.p90)), false);
  const { image, slot, y } = frame(width, label, days, scale, (value) => `${secondsText(value)} s`);
  // p90 first: where both are equal, p50's round point shows on p90's square.
  for (const series of [...WAIT_SERIES].reverse()) {
    let path = '';
    let joined = false;
    const points: SVGElement[] = [];
    days.forEach((day, index) => {
      const seconds = day.waitSeconds?.[series.key];
      if (seconds === undefined) {
        joined = false;
        return;
      }
      const x = MARGIN.left + (index + 0.5) * slot;
      const at = y(seconds);
      path += `${joined ? 'L' : 'M'}${x.toFixed(2)} ${at.toFixed(2)}`;
      joined = true;
      const data = { 'data-series': series.key, 'data-date': day.date, 'data-seconds': String(seconds), fill: series.colour };
      const title = svg('title', {}, `${dayText(day.date)}: ${series.label} ${secondsText(seconds)} s`);
      // Told apart by shape and dash as well as colour: p50 round points on a solid line, p90 squares on a dashed one.
      points.push(series.key === 'p50' ? svg('circle', { cx: x, cy: at, r: 4, ...data }, title) : svg('rect', { x: x - 4, y: at - 4, width: 8, height: 8, ...data }, title));
    });
    if (path) image.append(svg('path', { d: path, fill: 'none', stroke: series.colour, 'stroke-width': 2, ...(series.dash ? { 'stroke-dasharray': series.dash } : {}) }));
    image.append(...points);
  }
  return image;
}

// ---------- legends and the table ----------

/** A legend entry: a small swatch (hidden from assistive technology) and its text. */
function legendItem(swatch: SVGElement, text: string, key: string) {
  const item = document.createElement('li');
  item.dataset.key = key;
  item.append(svg('svg', { viewBox: '0 0 24 12', width: 24, height: 12, 'aria-hidden': 'true', focusable: 'false' }, swatch), text);
  return item;
}

/** The segments the period has, each with its colour. */
export function chatsLegend(days: readonly DayStats[]): HTMLLIElement[] {
  return segmentsUsed(days).map((segment) => legendItem(svg('rect', { x: 6, y: 0, width: 12, height: 12, fill: colourOf(segment) }), segmentLabel(segment), segment));
}

export function waitLegend(): HTMLLIElement[] {
  return WAIT_SERIES.map((series) =>
    legendItem(
      svg('line', { x1: 0, x2: 24, y1: 6, y2: 6, stroke: series.colour, 'stroke-width': 2, ...(series.dash ? { 'stroke-dasharray': '4 3' } : {}) }),
      series.label,
      series.key,
    ),
  );
}

/** One row a day, the same numbers as the charts: day, assigned, by rule, unassigned, missed, p50 and p90 (seconds). */
export function dayRows(days: readonly DayStats[]): HTMLTableRowElement[] {
  return days.map((day) => {
    const row = document.createElement('tr');
    const head = document.createElement('th');
    head.scope = 'row';
    head.textContent = day.date;
    const cells = [day.assigned, byRuleText(day), day.unassigned, day.missed, day.waitSeconds ? secondsText(day.waitSeconds.p50) : '—', day.waitSeconds ? secondsText(day.waitSeconds.p90) : '—'];
    row.append(head, ...cells.map((value) => Object.assign(document.createElement('td'), { textContent: String(value) })));
    return row;
  });
}
