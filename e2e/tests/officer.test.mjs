// The officer's side of an application in real Chromium: officers created with the CLI sign
// in with a one-time password and an authenticator code and must replace the password; a
// clerk finds a citizen's birth certificate application in the queue, checks its documents
// and asks for a correction; the citizen reads the request, corrects and sends it back; the
// clerk forwards it, the supervisor approves it; the citizen downloads the signed PDF, checks
// it on the public verification page and answers the satisfaction survey once; the
// supervisor reads the unit's satisfaction report. Officers and citizen work with JavaScript
// off (no page needs it); every page type on the way passes axe (WCAG 2.2 AA) and HTML
// validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { HtmlValidate } from 'html-validate';
import { startServer, launchBrowser, ARTIFACTS } from './harness.mjs';
import { base32Decode, totp } from './totp.mjs';
import { mailMatching } from './smtp-sink.mjs';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } });
const PASSWORD = 'Kenari-Biru-1945';
const OFFICER_PASSWORD = 'Petugas-Andal-2026';
const PDF = Buffer.from('%PDF-1.4\n% berkas uji\n%%EOF\n');
// The nine elements of the satisfaction index (IKM), as the survey's field names.
const IKM_ELEMENTS = ['persyaratan', 'prosedur', 'waktu', 'biaya', 'produk', 'kompetensi', 'perilaku', 'pengaduan', 'sarana'];

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

// `satupintu user create` against the running server's SQLite folder, as an administrator
// would run it; returns the printed one-time password and the authenticator's secret.
function createOfficer(email, role, name) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const output = execFileSync(process.env.SATUPINTU_BIN, ['user', 'create', '--email', email, '--role', role,
    '--agency', 'disdukcapil', '--name', name, '--data-dir', server.dataDir], { env, encoding: 'utf8' });
  const password = output.match(/^one-time password: (\S+)$/m)?.[1];
  const uri = output.match(/^totp: (otpauth:\/\/totp\/\S+)$/m)?.[1];
  assert.ok(password && uri, output);
  const secret = new URL(uri).searchParams.get('secret');
  assert.match(secret, /^[A-Z2-7]+=*$/);
  return { email, password, secret: base32Decode(secret) };
}

// Signs the officer in through the pages: password, authenticator code, then the forced
// replacement of the one-time password; ends on /admin.
async function signInOfficer(page, officer) {
  await page.goto(server.base + '/admin');
  assert.match(page.url(), /\/akun\/masuk\?kembali=%2Fadmin$/, 'the back office asks for a sign-in');
  await page.fill('#akun', officer.email);
  await page.fill('#sandi', officer.password);
  await Promise.all([page.waitForURL(/\/akun\/masuk\/verifikasi/), page.click('main button[type=submit]')]);
  // Officers always give a second factor; a wrong code (none the server would accept in
  // its window of one step either side) is refused first.
  const near = [-30_000, 0, 30_000].map((skew) => totp(officer.secret, Date.now() + skew));
  await page.fill('#kode', ['000000', '111111', '222222', '333333'].find((c) => !near.includes(c)));
  const [refused] = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(refused.status(), 401);
  assert.equal(await page.getAttribute('#kode', 'aria-invalid'), 'true');
  await check(page, await refused.text(), 'wrong authenticator code');
  await page.fill('#kode', totp(officer.secret));
  await Promise.all([page.waitForURL(/\/akun\/sandi$/), page.click('main button[type=submit]')]);
  // The one-time password must be replaced before anything else, even when /admin is asked.
  const forced = await page.goto(server.base + '/admin');
  assert.match(page.url(), /\/akun\/sandi$/);
  assert.match(await page.textContent('main'), /kata sandi sekali pakai/);
  await check(page, await forced.text(), 'one-time password to replace');
  await page.fill('#sandi', OFFICER_PASSWORD);
  await page.fill('#sandi_ulang', OFFICER_PASSWORD);
  await Promise.all([page.waitForURL(/\/akun$/), page.click('main button[type=submit]')]);
  const admin = await page.goto(server.base + '/admin');
  assert.equal(admin.status(), 200);
  assert.match(page.url(), /\/admin$/);
  assert.equal(await page.locator('main a[href="/admin/permohonan"]').count(), 1, 'the workbench is offered');
}

