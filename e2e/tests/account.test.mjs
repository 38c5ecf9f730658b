// A citizen's account journey in real Chromium with JavaScript off: register, verify the
// email from the mail the server wrote, sign in, turn on two-step verification, sign out and
// back in with a code; every account page passes axe and HTML validation in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { HtmlValidate } from 'html-validate';
import { startServer, launchBrowser, ARTIFACTS } from './harness.mjs';
import { base32Decode, totp } from './totp.mjs';
import { mailLink } from './smtp-sink.mjs';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: {
  'long-title': 'off',
  // A group of checkboxes shares one name, as HTML forms intend (the token scopes).
  'form-dup-name': ['error', { shared: ['radio', 'button', 'reset', 'submit', 'checkbox'] }],
} });
const PASSWORD = 'Kenari-Biru-1945';

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

async function checkPage(context, path, lang, expectStatus = 200) {
  const page = await context.newPage();
  const response = await page.goto(server.base + path);
  assert.equal(response.status(), expectStatus, path);
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [], `${path} (${lang}) axe`);
  const report = await validator.validateString(await response.text());
  assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), [], `${path} HTML`);
  await page.close();
}

test('a citizen registers, verifies, signs in and turns on two-step verification without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(server.base + '/');
  await page.click('a.account');
  assert.match(page.url(), /\/akun\/masuk/);
  await page.click('text=Belum punya akun? Daftar');
  // A mistake first: the form comes back with the message by the field.
  await page.fill('#nama', 'Siti Rahayu');
  await page.fill('#nik', '3578013205900001');
  await page.fill('#email', 'siti@warga.test');
  await page.fill('#sandi', PASSWORD);
  await page.fill('#sandi_ulang', PASSWORD);
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('#nik-error'), /Tanggal lahir pada NIK/);
  assert.equal(await page.getAttribute('#nik', 'aria-invalid'), 'true');
  await page.fill('#nik', '3578011505900001');
  await page.fill('#sandi', PASSWORD);
  await page.fill('#sandi_ulang', PASSWORD);
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('h1'), /Periksa surel Anda/);
  await page.goto(server.base + await mailLink(server.mail, '/akun/verifikasi/', 'siti@warga.test'));
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('h1'), /terverifikasi/);
  await page.goto(server.base + '/akun/masuk');
  await page.fill('#akun', 'siti@warga.test');
  await page.fill('#sandi', PASSWORD);
  await page.click('main button[type=submit]');
  assert.match(page.url(), /\/akun$/);
  assert.match(await page.textContent('main'), /3578••••••••0001/);
  await page.click('a[href="/akun/dua-langkah"]');
  assert.equal(await page.locator('figure.qr svg').count(), 1, 'QR code shown');
  const secret = base32Decode((await page.textContent('figure.qr code')).trim());
  await page.fill('#kode', totp(secret));
  await page.click('main button[type=submit]');
  assert.equal(await page.locator('ol.codes li').count(), 10, 'ten recovery codes');
  const recovery = (await page.textContent('ol.codes li:first-child')).trim();
  await page.goto(server.base + '/akun');
  await page.click('text=Keluar dari semua perangkat');
  assert.match(page.url(), /\/akun\/masuk/);
  await page.fill('#akun', 'siti@warga.test');
  await page.fill('#sandi', PASSWORD);
  await page.click('main button[type=submit]');
  assert.match(page.url(), /\/akun\/masuk\/verifikasi/);
  await page.fill('#kode', recovery);
  await page.click('main button[type=submit]');
  assert.match(page.url(), /\/akun$/);

  // The signed-in pages, checked with axe (which needs scripts) in a context with the session.
  const cookies = await context.cookies();
  for (const lang of ['id', 'en']) {
    const checking = await browser.newContext();
    await checking.addCookies([...cookies, { name: 'lang', value: lang, url: server.base }]);
    for (const path of ['/akun', '/akun/akses', '/akun/dua-langkah', '/akun/sandi', '/akun/usaha', '/akun/privasi', '/akun/token',
      '/akun/notifikasi', '/akun/janji', '/janji/disdukcapil']) {
      await checkPage(checking, path, lang);
    }
    await checking.close();
  }
  await context.close();
});

test('the anonymous account pages pass axe WCAG 2.2 AA and HTML validation', async () => {
  for (const lang of ['id', 'en']) {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'lang', value: lang, url: server.base }]);
    for (const path of ['/akun/daftar', '/akun/masuk', '/akun/lupa-sandi']) {
      await checkPage(context, path, lang);
    }
    // A form with errors, as a no-JS reader sees it after submitting.
    const page = await context.newPage();
    await page.goto(server.base + '/akun/daftar');
    await page.fill('#nik', '12');
    await page.click('main button[type=submit]');
    const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
    assert.deepEqual(violations.map((v) => v.id), [], `registration errors (${lang}) axe`);
    assert.ok(await page.locator('.error-summary a').count() >= 4, 'errors summarised with links to the fields');
    await context.close();
  }
});

