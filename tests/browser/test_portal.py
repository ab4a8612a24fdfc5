"""kinerja-portal in a real browser (Debian's chromium and chromium-driver, driven by selenium) against a real
kinerjad and a real kinerja-portal on loopback. The steps run in order, as the people of a small agency would:
Budi activates his account and signs in, Siti returns and then approves his SKP, Budi files realisasi and a daily
activity, Siti rates him, Budi sees his predikat. Screenshots of every page land in $SCREENSHOTS (kept on failure).

Run: python tests/browser/test_portal.py BIN_DIR   (make test does)"""
import json, os, re, shutil, sys, tempfile, time, unittest, urllib.error, urllib.parse, urllib.request, http.cookiejar

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'scripts'))
from portal_fixture import Agency, BUDI, KEPALA, RINA  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BIN = sys.argv.pop(1) if len(sys.argv) > 1 else '.build/debug'
SHOTS = os.environ.get('SCREENSHOTS', '.build/browser-screenshots')
PASSWORD = {BUDI: 'Laporan-Tepat-2026', KEPALA: 'Kepala-Dinas-2026!'}


def gone(element):
    """Whether `element`'s page has been replaced (Chromium reports a node of a replaced document as an unknown
    error rather than a stale element)."""
    def check(_):
        try:
            element.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True
    return check


def browser():
    options = webdriver.ChromeOptions()
    for a in ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--window-size=1280,1000', '--lang=id']:
        options.add_argument(a)
    options.binary_location = '/usr/bin/chromium'
    return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)


class PortalInABrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Public feedback: 20 an hour per link as configured by default; per address raised so that the per-link
        # limit is what the test meets (every submission comes from 127.0.0.1).
        cls.agency = Agency(BIN, extra_config='[public_feedback]\nper_address_per_hour = 100\n')
        cls.agency.seed()
        cls.agency.start_portal()
        cls.codes = {nip: cls.agency.activation_code(nip) for nip in [BUDI, KEPALA]}
        os.makedirs(SHOTS, exist_ok=True)
        cls.budi = browser()
        cls.siti = browser()
        cls.failed = False

    @classmethod
    def tearDownClass(cls):
        for b in [cls.budi, cls.siti]:
            b.quit()
        cls.agency.stop()
        if not cls.failed:
            shutil.rmtree(cls.agency.dir, ignore_errors=True)
        else:
            print(f'kept {cls.agency.dir} (kinerjad.log, portal.log) and the screenshots in {SHOTS}', file=sys.stderr)

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        outcome = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            type(self).failed = True
            for name, b in [('budi', self.budi), ('siti', self.siti)]:
                b.save_screenshot(os.path.join(SHOTS, f'GAGAL-{self._testMethodName}-{name}.png'))
        return outcome

    def go(self, b, path):
        b.get(self.agency.url + path)
        return b

    def shot(self, b, name):
        b.save_screenshot(os.path.join(SHOTS, f'{name}.png'))

    def text(self, b):
        return b.find_element(By.TAG_NAME, 'main').text

    def fill(self, b, fields):
        for name, value in fields.items():
            e = b.find_element(By.NAME, name) if not name.startswith('#') else b.find_element(By.ID, name[1:])
            e.clear()
            e.send_keys(value)

    @staticmethod
    def click(b, locator):
        """Clicks a button that submits a form, and waits until the next page has replaced this one. A node that left
        the document between finding and clicking (the browser still settling the page) is looked up again."""
        for attempt in range(5):
            try:
                page = b.find_element(By.TAG_NAME, 'html')
                (locator(b) if callable(locator) else b.find_element(*locator)).click()
                break
            except (StaleElementReferenceException, WebDriverException):
                if gone(page)(b):
                    break  # the click went through: the next page is loading
                if attempt == 4:
                    raise
                time.sleep(0.2)
        WebDriverWait(b, 20).until(gone(page))
        WebDriverWait(b, 20).until(lambda d: d.execute_script('return document.readyState') == 'complete')

    def sign_in(self, b, nip, password=None):
        self.go(b, '/masuk')
        self.fill(b, {'#nip': nip, '#password': password or PASSWORD[nip]})
        self.click(b, (By.ID, 'masuk'))

    # The steps, in order.

    def test_01_activation_signs_in_and_a_wrong_code_is_refused(self):
        b = self.go(self.budi, '/aktivasi')
        self.fill(b, {'#nip': BUDI, '#code': 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG', '#password': PASSWORD[BUDI], '#password2': PASSWORD[BUDI]})
        self.click(b, (By.ID, 'aktifkan'))
        self.assertIn('/aktivasi', b.current_url)
        self.assertTrue(b.find_element(By.ID, 'galat').text)
        self.fill(b, {'#nip': BUDI, '#code': self.codes[BUDI], '#password': PASSWORD[BUDI], '#password2': PASSWORD[BUDI]})
        self.click(b, (By.ID, 'aktifkan'))
        self.assertTrue(b.current_url.endswith('/beranda'), b.current_url)
        self.assertIn('Budi Santoso', self.text(b))
        self.assertIn('Maret 2026', self.text(b))
        self.shot(b, 'beranda')
        s = self.go(self.siti, '/aktivasi')
        self.fill(s, {'#nip': KEPALA, '#code': self.codes[KEPALA], '#password': PASSWORD[KEPALA], '#password2': PASSWORD[KEPALA]})
        self.click(s, (By.ID, 'aktifkan'))
        self.assertTrue(s.current_url.endswith('/beranda'), s.current_url)

    def test_02_the_supervisor_returns_the_skp_and_the_employee_submits_again(self):
        s = self.go(self.siti, '/bawahan')
        self.assertIn('Budi Santoso', self.text(s))
        self.assertIn('menunggu persetujuan Anda', self.text(s))
        # Siti heads DINAS: its distribution against the curve is drawn, with what keeps it from the curve in words.
        curve = s.find_element(By.ID, 'kurva-DINAS')
        self.assertTrue(curve.find_elements(By.CSS_SELECTOR, 'svg rect.bar'))
        self.assertIn('belum diberi predikat', curve.text)
        self.shot(s, 'bawahan')
        self.go(s, f'/bawahan/{BUDI}')
        self.fill(s, {'#catatan-skp': 'Target laporan dinaikkan menjadi 14'})
        self.click(s, (By.ID, 'kembalikan'))
        self.assertIn('Dikembalikan', s.find_element(By.ID, 'status-skp').text)
        b = self.go(self.budi, '/skp')
        self.assertIn('Target laporan dinaikkan menjadi 14', self.text(b))
        self.shot(b, 'skp')
        # He edits the draft: the target of R1/I1 becomes 14 and a third indicator goes into R1's empty row.
        self.click(b, (By.ID, 'ubah-skp'))
        self.fill(b, {'rhk0_ind0_target': '14', 'rhk0_ind2_text': 'Ketepatan waktu laporan', 'rhk0_ind2_target': '10', 'rhk0_ind2_unit': 'hari'})
        b.find_element(By.CSS_SELECTOR, 'select[name=rhk0_ind2_aspect] option[value=waktu]').click()
        self.shot(b, 'skp-ubah')
        self.click(b, (By.ID, 'simpan-ajukan'))
        self.assertIn('Diajukan', b.find_element(By.ID, 'status-skp').text)
        self.assertIn('Ketepatan waktu laporan', self.text(b))
        self.assertIn('14 laporan', self.text(b))

    def test_03_the_supervisor_approves(self):
        s = self.go(self.siti, f'/bawahan/{BUDI}')
        self.click(s, (By.ID, 'setujui'))
        self.assertEqual(s.find_element(By.ID, 'status-skp').text, 'Disetujui')
        self.shot(s, 'bawahan-detail')

    def test_04_the_employee_files_realisasi_and_an_activity_and_sees_them_after_reload(self):
        b = self.go(self.budi, '/realisasi?periode=2026-03')
        form = b.find_element(By.CSS_SELECTOR, '#ind-R1-I1 form')
        nilai = form.find_element(By.NAME, 'nilai')
        nilai.clear()
        nilai.send_keys('3')
        form.find_element(By.NAME, 'bukti').send_keys('https://drive.example.go.id/laporan-maret')
        self.click(b, lambda d: d.find_element(By.CSS_SELECTOR, '#ind-R1-I1 form button'))
        self.assertIn('tersimpan', self.text(b))
        self.go(b, '/realisasi?periode=2026-03')  # a new load, not a reload (which restores typed values)
        self.assertTrue(b.find_elements(By.CSS_SELECTOR, '#ind-R1-I1 .tag.ok'), 'shown as filed')
        form = b.find_element(By.CSS_SELECTOR, '#ind-R1-I1 form')
        self.assertEqual(form.find_element(By.NAME, 'nilai').get_attribute('value'), '3')
        self.assertIn('laporan-maret', form.find_element(By.NAME, 'bukti').get_attribute('value'))
        self.shot(b, 'realisasi')
        self.go(b, '/kegiatan?tanggal=2026-04-03')
        self.fill(b, {'#uraian': 'Menyusun laporan bulanan Maret', '#jam': '1', '#menit': '30'})
        self.click(b, (By.ID, 'simpan-kegiatan'))
        self.go(b, '/kegiatan?tanggal=2026-04-03')
        self.assertIn('Menyusun laporan bulanan Maret', b.find_element(By.ID, 'kegiatan').text)
        self.assertEqual(b.find_element(By.ID, 'total-hari').text, '1 jam 30 menit')
        self.shot(b, 'kegiatan')
        # A day cannot hold more than 24 hours: refused with the daemon's reason, nothing added.
        self.fill(b, {'#uraian': 'Lembur', '#jam': '23', '#menit': ''})
        self.click(b, (By.ID, 'simpan-kegiatan'))
        self.assertIn('1440', self.text(b))
        self.assertEqual(b.find_element(By.ID, 'total-hari').text, '1 jam 30 menit')

    def test_05_the_supervisor_rates_and_the_employee_sees_the_predikat(self):
        s = self.go(self.siti, f'/bawahan/{BUDI}?periode=2026-03')
        s.find_element(By.CSS_SELECTOR, '#form-nilai input[name=hasil][value=di_atas]').click()
        s.find_element(By.CSS_SELECTOR, '#form-nilai input[name=perilaku][value=di_atas]').click()
        self.click(s, (By.ID, 'simpan-nilai'))
        self.assertIn('Sangat Baik', s.find_element(By.ID, 'predikat').text)
        b = self.go(self.budi, '/beranda')
        self.assertIn('Sangat Baik', b.find_element(By.ID, 'periode').text)
        self.assertTrue(b.find_elements(By.CSS_SELECTOR, 'svg.chart rect.bar'), 'the chart shows the rated month')
        self.shot(b, 'beranda-dinilai')
        # The printed evaluation document carries the same predikat; the printed SKP lists the RHK in order.
        self.go(b, '/cetak/evaluasi?periode=2026-03')
        self.assertEqual(b.find_element(By.ID, 'predikat').text, 'Sangat Baik')
        self.assertIn('DOKUMEN EVALUASI KINERJA PEGAWAI', b.find_element(By.TAG_NAME, 'h1').text.upper())
        self.shot(b, 'cetak-evaluasi')
        self.go(b, '/cetak/skp')
        body = b.find_element(By.TAG_NAME, 'body').text
        self.assertLess(body.index('Tersusunnya laporan kinerja'), body.index('Narasumber kegiatan'), 'utama before tambahan')
        self.shot(b, 'cetak-skp')

    def test_05b_umpan_balik_and_360_feedback(self):
        # Siti writes umpan balik on R1; Budi reads it beside his realisasi.
        s = self.go(self.siti, f'/bawahan/{BUDI}?periode=2026-03')
        form = s.find_element(By.CSS_SELECTOR, 'form[action$="/umpan-balik"]')
        form.find_element(By.NAME, 'teks').send_keys('Lampirkan daftar hadir rapat')
        self.click(s, lambda d: d.find_element(By.CSS_SELECTOR, 'form[action$="/umpan-balik"] button'))
        self.assertIn('Umpan balik tersimpan', self.text(s))
        b = self.go(self.budi, '/realisasi?periode=2026-03')
        self.assertIn('Lampirkan daftar hadir rapat', b.find_element(By.CSS_SELECTOR, '.umpan-balik').text)
        # Budi rates his supervisor in 360° (the source is derived: bawahan); the form then shows it as given.
        self.go(b, '/360')
        card = b.find_element(By.ID, f'rekan-{KEPALA}')
        self.assertIn('Atasan Anda', card.text)
        card.find_element(By.CSS_SELECTOR, 'input[name=nilai][value=di_atas]').click()
        card.find_element(By.NAME, 'komentar').send_keys('Arahan selalu jelas')
        self.click(b, lambda d: d.find_element(By.CSS_SELECTOR, f'#rekan-{KEPALA} button'))
        self.assertIn('sudah diberi', b.find_element(By.ID, f'rekan-{KEPALA}').text)
        self.shot(b, '360')

    def test_06_another_employees_page_by_url_is_refused(self):
        # Siti is Rina's supervisor's supervisor: skip-level, refused by kinerjad, shown as a page.
        s = self.go(self.siti, f'/bawahan/{RINA}')
        self.assertIn('tidak berhak', self.text(s))
        self.assertNotIn('Terkelolanya server', s.page_source)
        self.shot(s, 'ditolak')

    def test_06b_a_plt_has_the_heads_rights_for_the_assignments_days(self):
        # Budi heads SEKR; Siti stands in for him as PLT in April: Rina (his subordinate) appears on her Bawahan page
        # with the assignment named, her page opens, and Siti's Beranda shows the assignment. Ended, it is all gone.
        self.agency.ctl('unit', 'set-head', 'SEKR', BUDI)
        added = json.loads(self.agency.ctl('acting', 'add', '--unit', 'SEKR', '--nip', KEPALA, '--kind', 'plt', '--from', '2026-04-01',
                                           '--to', '2026-04-30', '--reason', 'SK Bupati 800/12', '-o', 'json'))
        try:
            s = self.go(self.siti, '/bawahan')
            row = s.find_element(By.XPATH, f"//table[@id='bawahan']//tr[contains(., '{RINA}')]")
            self.assertIn('PLT SEKR', row.text)
            self.shot(s, 'bawahan-plt')
            self.go(s, f'/bawahan/{RINA}')
            self.assertIn('Terkelolanya server', s.page_source)
            self.go(s, '/beranda')
            self.assertIn('Plt. (Pelaksana Tugas) Sekretariat', s.find_element(By.ID, 'plt').text)
        finally:
            self.agency.ctl('acting', 'end', str(added['id']), '--on', '2026-04-04')
        self.go(s, f'/bawahan/{RINA}')
        self.assertIn('tidak berhak', self.text(s))

    def test_07_a_form_without_its_csrf_token_is_refused(self):
        b = self.go(self.budi, '/kegiatan?tanggal=2026-04-03')
        b.execute_script("document.querySelector('#tambah-kegiatan input[name=_csrf]').remove()")
        self.fill(b, {'#uraian': 'Tanpa token', '#jam': '0', '#menit': '10'})
        self.click(b, (By.ID, 'simpan-kegiatan'))
        self.assertIn('kedaluwarsa atau tidak sah', self.text(b))
        self.go(b, '/kegiatan?tanggal=2026-04-03')
        self.assertNotIn('Tanpa token', self.text(b))

    def test_08_a_public_link_takes_twenty_submissions_an_hour(self):
        token = self.agency.public_link(BUDI)
        p = browser()
        try:
            for i in range(20):
                self.go(p, f'/publik/{token}')
                if i == 0:
                    self.assertEqual(p.find_element(By.ID, 'nama').text, 'Budi Santoso')
                    self.shot(p, 'publik')
                p.find_element(By.CSS_SELECTOR, 'input[name=nilai][value=di_atas]').click()
                p.find_element(By.NAME, 'komentar').send_keys(f'Pelayanan cepat {i}')
                self.click(p, (By.ID, 'kirim'))
                self.assertTrue(p.find_elements(By.ID, 'terima-kasih'), f'submission {i + 1}: {self.text(p)}')
            self.go(p, f'/publik/{token}')
            p.find_element(By.CSS_SELECTOR, 'input[name=nilai][value=sesuai]').click()
            self.click(p, (By.ID, 'kirim'))
            self.assertIn('Terlalu banyak', p.find_element(By.ID, 'galat').text)
            self.shot(p, 'publik-ditolak')
        finally:
            p.quit()

    def test_09_five_wrong_passwords_lock_the_account(self):
        p = browser()
        try:
            for _ in range(5):
                self.sign_in(p, KEPALA, 'Bukan-Sandinya-1')
                self.assertIn('NIP atau kata sandi salah', p.find_element(By.ID, 'galat').text)
            self.sign_in(p, KEPALA)
            self.assertIn('dikunci', p.find_element(By.ID, 'galat').text)
            self.assertIn('/masuk', p.current_url)
            self.shot(p, 'masuk-dikunci')
        finally:
            p.quit()

    def test_10_logout_then_back_shows_the_sign_in_page(self):
        b = self.go(self.budi, '/beranda')
        self.click(b, (By.ID, 'keluar'))
        self.assertTrue(b.current_url.endswith('/masuk'), b.current_url)
        page = b.find_element(By.TAG_NAME, 'html')
        b.back()
        WebDriverWait(b, 20).until(gone(page))
        self.assertTrue(b.current_url.endswith('/masuk'), f'back showed {b.current_url}')
        self.assertNotIn('Budi Santoso', b.page_source)
        self.go(b, '/realisasi')
        self.assertTrue(b.current_url.endswith('/masuk'))


class PortalOverHTTP(unittest.TestCase):
    """Headers, cookie flags and escaping, read off the HTTP answers themselves."""

    @classmethod
    def setUpClass(cls):
        cls.agency = Agency(BIN)
        cls.agency.seed(rina='Rina <script>alert(1)</script> Fanggidae')
        cls.agency.start_portal()
        cls.code = cls.agency.activation_code(BUDI)

    @classmethod
    def tearDownClass(cls):
        cls.agency.stop()
        shutil.rmtree(cls.agency.dir, ignore_errors=True)

    def client(self):
        jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect), jar

    def fetch(self, opener, path, data=None):
        try:
            r = opener.open(self.agency.url + path, data=urllib.parse.urlencode(data).encode() if data is not None else None)
            return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def test_headers_cookie_flags_and_escaping(self):
        opener, jar = self.client()
        status, headers, body = self.fetch(opener, '/aktivasi')
        self.assertEqual(status, 200)
        csp = headers['Content-Security-Policy']
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn('unsafe-inline', csp)
        self.assertEqual(headers['X-Content-Type-Options'], 'nosniff')
        self.assertEqual(headers['Referrer-Policy'], 'same-origin')
        self.assertEqual(headers['Cache-Control'], 'no-store')
        cookie = headers['Set-Cookie']
        self.assertIn('HttpOnly', cookie)
        self.assertIn('SameSite=Lax', cookie)
        self.assertRegex(cookie, r'sesi=[A-Za-z0-9_-]{22};')
        csrf = re.search(r'name="_csrf" value="([^"]+)"', body).group(1)
        password = 'Sandi-Uji-Http-2026'
        status, headers, _ = self.fetch(opener, '/aktivasi', {'_csrf': csrf, 'nip': BUDI, 'code': self.code, 'password': password, 'password2': password})
        self.assertEqual(status, 303)
        self.assertNotIn(csrf, headers['Set-Cookie'])
        # A new session id on sign-in (the visitor's one is dropped: no fixation).
        ids = [c.value for c in jar if c.name == 'sesi']
        self.assertEqual(len(ids), 1)
        status, _, body = self.fetch(opener, '/bawahan')
        self.assertEqual(status, 200)
        self.assertIn('Rina &lt;script&gt;alert(1)&lt;/script&gt; Fanggidae', body)
        self.assertNotIn('<script>alert(1)</script>', body)
        # A body over 1 MiB is refused before it is read.
        status, _, _ = self.fetch(opener, '/kegiatan', {'_csrf': 'x', 'uraian': 'a' * (1 << 20)})
        self.assertEqual(status, 413)
        # Pages without a session send the visitor to the sign-in page.
        fresh, _ = self.client()
        status, headers, _ = self.fetch(fresh, '/beranda')
        self.assertEqual(status, 303)
        self.assertEqual(headers['Location'], '/masuk')


if __name__ == '__main__':
    unittest.main(verbosity=2)
