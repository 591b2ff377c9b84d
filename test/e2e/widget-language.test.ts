import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { LANGUAGES, TEXTS } from '../../web/src/widget/texts.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { launchChromium, screenshot, watchedPages } from './browser.js';

/**
 * The widget in the site's language (the `language` setting, given in the widget object): its
 * texts and accessible names in Russian for a "ru" site, in English for an "en" one, with the
 * root's `lang` to match; in Chromium against the real local server. The dictionaries' plurals
 * and numbers are checked on their own first.
 */

type Site = Awaited<ReturnType<typeof apiSite>>;

let api: TestApi;
let browser: Browser;
let hostDir: string;
// Polling only (the socket refused): a test answers the widget's polls itself, and this file's server runs no live notifier.
const pages = watchedPages(() => browser, { pollingOnly: true });
/** What the pages refused under their content security policy, and their script errors. */
const { refused, newPage } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'widget-language-'));

/** The widget looks at a waiting chat every 2 s: room for a slow machine. */
const FEW_SECONDS = 12_000;

describe('the widget texts', () => {
  const { en, ru } = TEXTS;

  it('has every text in both languages, the Russian ones without English words', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];
    for (const text of strings(ru)) expect(text.replace(/e-mail/g, ''), text).not.toMatch(/[A-Za-z]{2,}/);
    for (const language of LANGUAGES) {
      const texts = TEXTS[language];
      for (const text of [...strings(texts), texts.place(3, 125), texts.characters(12, 4000), texts.failed()]) expect(text.trim(), language).not.toBe('');
    }
  });

  it('says the place in the queue and the wait with Russian plurals', () => {
    expect(ru.place(1, null)).toBe('Вы в очереди под номером 1.');
    expect(ru.place(2, 30)).toBe('Вы в очереди под номером 2, перед вами 1 человек. Ожидание — меньше минуты.');
    expect(ru.place(3, 60)).toBe('Вы в очереди под номером 3, перед вами 2 человека. Ожидание — примерно 1 минута.');
    expect(ru.place(5, 125)).toBe('Вы в очереди под номером 5, перед вами 4 человека. Ожидание — примерно 3 минуты.');
    expect(ru.place(6, 300)).toBe('Вы в очереди под номером 6, перед вами 5 человек. Ожидание — примерно 5 минут.');
    expect(ru.place(12, 11 * 60)).toBe('Вы в очереди под номером 12, перед вами 11 человек. Ожидание — примерно 11 минут.');
    expect(ru.place(22, 21 * 60)).toBe('Вы в очереди под номером 22, перед вами 21 человек. Ожидание — примерно 21 минута.');
    expect(ru.place(23, 22 * 60 - 30)).toBe('Вы в очереди под номером 23, перед вами 22 человека. Ожидание — примерно 22 минуты.');
    expect(ru.place(1, 112 * 60)).toBe('Вы в очереди под номером 1. Ожидание — примерно 112 минут.');
    // Thousands as Russian writes them (a no-break space), four digits whole.
    expect(ru.place(12_345, null)).toMatch(/^Вы в очереди под номером 12\s345, перед вами 12\s344 человека\.$/);
    expect(ru.characters(0, 4000)).toBe('0 из 4000 символов');
    expect(ru.characters(1, 4000)).toBe('1 из 4000 символов');
  });

  it('keeps the English texts as they were', () => {
    expect(en.place(1, null)).toBe('You are number 1 in the queue.');
    expect(en.place(3, 125)).toBe('You are number 3 in the queue, about 3 min.');
    expect(en.place(2, 30)).toBe('You are number 2 in the queue, less than a minute.');
    expect(en.place(12_345, 3600)).toBe('You are number 12,345 in the queue, about 60 min.');
    expect(en.characters(33, 4000)).toBe('33 / 4000 characters');
  });

  it('writes a message time as each language does', () => {
    const date = new Date(2026, 0, 5, 14, 5);
    expect(ru.time(date)).toBe('14:05');
    expect(en.time(date)).toMatch(/^2:05\sPM$/);
  });

  it('says a refusal in Russian, by its code', () => {
    expect(ru.failed({ code: 'too_many_open_chats', message: 'This visitor already has as many open chats on this site as it allows.' })).toMatch(/^У вас уже открыто/);
    expect(ru.failed({ code: 'something_new', message: 'Something new.' })).toBe('Что-то пошло не так. Попробуйте ещё раз.');
    expect(ru.notSent()).toBe('Сообщение не отправлено. Что-то пошло не так. Попробуйте ещё раз.');
    expect(en.failed({ code: 'operator_unavailable', message: 'The chosen operator is not available right now.' })).toBe('The chosen operator is not available right now.');
  });
});

