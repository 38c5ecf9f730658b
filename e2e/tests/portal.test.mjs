// The public portal as people use it: with JavaScript off, with a keyboard, on a small
// phone screen, through a screen reader's eyes (axe-core, WCAG 2.2 A/AA), and by weight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { HtmlValidate } from 'html-validate';
import { startServer, launchBrowser, ARTIFACTS } from './harness.mjs';

const PAGES = [
  ['home', '/'],
  ['news-list', '/berita'],
  ['news-detail', '/berita/gerai-konsultasi-perizinan-umkm'],
  ['regulations', '/regulasi'],
  ['regulation-detail', '/regulasi/perda-6-2015-retribusi-izin-mendirikan-bangunan'],
  ['faq', '/tanya-jawab'],
  ['page', '/halaman/privasi'],
  ['agencies', '/instansi'],
  ['agency', '/instansi/disdukcapil'],
  ['services', '/layanan'],
  ['service', '/layanan/ktp-el-hilang-rusak'],
  ['search-empty', '/cari'],
  ['search', '/cari?q=perizinan'],
  ['regions', '/wilayah'],
  ['region', '/wilayah/35.78'],
  ['api-docs', '/api/docs'],
  ['verify', '/verify'],
  ['appointments', '/janji/disdukcapil'],
  ['queue-display', '/antrean/disdukcapil'],
  ['verify-bad-code', '/verify?kode=12345'],
  ['verify-unknown', '/verify/ZZZZZZZZZZZZ'],
  ['not-found', '/tidak-ada'],
  ['complaints', '/pengaduan'],
  ['complaint-form', '/pengaduan/baru'],
  ['complaint-track', '/pengaduan/lacak'],
  ['walk-in-survey', '/survei/kecamatan-genteng'],
];

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: {
  // Long Indonesian titles are fine; the rule targets SEO, not validity.
  'long-title': 'off',
} });

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const lang of ['id', 'en']) {
  // axe runs as a script in the page, so this context allows scripts; the pages have none
  // of their own (the CSP forbids them), so what axe sees is what a no-JS reader gets.
  test(`every page type passes axe WCAG 2.2 AA and HTML validation (${lang})`, async () => {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'lang', value: lang, url: server.base }]);
    const page = await context.newPage();
    for (const [name, path] of PAGES) {
      const response = await page.goto(server.base + path);
      const expected = { 'not-found': 404, 'verify-unknown': 404, 'verify-bad-code': 400 }[name] ?? 200;
      assert.equal(response.status(), expected, path);
      assert.equal(await page.getAttribute('html', 'lang'), lang, `${path} lang attribute`);
      const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
      const violations = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`);
      assert.deepEqual(violations, [], `${path} (${lang}) axe violations`);
      const report = await validator.validateString(await response.text());
      const errors = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message} @${m.line}`));
      assert.deepEqual(errors, [], `${path} HTML validity`);
    }
    await context.close();
  });
}

test('pages stay light: home ≤ 50 KB and every page ≤ 100 KB with its CSS', async () => {
  const css = await (await fetch(`${server.base}/assets/satupintu.css`)).text();
  for (const [name, path] of PAGES) {
    const html = await (await fetch(server.base + path)).text();
    const bytes = Buffer.byteLength(html) + Buffer.byteLength(css);
    const limit = name === 'home' ? 50 * 1024 : 100 * 1024;
    assert.ok(bytes <= limit, `${path} weighs ${bytes} bytes (limit ${limit})`);
  }
});

test('a reader searches from the home page and switches to English without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(server.base + '/');
  await page.fill('#site-q', 'pengaduan');
  await Promise.all([page.waitForURL(/\/cari\?q=pengaduan/), page.press('#site-q', 'Enter')]);
  assert.ok(await page.locator('mark').count() > 0, 'matches are highlighted');
  await Promise.all([page.waitForNavigation(), page.click('a.lang')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(page.url(), /\/cari\?q=pengaduan/, 'back on the same page');
  await page.click('text=News');
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'choice remembered');
  await context.close();
});

test('keyboard users reach the skip link first and it moves focus to the content', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.base + '/layanan');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  await context.close();
});

test('screenshots at phone and desktop widths', async () => {
  for (const width of [360, 1280]) {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    for (const [name, path] of PAGES) {
      await page.goto(server.base + path);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `${path} scrolls sideways at ${width}px`);
    }
    await context.close();
  }
});
