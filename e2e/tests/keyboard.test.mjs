// Keyboard only: a citizen who cannot use a mouse signs in and applies for a certificate of
// domicile, moving with Tab, typing, choosing with the arrow keys and pressing Enter. Every
// control is reached by Tab, shows where the focus is, and works without a pointer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, ARTIFACTS } from './harness.mjs';
import { mailLink } from './smtp-sink.mjs';

const PASSWORD = 'Kenari-Biru-1945';
// More Tab presses than any page has controls before its main form.
const MOST_TABS = 80;

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


// Presses Tab until the focus is on `selector`; fails when Tab never gets there. Also checks
// that the focused control is visibly marked (an outline or a box shadow).
async function tabTo(page, selector) {
  for (let i = 0; i < MOST_TABS; i++) {
    await page.keyboard.press('Tab');
    const found = await page.evaluate((s) => {
      const active = document.activeElement;
      if (!active || !active.matches(s)) return null;
      const style = getComputedStyle(active);
      return { outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px', shadow: style.boxShadow !== 'none' };
    }, selector);
    if (found) {
      assert.ok(found.outline || found.shadow, `${selector} shows its focus`);
      return;
    }
  }
  assert.fail(`Tab never reached ${selector} on ${page.url()}`);
}

// Presses Enter and waits for the page it loads (a form posted back to the same address too).
async function enterAndLoad(page) {
  await Promise.all([page.waitForEvent('framenavigated'), page.keyboard.press('Enter')]);
  await page.waitForLoadState('load');
}

async function typeInto(page, selector, text) {
  await tabTo(page, selector);
  await page.keyboard.type(text);
}

test('a citizen signs in and applies with the keyboard only', async () => {
  // The account exists already; making it is not what this test is about.
  const setup = await browser.newContext({ javaScriptEnabled: false });
  const form = await setup.newPage();
  await form.goto(server.base + '/akun/daftar');
  await form.fill('#nama', 'Rina Wulandari');
  await form.fill('#nik', '3578025508850002');
  await form.fill('#email', 'rina@warga.test');
  await form.fill('#sandi', PASSWORD);
  await form.fill('#sandi_ulang', PASSWORD);
  await form.click('main button[type=submit]');
  await form.goto(server.base + await mailLink(server.mail, '/akun/verifikasi/', 'rina@warga.test'));
  await form.click('main button[type=submit]');
  await setup.close();

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.base + '/layanan/surat-keterangan-domisili');
  // The skip link comes first and jumps over the navigation.
  await page.keyboard.press('Tab');
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('href')), /^#/);
  await tabTo(page, 'a[href="/layanan/surat-keterangan-domisili/ajukan"]');
  await Promise.all([page.waitForURL(/\/akun\/masuk/), page.keyboard.press('Enter')]);

  await typeInto(page, '#akun', 'rina@warga.test');
  await typeInto(page, '#sandi', PASSWORD);
  await Promise.all([page.waitForURL(/\/ajukan$/), page.keyboard.press('Enter')]);
  await tabTo(page, 'main form button[type=submit]');
  await Promise.all([page.waitForURL(/\/isi\/domisili$/), page.keyboard.press('Enter')]);

  // A mistake first: the error summary takes the focus' place in the reading order and its
  // links lead to the fields.
  await typeInto(page, '#keperluan', 'Buka');
  await tabTo(page, 'button[value=lanjut]');
  await enterAndLoad(page);
  assert.ok(await page.locator('.error-summary a').count() >= 2, 'errors summarised');
  await tabTo(page, '.error-summary a[href="#keperluan"]');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'keperluan', 'the link focuses the field');

  await page.keyboard.press('End');
  await page.keyboard.type(' rekening tabungan');
  await typeInto(page, '#alamat_domisili', 'Jl. Kenari 12, RT 03 RW 05, Genteng');
  // A radio group is one Tab stop; the arrow keys choose within it.
  await tabTo(page, 'input[name=status_tempat]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space');
  const chosen = await page.evaluate(() => document.querySelector('input[name=status_tempat]:checked')?.value);
  assert.ok(chosen, 'a tenure is chosen with the keyboard');
  await typeInto(page, '#lama_tinggal_bulan', '26');
  await tabTo(page, 'button[value=lanjut]');
  await Promise.all([page.waitForURL(/\/dokumen$/), page.keyboard.press('Enter')]);

  // The cover letter: the file input opens the system's chooser, which a keyboard user
  // answers there; here the chooser is answered for them.
  await tabTo(page, '#berkas-pengantar_rt_rw');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
  await chooser.setFiles({ name: 'pengantar.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await tabTo(page, 'form[action$="/dokumen/pengantar_rt_rw"] button[type=submit]');
  await enterAndLoad(page);
  assert.match(await page.textContent('main'), /pengantar\.pdf/);

  await tabTo(page, 'a[href$="/periksa"]');
  await Promise.all([page.waitForURL(/\/periksa$/), page.keyboard.press('Enter')]);
  assert.match(await page.textContent('main'), /Jl\. Kenari 12/);
  await tabTo(page, 'main form button[type=submit]');
  await Promise.all([page.waitForURL(/\/permohonan\/\d+(\?[^/]*)?$/), page.keyboard.press('Enter')]);
  assert.match(await page.textContent('main'), /Permohonan terkirim/);
  assert.match(await page.textContent('.receipt'), /^SP-\d{4}-\d{6}$/);
  await page.screenshot({ path: join(ARTIFACTS, 'keyboard-application-submitted.png'), fullPage: true });
  await context.close();
});
