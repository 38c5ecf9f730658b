// A resident reports a problem anonymously and confidentially with JavaScript off, keeps the
// tracking code, and follows the report with it; a neighbour finds a public report on the
// board and supports it. Every page on the way passes axe and HTML validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { HtmlValidate } from 'html-validate';
import { startServer, launchBrowser } from './harness.mjs';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } });

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

// axe on the page as it stands, and HTML validation of what the server sent.
async function check(page, html, label) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [], `${label} axe`);
  const report = await validator.validateString(html);
  assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), [], `${label} HTML`);
}

async function fileReport(page, { title, text, confidential, anonymous }) {
  await page.goto(server.base + '/pengaduan');
  await Promise.all([page.waitForURL(/\/pengaduan\/baru$/), page.click('a[href="/pengaduan/baru"]')]);
  await page.check('#kategori-complaint');
  await page.selectOption('#topik', 'lampu-jalan');
  await page.fill('#judul', title);
  await page.fill('#isi', text);
  await page.selectOption('#wilayah', '35.78.07');
  if (confidential) await page.check('#rahasia');
  if (anonymous) await page.check('#anonim');
  const [response] = await Promise.all([page.waitForNavigation(), page.click('form[action="/pengaduan/baru"] button[type=submit]')]);
  return response;
}

test('an anonymous, confidential report is filed and tracked with its code without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  // A first submission with errors keeps the answers and names each problem.
  await page.goto(server.base + '/pengaduan/baru');
  await page.fill('#judul', 'Gelap');
  const [refused] = await Promise.all([page.waitForNavigation(), page.click('form[action="/pengaduan/baru"] button[type=submit]')]);
  assert.equal(refused.status(), 400);
  assert.equal(await page.inputValue('#judul'), 'Gelap');
  assert.ok(await page.locator('.error-summary li').count() >= 3);

  const secret = 'Lampu jalan di gang belakang rumah saya mati dan ada yang meminta uang untuk memperbaikinya.';
  const filed = await fileReport(page, { title: 'Lampu gang mati', text: secret, confidential: true, anonymous: true });
  assert.equal(filed.status(), 201);
  const code = (await page.textContent('strong.receipt')).trim();
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const number = (await page.textContent('.notice strong')).trim();

  const board = await page.goto(server.base + '/pengaduan');
  assert.ok(!(await board.text()).includes('Lampu gang mati'), 'a confidential report is not on the board');

  await page.goto(server.base + '/pengaduan/lacak');
  await page.fill('#kode', code.toLowerCase());
  const [tracked] = await Promise.all([page.waitForNavigation(), page.click('form[action="/pengaduan/lacak"] button[type=submit]')]);
  assert.equal(tracked.status(), 200);
  assert.ok((await page.textContent('main')).includes(secret));
  assert.ok((await page.textContent('h1')).includes(number));
  await context.close();
});

test('complaint pages pass axe and HTML validation in both languages', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const filed = await fileReport(page, {
    title: 'Lampu jalan mati di Jalan Genteng Besar',
    text: 'Tiga lampu penerangan jalan di depan pasar mati sejak minggu lalu, jalan sangat gelap di malam hari.',
  });
  await check(page, await filed.text(), 'filed');
  const number = (await page.textContent('.notice strong')).trim().replace('#', '');
  for (const lang of ['id', 'en']) {
    await context.addCookies([{ name: 'lang', value: lang, url: server.base }]);
    for (const path of ['/pengaduan', `/pengaduan/${number}`, '/pengaduan?status=terbuka&topik=lampu-jalan']) {
      const response = await page.goto(server.base + path);
      assert.equal(response.status(), 200, path);
      await check(page, await response.text(), `${path} (${lang})`);
    }
    // Supporting from the report's page.
    await page.goto(server.base + `/pengaduan/${number}`);
    const [supported] = await Promise.all([page.waitForNavigation(), page.click(`form[action="/pengaduan/${number}/dukung"] button`)]);
    assert.equal(supported.status(), 200);
    await check(page, await supported.text(), `supported (${lang})`);
  }
  await context.close();
});
