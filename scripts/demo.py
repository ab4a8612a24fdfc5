#!/usr/bin/env python3
"""make demo: a sample agency (three people, 2026 with monthly periods, March being filled, the clock on 5 April 2026)
with its own kinerjad and kinerja-portal on http://127.0.0.1:8080, and an activation code for each person.
Ctrl-C stops both; the state stays in .kinerja-demo (removed and made again on the next run)."""
import os, shutil, signal, sys, time

sys.path.insert(0, os.path.dirname(__file__))
from portal_fixture import Agency, BUDI, KEPALA, RINA  # noqa: E402

bin_dir = sys.argv[1]
state = os.path.abspath('.kinerja-demo')
shutil.rmtree(state, ignore_errors=True)
agency = Agency(bin_dir, state=state, port=int(os.environ.get('PORT', '8080')))
try:
    agency.seed()
    agency.start_portal()
    codes = {nip: agency.activation_code(nip) for nip in [KEPALA, BUDI, RINA]}
    token = agency.public_link(BUDI)
    print(f'\nKinerja portal: {agency.url}  (kinerjad socket {agency.socket})\n')
    print('Activate an account at /aktivasi with its NIP and code, choosing a password of 10 characters or more:')
    for nip, who in [(KEPALA, 'Siti Aminah (Kepala Dinas, supervises Budi)'), (BUDI, 'Budi Santoso (Analis, supervises Rina)'),
                     (RINA, 'Rina Fanggidae (Pranata Komputer)')]:
        print(f'  {nip}  {codes[nip]}  {who}')
    print(f'\nBudi\'s public feedback page (no account): {agency.url}/publik/{token}')
    print('Budi and Rina have submitted SKPs waiting for approval; Siti\'s is approved. Ctrl-C stops.')
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
finally:
    agency.stop()