// axe on the page as it stands (it needs scripts), and HTML validation of what was sent.
async function check(page, html, label) {
  // axe runs as a script in the page: a page shown without scripts is checked as a copy in a
  // page with them, at the same origin so that its stylesheet applies.
  const scripted = scriptless.has(page.context()) ? await copyWithScripts(html) : page;
  const { violations } = await new AxeBuilder({ page: scripted }).withTags(WCAG_TAGS).analyze();
  if (scripted !== page) await scripted.context().close();
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [], `${label} axe`);
  const report = await validator.validateString(html);
  assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), [], `${label} HTML`);
}

// The contexts made without scripts.
const scriptless = new WeakSet();

async function copyWithScripts(html) {
  const context = await browser.newContext();
  const copy = await context.newPage();
  await copy.goto(server.base + '/healthz');
  await copy.setContent(html, { waitUntil: 'load' });
  return copy;
}

// A context without scripts, as a citizen or officer on a locked-down phone browses.
async function contextWithoutScripts() {
  const context = await browser.newContext({ javaScriptEnabled: false });
  scriptless.add(context);
  return context;
}

// Each path as the holder of `cookies` sees it, in both languages, in a context with scripts
// (for axe) that shares the session of the one without.
async function checkPages(cookies, paths) {
  for (const lang of ['id', 'en']) {
    const context = await browser.newContext();
    await context.addCookies([...cookies, { name: 'lang', value: lang, url: server.base }]);
    const page = await context.newPage();
    for (const path of paths) {
      const response = await page.goto(server.base + path);
      assert.equal(response.status(), 200, path);
      assert.equal(new URL(page.url()).pathname, path.split('?')[0], `${path} is not redirected`);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      await check(page, await response.text(), `${path} (${lang})`);
    }
    await context.close();
  }
}

// The survey sent with no answer, as a reader meets its errors, in both languages.
async function checkSurveyErrors(cookies, path) {
  for (const lang of ['id', 'en']) {
    const context = await browser.newContext();
    await context.addCookies([...cookies, { name: 'lang', value: lang, url: server.base }]);
    const page = await context.newPage();
    await page.goto(server.base + path);
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    assert.equal(refused.status(), 400);
    assert.equal(await page.locator('.error-summary li').count(), IKM_ELEMENTS.length);
    await check(page, await refused.text(), `${path} with errors (${lang})`);
    await context.close();
  }
}

