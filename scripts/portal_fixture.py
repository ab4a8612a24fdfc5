"""A real kinerjad and a real kinerja-portal on loopback with a small sample agency: what the browser tests and
`make demo` start. Nothing here decides a right; everything goes through kinerjactl and the portal."""
import json, os, re, socket, subprocess, tempfile, time

KEPALA, BUDI, RINA = '197001012000011001', '198503152010011001', '199006062021212006'
CODE = re.compile(r'[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}-[0-9A-Z]{2}')

UNITS = 'code,name,parent_code\nDINAS,Dinas Kominfo,\nSEKR,Sekretariat,DINAS\nBID1,Bidang Aplikasi,DINAS\n'
EMPLOYEES = (
    'nip,name,kind,golongan,jabatan,jenis_jabatan,jabatan_fungsional,kelas_jabatan,unit_code,supervisor_nip,email,phone,active\n'
    f'{KEPALA},"Siti Aminah, S.Kom",PNS,IV/b,Kepala Dinas,jpt,,15,DINAS,,siti@kominfo.go.id,,true\n'
    f'{BUDI},Budi Santoso,PNS,III/b,Analis Kebijakan,pelaksana,,7,SEKR,{KEPALA},,,true\n'
    f'{RINA},{{rina}},PPPK,IX,Pranata Komputer,fungsional,ahli_pertama,8,BID1,{BUDI},,,true\n')
SKP = {'period': '2026', 'skp': [
    {'nip': KEPALA, 'rhk': [{'id': 'K1', 'kind': 'utama', 'text': 'Meningkatnya layanan digital', 'indicators': [
        {'id': 'I1', 'aspect': 'kuantitas', 'text': 'Indeks layanan', 'target': 80, 'unit': '%'}]}]},
    {'nip': BUDI, 'rhk': [
        {'id': 'R1', 'kind': 'utama', 'text': 'Tersusunnya laporan kinerja', 'intervensi': 'K1', 'indicators': [
            {'id': 'I1', 'aspect': 'kuantitas', 'text': 'Jumlah laporan', 'target': 12, 'unit': 'laporan'},
            {'id': 'I2', 'aspect': 'kualitas', 'text': 'Kualitas laporan', 'target_text': 'sesuai standar'}]},
        {'id': 'T1', 'kind': 'tambahan', 'text': 'Narasumber kegiatan', 'indicators': [
            {'id': 'I1', 'aspect': 'waktu', 'text': 'Hari keterlambatan', 'target': 0, 'unit': 'hari', 'direction': 'lower_is_better'}]}],
     'lampiran': {'dukungan_sumber_daya': ['Laptop'], 'skema_pertanggungjawaban': ['Laporan bulanan'], 'konsekuensi': ['Teguran']},
     'perilaku': {'akuntabel': 'Laporan tepat waktu'}},
    {'nip': RINA, 'rhk': [{'id': 'P1', 'kind': 'utama', 'text': 'Terkelolanya server', 'intervensi': 'R1', 'indicators': [
        {'id': 'I1', 'aspect': 'kuantitas', 'text': 'Uptime', 'target': 99, 'unit': '%'}]}]}]}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Agency:
    """kinerjad (its clock started on 5 April 2026 09:00 WIB, March being filled) and the portal."""

    def __init__(self, bin_dir, state=None, clock='2026-04-05T09:00:00+07:00', port=None, extra_config=''):
        self.bin = bin_dir
        self.dir = state or tempfile.mkdtemp(prefix='kportal-')
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(self.dir, 'kinerja.sock')
        self.gateway = os.path.join(self.dir, 'gateway.sock')
        self.log = os.path.join(self.dir, 'kinerjad.log')
        self.port = port or free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        with open(os.path.join(self.dir, 'kinerjad.toml'), 'w') as f:
            f.write(f'gateway_socket = "{self.gateway}"\n[accounts]\nbcrypt_cost = 12\n{extra_config}')
        env = dict(os.environ)
        if clock:
            env['KINERJA_CLOCK_START'] = clock
        self.daemon = subprocess.Popen(
            [f'{bin_dir}/kinerjad', '--state-dir', os.path.join(self.dir, 'state'), '--socket', self.socket,
             '--config', os.path.join(self.dir, 'kinerjad.toml'), '--log-level', 'info'],
            stdout=open(self.log, 'a'), stderr=subprocess.STDOUT, env=env)
        self.wait_for(lambda: os.path.exists(self.socket) and os.path.exists(self.gateway), 'kinerjad')
        self.portal = None

    @staticmethod
    def wait_for(check, what, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if check():
                return
            time.sleep(0.05)
        raise RuntimeError(f'{what} did not start')

    def ctl(self, *args, check=True):
        r = subprocess.run([f'{self.bin}/kinerjactl', *args, '--socket', self.socket], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f'kinerjactl {" ".join(args)}: {r.stderr}')
        return r.stdout

    def seed(self, rina='Rina Fanggidae'):
        """Units, employees, 2026 with monthly periods; the three SKPs submitted and only Siti's approved; March open.
        `rina`: her name (the tests give her one with markup in it)."""
        employees = EMPLOYEES.replace('{rina}', rina)
        for name, text in [('units.csv', UNITS), ('employees.csv', employees), ('skp.json', json.dumps(SKP))]:
            with open(os.path.join(self.dir, name), 'w') as f:
                f.write(text)
        self.ctl('unit', 'import', os.path.join(self.dir, 'units.csv'))
        self.ctl('employee', 'import', os.path.join(self.dir, 'employees.csv'))
        self.ctl('unit', 'set-head', 'DINAS', KEPALA)
        self.ctl('period', 'create', '2026', '--periodic', 'monthly')
        self.ctl('period', 'advance', '2026')
        self.ctl('skp', 'import', os.path.join(self.dir, 'skp.json'), '--submit')
        self.ctl('skp', 'approve', KEPALA, '--period', '2026')
        self.ctl('period', 'advance', '2026', '--force', '--reason', 'contoh')
        for _ in range(2):
            self.ctl('period', 'advance', '2026-03', '--force', '--reason', 'contoh')

    def activation_code(self, nip):
        """Invites `nip` on the log channel and reads the code the outbox wrote to kinerjad's log."""
        out = json.loads(self.ctl('account', 'invite', nip, '--channel', 'log', '-o', 'json'))
        marker = f'outbox_id={out["outbox_id"]}'
        deadline = time.time() + 30
        while time.time() < deadline:
            for line in open(self.log, encoding='utf-8', errors='replace'):
                if marker in line and CODE.search(line):
                    return CODE.search(line).group(0)
            time.sleep(0.1)
        raise RuntimeError(f'no activation code for {nip} in {self.log}')

    def public_link(self, nip, period='2026-03'):
        return json.loads(self.ctl('feedback', 'public-link', nip, '--period', period, '-o', 'json'))['token']

    def start_portal(self):
        self.portal_log = os.path.join(self.dir, 'portal.log')
        self.portal = subprocess.Popen(
            [f'{self.bin}/kinerja-portal', '--socket', self.gateway, '--listen', f'127.0.0.1:{self.port}'],
            stdout=open(self.portal_log, 'a'), stderr=subprocess.STDOUT)

        def up():
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=0.2):
                    return True
            except OSError:
                return False
        self.wait_for(up, 'kinerja-portal')

    def stop(self):
        for p in [self.portal, self.daemon]:
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
