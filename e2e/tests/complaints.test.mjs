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

test('with JavaScript the position comes from the device; a photo and the map pass axe', async () => {
  const context = await browser.newContext({ geolocation: { latitude: -7.2575, longitude: 112.7521, accuracy: 12 }, permissions: ['geolocation'] });
  const page = await context.newPage();
  // A real JPEG, drawn by the browser itself.
  const form = await page.goto(server.base + '/pengaduan/baru');
  const jpeg = Buffer.from(await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    const draw = canvas.getContext('2d');
    draw.fillStyle = '#8a5300';
    draw.fillRect(0, 0, 64, 48);
    return canvas.toDataURL('image/jpeg', 0.8).split(',')[1];
  }), 'base64');
  await page.click('button:has-text("Pakai lokasi saya sekarang")');
  await page.waitForFunction(() => document.getElementById('lintang').value !== '');
  assert.equal(await page.inputValue('#lintang'), '-7.257500');
  assert.equal(await page.inputValue('#bujur'), '112.752100');
  assert.match(await page.textContent('[data-position-tools] [role=status]'), /sekitar 12 m/);
  await check(page, await form.text(), 'form with the position filled');

  await page.check('#kategori-complaint');
  await page.selectOption('#topik', 'jalan-rusak');
  await page.fill('#judul', 'Aspal mengelupas di Jalan Tunjungan');
  await page.fill('#isi', 'Aspal di depan gedung nomor 12 mengelupas selebar dua meter, genangan air saat hujan.');
  await page.setInputFiles('#foto', { name: 'aspal.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  let [response] = await Promise.all([page.waitForNavigation(), page.click('form[action="/pengaduan/baru"] button[type=submit]')]);
  if (response.status() === 200) {
    // Similar reports were offered first; the photo is carried, the report sent anyway.
    assert.match(await page.textContent('#foto-kept'), /1 foto/);
    [response] = await Promise.all([page.waitForNavigation(), page.click('form[action="/pengaduan/baru"] button[type=submit]')]);
  }
  assert.equal(response.status(), 201);
  const number = (await page.textContent('.notice strong')).trim().replace('#', '');
  const detail = await page.goto(server.base + `/pengaduan/${number}`);
  await page.click('ul.photos summary');
  await page.waitForFunction(() => document.querySelector('ul.photos img')?.complete);
  assert.equal(await page.evaluate(() => document.querySelector('ul.photos img').naturalWidth), 64, 'the photo shows');
  await check(page, await detail.text(), 'report with a photo');

  const map = await page.goto(server.base + '/pengaduan/peta');
  assert.equal(map.status(), 200);
  assert.ok(await page.locator(`svg a[href="/pengaduan/${number}"]`).count() === 1, 'the report is on the map');
  await check(page, await map.text(), 'map');
  // The map's points are links a keyboard reaches.
  await page.focus(`svg a[href="/pengaduan/${number}"]`);
  await Promise.all([page.waitForURL(new RegExp(`/pengaduan/${number}$`)), page.keyboard.press('Enter')]);
  await context.close();
});