// Registers and verifies a citizen, then signs in from the service page and sends a birth
// certificate application with its three documents; returns the status page's path and the
// receipt number.
async function applyForBirthCertificate(page, email) {
  await page.goto(server.base + '/akun/daftar');
  await page.fill('#nama', 'Rina Wulandari');
  await page.fill('#nik', '3578014708920003');
  await page.fill('#email', email);
  await page.fill('#sandi', PASSWORD);
  await page.fill('#sandi_ulang', PASSWORD);
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('h1'), /Periksa surel Anda/);
  const [, verify] = await mailMatching(server.mail, email, /https?:\/\/[^\s]+(\/akun\/verifikasi\/[A-Za-z0-9_-]+)/);
  await page.goto(server.base + verify);
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('h1'), /terverifikasi/);

  await page.goto(server.base + '/layanan/akta-kelahiran');
  await page.click('a[href="/layanan/akta-kelahiran/ajukan"]');
  await page.fill('#akun', email);
  await page.fill('#sandi', PASSWORD);
  await page.click('main button[type=submit]');
  assert.match(page.url(), /\/layanan\/akta-kelahiran\/ajukan$/);
  await page.click('main form button[type=submit]');
  assert.match(page.url(), /\/permohonan\/\d+\/isi\/anak$/);
  await page.fill('#nama_anak', 'Bima Saputra');
  await page.check('#jenis_kelamin-laki_laki');
  await page.fill('#tanggal_lahir', '2026-11-20');
  await page.fill('#tempat_lahir', 'Surabaya');
  await page.fill('#anak_ke', '2');
  await page.click('button[value=lanjut]');
  assert.match(page.url(), /\/isi\/orang_tua$/);
  await page.fill('#nama_ibu', 'Rina Wulandari');
  await page.check('#orang_tua_menikah-true');
  await page.fill('#nama_ayah', 'Dedi Kurniawan');
  await page.click('button[value=lanjut]');
  assert.match(page.url(), /\/dokumen$/);
  for (const key of ['surat_lahir', 'kartu_keluarga', 'buku_nikah']) {
    await page.setInputFiles(`#berkas-${key}`, { name: `${key}.pdf`, mimeType: 'application/pdf', buffer: PDF });
    await page.click(`form[action$="/dokumen/${key}"] button[type=submit]`);
    assert.match(await page.textContent(`#doc-${key} + p`), new RegExp(`${key}\\.pdf`));
  }
  await page.click('a[href$="/periksa"]');
  await page.click('main form button[type=submit]');
  assert.match(await page.textContent('main'), /Permohonan terkirim/);
  const receipt = (await page.textContent('.receipt')).trim();
  assert.match(receipt, /^SP-\d{4}-\d{6}$/);
  return { statusPath: new URL(page.url()).pathname, receipt };
}