describe('the widget in the site language, in Chromium', () => {
  let ruSite: Site;
  let enSite: Site;

  beforeAll(async () => {
    // Its own build: other test files rebuild web/dist while this one may run.
    const dist = join(workDir, 'dist');
    await buildWeb(dist);
    hostDir = join(workDir, 'host');
    mkdirSync(hostDir);
    api = await startTestApi({
      statics: [
        { prefix: '/host', folder: hostDir },
        { prefix: '/', folder: dist },
      ],
    });
    // Nobody online, the queue on (the default): a new chat waits.
    ruSite = await apiSite(api, ['olga'], { online: false });
    enSite = await apiSite(api, ['eve'], { online: false });
    for (const [site, language] of [
      [ruSite, 'ru'],
      [enSite, 'en'],
    ] as const) {
      const settings = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { language } });
      expect(settings.status).toBe(200);
      expect((await api.call('GET', `/v1/sites/${site.siteId}/widget`)).body.language).toBe(language);
    }
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await pages.close();
    await browser?.close();
    await api?.close();
  });

  /** A customer's page in `lang` embedding the site's widget, at /host/<name>/. */
  function hostPage(name: string, siteId: string, lang: string) {
    mkdirSync(join(hostDir, name));
    writeFileSync(
      join(hostDir, name, 'index.html'),
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>
<script src="/widget.js" data-site="${siteId}" async></script></body></html>`,
    );
    return `${api.url}/host/${name}/`;
  }

  const rootLang = (page: Page) => page.locator('#chatdist-widget').getAttribute('lang');
  /** Whether the element is in `lang` as CSS and assistive technology see it (through the shadow root). */
  const isIn = (locator: Locator, lang: string) => locator.evaluate((node, tag) => (node as unknown as { matches(selector: string): boolean }).matches(`:lang(${tag})`), lang);

  async function waitingChat(site: Site, visitorId: string) {
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId, clientType: 'regular' } });
    expect(started.body.chat.status).toBe('waiting');
  }

  it('speaks Russian for a "ru" site: launcher, start form, the place in the queue with its plurals, and lang="ru"', async () => {
    // Two chats already wait: the visitor will be the third.
    await waitingChat(ruSite, 'v-ru-1');
    await waitingChat(ruSite, 'v-ru-2');
    const page = await newPage();
    await page.goto(hostPage('ru-site', ruSite.siteId, 'en'));

    // Before the widget object is loaded, nothing says the site's language: the host page's (English).
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const dialog = page.getByRole('dialog', { name: 'Напишите нам' });
    await dialog.getByRole('button', { name: 'Начать чат', exact: true }).waitFor();
    expect(await rootLang(page)).toBe('ru');
    const launcher = page.getByRole('button', { name: 'Напишите нам' });
    await launcher.waitFor();
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await isIn(launcher, 'ru')).toBe(true);
    expect(await isIn(dialog, 'ru')).toBe(true);
    expect(await page.getByRole('button', { name: 'Chat with us' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Закрыть окно чата' }).waitFor();

    // The start form.
    await dialog.getByText('Сейчас нет операторов в сети. Вы можете оставить сообщение.').waitFor();
    await dialog.getByRole('button', { name: 'Оставить сообщение' }).waitFor();
    const first = dialog.getByLabel('Ваше сообщение (необязательно)');
    await dialog.getByText('0 из 4000 символов').waitFor();
    await first.fill('Здравствуйте!');
    await dialog.getByText('13 из 4000 символов').waitFor();
    await screenshot(page, 'widget-ru-start');
    await dialog.getByRole('button', { name: 'Начать чат', exact: true }).click();

    // Waiting, third in the queue: "2 человека" ahead.
    const place = dialog.getByRole('status');
    await place.filter({ hasText: /^Вы в очереди под номером 3, перед вами 2 человека\.$/ }).waitFor();
    // Nobody is online: nobody is called busy.
    await dialog.getByText(/^Сейчас нет операторов в сети\. Пожалуйста, не уходите/).waitFor();
    await dialog.getByRole('button', { name: 'Выйти из очереди' }).waitFor();
    const log = dialog.getByRole('log', { name: 'Сообщения' });
    await log.getByText('Здравствуйте!').waitFor();
    expect(await log.locator('.who').first().textContent()).toMatch(/^Вы · \d{1,2}:\d{2}$/);
    await dialog.getByLabel('Ваше сообщение', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Отправить', exact: true }).waitFor();
    await screenshot(page, 'widget-ru-waiting');

    // The queue moves and an estimate comes (the service's answer to the widget's next look, made up here).
    await page.route(/\/v1\/sites\/[^/]+\/chats\/[^/]+$/, async (route) => {
      if (route.request().method() !== 'GET') return route.fallback();
      const chatId = new URL(route.request().url()).pathname.split('/').pop();
      await route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ chat: { id: chatId, status: 'waiting' }, operator: null, queue: { position: 2, estimatedWaitSeconds: 125 } }),
      });
    });
    await place
      .filter({ hasText: /^Вы в очереди под номером 2, перед вами 1 человек\. Ожидание — примерно 3 минуты\.$/ })
      .waitFor({ timeout: FEW_SECONDS });
    await page.unrouteAll();

    await dialog.getByRole('button', { name: 'Выйти из очереди' }).click();
    await dialog.getByText('Чат завершён. Спасибо!').waitFor();
    await dialog.getByRole('button', { name: 'Начать новый чат' }).waitFor();

    // The next page of the site speaks Russian from the start, before the panel opens.
    await page.reload();
    await page.getByRole('button', { name: 'Напишите нам' }).waitFor();
    expect(await rootLang(page)).toBe('ru');
    expect(refused).toEqual([]);
  });

  it('speaks English for an "en" site, even on a Russian page', async () => {
    await waitingChat(enSite, 'v-en-1');
    const page = await newPage();
    await page.goto(hostPage('en-site', enSite.siteId, 'ru'));

    // Before the widget object is loaded: the host page's language.
    await page.getByRole('button', { name: 'Напишите нам' }).click();
    const dialog = page.getByRole('dialog', { name: 'Chat with us' });
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).waitFor();
    expect(await rootLang(page)).toBe('en');
    const launcher = page.getByRole('button', { name: 'Chat with us' });
    await launcher.waitFor();
    expect(await isIn(launcher, 'en')).toBe(true);
    expect(await page.getByRole('button', { name: 'Напишите нам' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Close chat window' }).waitFor();
    await dialog.getByText('No operator is online right now. You can still leave a message.').waitFor();
    await dialog.getByLabel('Your message (optional)').fill('Hello');
    await dialog.getByText('5 / 4000 characters').waitFor();
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).click();

    await dialog.getByRole('status').filter({ hasText: /^You are number 2 in the queue\.$/ }).waitFor();
    const log = dialog.getByRole('log', { name: 'Messages' });
    await log.getByText('Hello').waitFor();
    expect(await log.locator('.who').first().textContent()).toMatch(/^You · \d{1,2}:\d{2}\s[AP]M$/);
    await dialog.getByRole('button', { name: 'Leave the queue' }).click();
    await dialog.getByText('Chat ended. Thank you!').waitFor();
    expect(refused).toEqual([]);
  });
});