test('a citizen applies for a birth certificate without JavaScript, and every step passes axe', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(server.base + '/akun/daftar');
  await page.fill('#nama', 'Dewi Lestari');
  await page.fill('#nik', '3578015505900009');
  await page.fill('#email', 'dewi@warga.test');
  await page.fill('#sandi', PASSWORD);
  await page.fill('#sandi_ulang', PASSWORD);
  await page.click('main button[type=submit]');
  await page.goto(server.base + await mailLink(server.mail, '/akun/verifikasi/', 'dewi@warga.test'));
  await page.click('main button[type=submit]');

  // From the service page, through sign-in, back to the start of the application.
  await page.goto(server.base + '/layanan/akta-kelahiran');
  await page.click('a[href="/layanan/akta-kelahiran/ajukan"]');
  assert.match(page.url(), /\/akun\/masuk\?kembali=/);
  await page.fill('#akun', 'dewi@warga.test');
  await page.fill('#sandi', PASSWORD);
  await page.click('main button[type=submit]');
  assert.match(page.url(), /\/layanan\/akta-kelahiran\/ajukan$/);
  await page.click('main form button[type=submit]');
  assert.match(page.url(), /\/permohonan\/\d+\/isi\/anak$/);
  const formPath = new URL(page.url()).pathname;

  // A mistake first: the message sits by the field and in the summary.
  await page.fill('#nama_anak', 'Putri Ayu');
  await page.click('button[value=lanjut]');
  assert.ok(await page.locator('.error-summary a').count() >= 4, 'errors summarised');
  assert.equal(await page.inputValue('#nama_anak'), 'Putri Ayu', 'the answer is kept');
  await page.check('#jenis_kelamin-perempuan');
  await page.fill('#tanggal_lahir', '2026-11-20');
  await page.fill('#tempat_lahir', 'Surabaya');
  await page.fill('#anak_ke', '1');
  await page.click('button[value=lanjut]');
  assert.match(page.url(), /\/isi\/orang_tua$/);
  await page.fill('#nama_ibu', 'Dewi Lestari');
  await page.check('#orang_tua_menikah-true');
  await page.fill('#nama_ayah', 'Agus Salim');
  await page.click('button[value=lanjut]');
  assert.match(page.url(), /\/dokumen$/);
  const documentsPath = new URL(page.url()).pathname;
  await page.setInputFiles('#berkas-surat_lahir', {
    name: 'surat-lahir.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
  });
  await page.click('form[action$="/dokumen/surat_lahir"] button[type=submit]');
  assert.match(await page.textContent('main'), /surat-lahir\.pdf/);
  for (const key of ['kartu_keluarga', 'buku_nikah']) {
    await page.setInputFiles(`#berkas-${key}`, {
      name: `${key}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
    });
    await page.click(`form[action$="/dokumen/${key}"] button[type=submit]`);
  }
  await page.click('a[href$="/periksa"]');
  assert.match(page.url(), /\/periksa$/);
  assert.match(await page.textContent('main'), /20 November 2026/);
  const checkPath = new URL(page.url()).pathname;
  await page.click('main form button[type=submit]');
  assert.match(await page.textContent('main'), /Permohonan terkirim/);
  assert.match(await page.textContent('.receipt'), /^SP-\d{4}-\d{6}$/);
  const statusPath = new URL(page.url()).pathname;
  await page.screenshot({ path: join(ARTIFACTS, 'application-submitted.png'), fullPage: true });

  // Every page of the journey, in both languages, passes axe and HTML validation. The form
  // and check pages are seen on a second draft (the first is submitted).
  await page.goto(server.base + '/layanan/surat-pindah/ajukan');
  await page.click('main form button[type=submit]');
  const secondForm = new URL(page.url()).pathname;
  const secondCheck = secondForm.replace(/\/isi\/.*$/, '/periksa');
  const cookies = await context.cookies();
  for (const lang of ['id', 'en']) {
    const checking = await browser.newContext();
    await checking.addCookies([...cookies, { name: 'lang', value: lang, url: server.base }]);
    for (const path of ['/layanan/akta-kelahiran/ajukan', secondForm, secondCheck, statusPath, '/akun/permohonan',
      secondForm.replace(/\/isi\/.*$/, '/dokumen')]) {
      await checkPage(checking, path, lang);
    }
    await checking.close();
  }
  assert.notEqual(formPath, secondForm);
  assert.ok(documentsPath.endsWith('/dokumen'));
  assert.ok(checkPath.endsWith('/periksa'));
  await context.close();
});