test('officers created with the CLI handle an application with a correction; the citizen gets a verifiable document and rates the service once', async () => {
  // The officers: a clerk checks documents, a supervisor approves (the service's two steps).
  const clerk = await contextWithoutScripts();
  const desk = await clerk.newPage();
  await signInOfficer(desk, createOfficer('petugas@disdukcapil.test', 'officer', 'Rudi Hartono'));
  assert.match(await desk.textContent('main'), /35\.78/, 'the role covers the installation\'s city');

  // The citizen, without JavaScript.
  const citizen = await contextWithoutScripts();
  const page = await citizen.newPage();
  const { statusPath, receipt } = await applyForBirthCertificate(page, 'rina@warga.test');
  const id = statusPath.split('/')[2];
  const officerPath = `/admin/permohonan/${id}`;

  // The clerk finds it in the queue (no personal data there) and opens it.
  await Promise.all([desk.waitForURL(/\/admin\/permohonan$/), desk.click('main a[href="/admin/permohonan"]')]);
  const row = desk.locator('tbody tr', { hasText: receipt });
  assert.equal(await row.count(), 1, 'the application is queued');
  assert.match(await row.textContent(), /Penerbitan Akta Kelahiran/);
  assert.match(await row.textContent(), /Verifikasi berkas/, 'the step by its name, not its key');
  assert.ok(!(await desk.textContent('main')).includes('Bima Saputra'), 'no answers in the queue');
  await Promise.all([desk.waitForURL(new RegExp(`${officerPath}$`)), row.locator('a').click()]);
  assert.match(await desk.textContent('h1'), /Penerbitan Akta Kelahiran/);
  assert.match(await desk.textContent('.answers'), /Bima Saputra/);
  assert.match(await desk.textContent('.answers'), /20 November 2026/);
  assert.match(await desk.textContent('main'), /Belum ada petugas/);

  // The clerk takes it, then records the checks: the family card is unreadable.
  await Promise.all([desk.waitForNavigation(), desk.click('button:has-text("Ambil permohonan ini")')]);
  assert.match(await desk.textContent('.facts'), /Rudi Hartono/);
  assert.equal(await desk.locator('button:has-text("Ambil permohonan ini")').count(), 0);
  for (const key of ['surat_lahir', 'buku_nikah']) {
    await desk.check(`#hasil-${key}-ok`);
    await Promise.all([desk.waitForNavigation(), desk.click(`form[action$="/dokumen/${key}/periksa"] button[type=submit]`)]);
    assert.match(await desk.textContent(`#dokumen-${key}`), /Diperiksa petugas: sesuai/);
  }
  const unreadable = 'Halaman kedua Kartu Keluarga tidak terbaca.';
  await desk.check('#hasil-kartu_keluarga-not');
  await desk.fill('#catatan-kartu_keluarga', unreadable);
  await Promise.all([desk.waitForNavigation(), desk.click('form[action$="/dokumen/kartu_keluarga/periksa"] button[type=submit]')]);
  assert.match(await desk.textContent('#dokumen-kartu_keluarga'), /tidak sesuai/);

  // A correction needs a note: the page says so by the field, and passes axe as it stands.
  const [bare] = await Promise.all([desk.waitForNavigation(), desk.click('button[name=aksi][value=request_revision]')]);
  assert.equal(bare.status(), 400);
  assert.match(await desk.textContent('.error-summary'), /Tuliskan alasan atau perbaikan/);
  assert.equal(await desk.getAttribute('#catatan', 'aria-invalid'), 'true');
  await check(desk, await bare.text(), 'correction without a note');
  const request = 'Mohon unggah ulang Kartu Keluarga yang terbaca dan periksa tanggal lahir anak.';
  await desk.fill('#catatan', request);
  const [asked] = await Promise.all([desk.waitForNavigation(), desk.click('button[name=aksi][value=request_revision]')]);
  assert.equal(asked.status(), 200);
  assert.match(desk.url(), new RegExp(`${officerPath}$`));
  assert.match(await desk.textContent('.facts'), /Perlu perbaikan dari Anda/);
  assert.equal(await desk.locator('button[name=aksi]').count(), 0, 'nothing to do while the citizen has it');

  // The citizen is told by mail, reads the request on the status page and corrects.
  await mailMatching(server.mail, 'rina@warga.test', new RegExp(`Kabar permohonan ${receipt}[\\s\\S]*${statusPath}`));
  await page.goto(server.base + statusPath);
  assert.match(await page.textContent('.facts'), /Perlu perbaikan dari Anda/);
  assert.match(await page.textContent('.notice'), /Petugas meminta perbaikan/);
  assert.match(await page.textContent('.timeline'), new RegExp(request));
  await page.screenshot({ path: join(ARTIFACTS, 'application-revision-requested.png'), fullPage: true });
  const citizenCookies = await citizen.cookies();
  await checkPages(citizenCookies, [statusPath, `${statusPath}/periksa`, `${statusPath}/dokumen`]);
  await page.click('a:has-text("Perbaiki permohonan")');
  assert.match(page.url(), /\/periksa$/);
  await page.click('a[href$="/isi/anak"]');
  assert.equal(await page.inputValue('#tanggal_lahir'), '2026-11-20', 'the answers are kept');
  await page.fill('#tanggal_lahir', '2026-11-21');
  await page.click('button[value=lanjut]');
  assert.match(page.url(), /\/isi\/orang_tua$/);
  await page.click('button[value=lanjut]');
  assert.match(page.url(), /\/dokumen$/);
  assert.match(await page.textContent('#doc-kartu_keluarga ~ p.note'), new RegExp(unreadable));
  await page.setInputFiles('#berkas-kartu_keluarga', { name: 'kartu-keluarga-jelas.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.click('form[action$="/dokumen/kartu_keluarga"] button[type=submit]');
  assert.match(await page.textContent('main'), /kartu-keluarga-jelas\.pdf/);
  await page.click('a[href$="/periksa"]');
  assert.match(await page.textContent('main'), /21 November 2026/);
  await page.click('main form button[type=submit]');
  assert.match(page.url(), new RegExp(`${statusPath}(\\?|$)`));
  assert.match(await page.textContent('.facts'), /Sedang diproses/);
  assert.match(await page.textContent('.timeline'), /Perbaikan dikirim/);

  // The clerk sees the correction and forwards it to the supervisor's step.
  await desk.goto(server.base + officerPath);
  assert.match(await desk.textContent('.answers'), /21 November 2026/);
  assert.match(await desk.textContent('#dokumen-kartu_keluarga'), /kartu-keluarga-jelas\.pdf/);
  assert.equal(await desk.locator('button[name=aksi][value=approve]').count(), 0, 'approval is the supervisor\'s');
  await desk.screenshot({ path: join(ARTIFACTS, 'officer-application.png'), fullPage: true });
  const clerkCookies = await clerk.cookies();
  await checkPages(clerkCookies, ['/admin', '/admin/permohonan', officerPath]);
  await desk.check('#hasil-kartu_keluarga-ok');
  await Promise.all([desk.waitForNavigation(), desk.click('form[action$="/dokumen/kartu_keluarga/periksa"] button[type=submit]')]);
  await Promise.all([desk.waitForNavigation(), desk.click('button[name=aksi][value=forward]')]);
  assert.match(await desk.textContent('.facts'), /Persetujuan dan tanda tangan/);

  // The supervisor approves with a note from the queue.
  const head = await contextWithoutScripts();
  const chief = await head.newPage();
  await signInOfficer(chief, createOfficer('kabid@disdukcapil.test', 'supervisor', 'Sri Handayani'));
  await chief.goto(server.base + '/admin/permohonan');
  const waiting = chief.locator('tbody tr', { hasText: receipt });
  assert.match(await waiting.textContent(), /Persetujuan dan tanda tangan/);
  await Promise.all([chief.waitForURL(new RegExp(`${officerPath}$`)), waiting.locator('a').click()]);
  await chief.fill('#catatan', 'Berkas lengkap dan sesuai.');
  await Promise.all([chief.waitForNavigation(), chief.click('button[name=aksi][value=approve]')]);
  assert.match(await chief.textContent('.facts'), /Disetujui/);
  assert.match(await chief.textContent('main'), /Dokumen terbit/);
  await chief.goto(server.base + '/admin/permohonan');
  assert.equal(await chief.locator('tbody tr', { hasText: receipt }).count(), 0, 'closed ones leave the queue');
  await checkPages(await head.cookies(), [officerPath]);

  // The citizen downloads the signed PDF and follows its verification code.
  await mailMatching(server.mail, 'rina@warga.test', /Permohonan Anda disetujui/);
  await page.goto(server.base + statusPath);
  assert.match(await page.textContent('.facts'), /Disetujui/);
  assert.match(await page.textContent('.timeline'), /Berkas lengkap dan sesuai/);
  const issued = page.locator('section[aria-labelledby=issued-heading]');
  assert.match(await issued.textContent(), /Sah · Kutipan Akta Kelahiran, Nomor 3578-LU-\d{4}-\d{4}/);
  const number = (await issued.textContent()).match(/3578-LU-\d{4}-\d{4}/)[0];
  const downloadHref = await issued.locator('a.button').getAttribute('href');
  assert.equal(downloadHref, `${statusPath}/surat`);
  const file = await citizen.request.get(server.base + downloadHref);
  assert.equal(file.status(), 200);
  assert.equal(file.headers()['content-type'], 'application/pdf');
  const pdf = await file.body();
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const [download] = await Promise.all([page.waitForEvent('download'), issued.locator('a.button').click()]);
  assert.ok(readFileSync(await download.path()).equals(pdf), 'the link downloads the same file');
  writeFileSync(join(ARTIFACTS, 'birth-certificate.pdf'), pdf);
  const verifyHref = await issued.locator('a[href^="/verify/"]').getAttribute('href');
  const code = verifyHref.split('/')[2];
  assert.ok(pdf.toString('latin1').includes(`/verify/${code}`), 'the PDF carries the verification link');
  await page.screenshot({ path: join(ARTIFACTS, 'application-approved.png'), fullPage: true });
  await checkPages(citizenCookies, [statusPath]);

  // Anyone may check it: valid, with the number, and nothing about the applicant.
  const visitor = await contextWithoutScripts();
  const checking = await visitor.newPage();
  await checking.goto(server.base + verifyHref);
  assert.match(await checking.textContent('#found-heading'), /Status: Sah/);
  assert.match(await checking.textContent('.verified'), new RegExp(number));
  assert.ok(!(await checking.textContent('main')).includes('Rina'), 'no personal data');
  await visitor.close();

  // The satisfaction survey: offered once the application is closed; every element needed.
  assert.equal(await page.locator(`a[href="${statusPath}/survei"]`).count(), 1, 'the survey is offered');
  await page.click(`a[href="${statusPath}/survei"]`);
  assert.match(page.url(), /\/survei$/);
  assert.equal(await page.locator('main input[type=radio][value="1"]').count(), IKM_ELEMENTS.length, 'one question for each element');
  assert.equal(await page.locator('main fieldset').count(), IKM_ELEMENTS.length + 4, 'and the optional profile');
  // A second tab keeps the form open, as a reader who goes back would.
  const stale = await citizen.newPage();
  await stale.goto(server.base + `${statusPath}/survei`);
  await page.check(`#${IKM_ELEMENTS[0]}-4`);
  const [partial] = await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
  assert.equal(partial.status(), 400);
  assert.equal(await page.locator('.error-summary li').count(), 8, 'each unanswered element named');
  assert.ok(await page.isChecked(`#${IKM_ELEMENTS[0]}-4`), 'the answer is kept');
  for (const element of IKM_ELEMENTS.slice(1)) await page.check(`#${element}-3`);
  await page.fill('#saran', 'Proses cepat dan petugas jelas menjelaskan perbaikan.');
  await checkPages(citizenCookies, [`${statusPath}/survei`]);
  await checkSurveyErrors(citizenCookies, `${statusPath}/survei`);
  await page.click('main form button[type=submit]');
  assert.match(page.url(), new RegExp(`${statusPath}\\?dinilai=1$`));
  assert.match(await page.textContent('main'), /Terima kasih atas penilaian Anda/);
  assert.equal(await page.locator(`a[href="${statusPath}/survei"]`).count(), 0, 'not offered again');
  await checkPages(citizenCookies, [`${statusPath}?dinilai=1`]);
  await checkPages([], [verifyHref]);

  // A second answer for the same application is refused, and the form is no longer shown.
  for (const element of IKM_ELEMENTS) await stale.check(`#${element}-1`);
  const [again] = await Promise.all([stale.waitForNavigation(), stale.click('main form button[type=submit]')]);
  assert.equal(again.status(), 409);
  assert.match(await stale.textContent('h1'), /Bertentangan dengan keadaan saat ini/);
  // The title says what happened, as the heading does (WCAG 2.4.2), not just the site's name.
  assert.match(await stale.title(), /Bertentangan dengan keadaan saat ini/);
  await page.goto(server.base + `${statusPath}/survei`);
  assert.equal(new URL(page.url()).pathname, statusPath, 'the survey sends back to the status page');

  // The unit's satisfaction report counts the answer; the supervisor reads it.
  await chief.goto(server.base + '/admin/ikm');
  assert.match(await chief.textContent('.facts'), /Responden\s*1\b/);
  await checkPages(await head.cookies(), ['/admin/ikm']);
  for (const [format, type] of [['pdf', 'application/pdf'], ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']]) {
    const exported = await chief.request.get(server.base + `/admin/ikm.${format}`);
    assert.equal(exported.status(), 200, format);
    assert.equal(exported.headers()['content-type'], type);
  }

  // The administrator keeps the complaint topics and their routing.
  const admin = await contextWithoutScripts();
  await signInOfficer(await admin.newPage(), createOfficer('admin@disdukcapil.test', 'admin', 'Dewi Lestari'));
  await checkPages(await admin.cookies(), ['/admin/pengaduan/topik', '/admin/pengaduan/topik/jalan-rusak', '/admin/pengaduan/topik/baru']);
  await admin.close();

  await citizen.close();
  await clerk.close();
  await head.close();
});
