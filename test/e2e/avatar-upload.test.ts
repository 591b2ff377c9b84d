import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { IMAGES } from '../support/images.js';
import { closeAfterAll, launchChromium, watchedPages } from './browser.js';

/**
 * The admin page checks the shared avatar before uploading it (at most 512 KB; PNG, JPEG, WebP
 * or GIF by its bytes), in Chromium against the real local server: a refused file is told at
 * once in the error area and never sent.
 */

let api: TestApi;
let browser: Browser;
const pages = watchedPages(() => browser);
const { refused, newPage } = pages;
let site: Awaited<ReturnType<typeof apiSite>>;
let admin: Page;
/** The avatar uploads the page sent, with their declared type. */
const uploads: string[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'avatar-upload-'));
const KB = 1024;

beforeAll(async () => {
  // Its own build: other test files rebuild web/dist while this one may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  api = await startTestApi({ statics: [{ prefix: '/', folder: dist }] });
  site = await apiSite(api);
  browser = await launchChromium();
  admin = await newPage();
  admin.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/avatar')) uploads.push(request.headers()['content-type'] ?? '');
  });
  await admin.goto(`${api.url}/admin/`);
  await admin.getByLabel('Admin token', { exact: true }).fill(site.adminToken);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByRole('heading', { name: 'Settings' }).waitFor();
}, 120_000);

closeAfterAll(() => [pages, browser, api]);

/** A file of these bytes under `name` (the browser types it by its extension). */
function file(name: string, bytes: Buffer) {
  const path = join(mkdtempSync(join(workDir, 'file-')), name);
  writeFileSync(path, bytes);
  return path;
}

/** A whole PNG followed by zeros up to `size` bytes (the service drops what follows the image). */
const pngOfSize = (size: number) => Buffer.concat([IMAGES.png, Buffer.alloc(size - IMAGES.png.length)]);

const sharedAvatar = async () => (await api.call('GET', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken })).body.sharedAvatarUrl;

async function choose(path: string) {
  await admin.getByLabel('Shared avatar').setInputFiles(path);
}

describe('the shared avatar, checked in the page before the upload', () => {
  it('refuses a 600 KB image at once, saying the limit, and sends nothing', async () => {
    await choose(file('holiday.png', pngOfSize(600 * KB)));
    await expect
      .poll(() => admin.getByRole('alert').textContent())
      .toBe('holiday.png is 600 KB: the avatar may be at most 512 KB. Choose a smaller image, or shrink this one.');
    expect(uploads).toEqual([]);
    expect(await admin.getByLabel('Shared avatar').inputValue()).toBe(''); // picking it again is a new choice
    expect(await sharedAvatar()).toBeNull();
  });

  it('refuses a file that is not an image of an accepted type, whatever its name, and sends nothing', async () => {
    await choose(file('notes.png', Buffer.from('These are my notes, not a picture.\n')));
    await expect.poll(() => admin.getByRole('alert').textContent()).toBe('notes.png is not a PNG, JPEG, WebP or GIF image. Choose an image of one of these types.');
    await choose(file('vector.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')));
    await expect.poll(() => admin.getByRole('alert').textContent()).toBe('vector.svg is not a PNG, JPEG, WebP or GIF image. Choose an image of one of these types.');
    expect(uploads).toEqual([]);
  });

  it('uploads an image of exactly 512 KB', async () => {
    await choose(file('exact.png', pngOfSize(512 * KB)));
    await admin.getByRole('status').getByText('Avatar uploaded.').waitFor();
    expect(await admin.getByRole('alert').textContent()).toBe('');
    expect(uploads).toEqual(['image/png']);
    expect(await sharedAvatar()).toMatch(/\.png$/);
  });

  it('uploads a JPEG saved under a .png name, as the JPEG its bytes show', async () => {
    await choose(file('photo.png', IMAGES.jpeg));
    await expect.poll(() => uploads.length).toBe(2);
    await expect.poll(sharedAvatar).toMatch(/\.jpg$/);
    expect(uploads[1]).toBe('image/jpeg');
    await admin.getByRole('img', { name: 'Shared avatar preview' }).waitFor();
    expect(refused).toEqual([]);
  });
});
