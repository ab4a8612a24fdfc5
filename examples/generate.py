#!/usr/bin/env python3
"""Generates the sample agencies under examples/<plugin-id>/ (deterministic; the output is committed).

Each agency: a dinas with a head and three bidang of eleven (a kepala bidang and ten staff), SKPs that cascade
from the head's RHK, realisasi, 360° feedback, attendance, activities, TPP bases and supervisor ratings. The data
is shaped so that, after the agency plugin's `rating derive --apply`, every unit fits the distribution curve
(bidang: 2 Sangat Baik, 7 Baik, 2 Butuh Perbaikan; the head Baik in an Istimewa dinas).

    python3 examples/generate.py
"""
import datetime
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
ASPECTS = ["berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"]

AGENCIES = {
    "gajahmungkur": dict(
        code="DISKOMINFO-GJM", name="Dinas Komunikasi dan Informatika Kecamatan Gajahmungkur", zone="Asia/Jakarta",
        periodic="monthly", period="2026-03", month="2026-03", derives="perilaku",
        first=["Agus", "Sri", "Budi", "Endang", "Joko", "Wahyuningsih", "Slamet", "Rahayu", "Bambang", "Sulastri", "Teguh",
               "Puji", "Eko", "Dwi", "Heru", "Tri", "Ani", "Yusuf", "Nur", "Bayu", "Ratna", "Sigit", "Lestari", "Hadi"],
        last=["Santoso", "Wibowo", "Prasetyo", "Purnomo", "Suryadi", "Hartono", "Susanto", "Widodo", "Kusumawati", "Setiawan",
              "Nugroho", "Rahardjo", "Hidayat", "Saputra", "Kurniawan", "Sutrisno"],
        units=[("SEKR", "Sekretariat"), ("APTIKA", "Bidang Aplikasi Informatika"), ("IKP", "Bidang Informasi dan Komunikasi Publik")]),
    "aceh": dict(
        code="BKPSDM-ACEH", name="Badan Kepegawaian dan Pengembangan SDM Kabupaten Aceh Besar", zone="Asia/Jakarta",
        periodic="monthly", period="2026-03", month="2026-03", derives="perilaku",
        first=["Teuku", "Cut", "Muhammad", "Nurul", "Zulfikar", "Rahmah", "Fauzan", "Safrina", "Iskandar", "Mutia", "Rizal",
               "Nadia", "Khairul", "Salmiah", "Munawar", "Zahratul", "Ridwan", "Intan", "Syahrul", "Fitriani"],
        last=["Hasballah", "Ibrahim", "Abdullah", "Ismail", "Yusuf", "Hasan", "Daud", "Mahmud", "Zainal", "Usman", "Abubakar",
              "Nurdin", "Syamsuddin", "Jalil"],
        units=[("MUTASI", "Bidang Mutasi dan Promosi"), ("PSDM", "Bidang Pengembangan SDM"), ("DISIPLIN", "Bidang Penilaian Kinerja dan Disiplin")]),
    "bukittinggi": dict(
        code="BAPPEDA-BKT", name="Badan Perencanaan Pembangunan Daerah Kota Bukittinggi", zone="Asia/Jakarta",
        periodic="monthly", period="2026-03", month="2026-03", derives="hasil",
        first=["Rahmat", "Yulia", "Fauzi", "Nofriyanti", "Hendri", "Rosmaini", "Afrizal", "Desmawati", "Zulkifli", "Yusnita",
               "Irwan", "Fitri", "Syafrudin", "Elfi", "Novrizal", "Mardiana", "Yuliardi", "Rina", "Efendi", "Suryani"],
        last=["Datuak", "Sutan", "Chaniago", "Piliang", "Koto", "Tanjung", "Sikumbang", "Jambak", "Caniago", "Guci", "Malay",
              "Melayu", "Pisang", "Bendang"],
        units=[("PPM", "Bidang Perencanaan Pemerintahan dan Pembangunan Manusia"), ("PEREK", "Bidang Perekonomian dan SDA"),
               ("INFRA", "Bidang Infrastruktur dan Kewilayahan")]),
    "kotalama": dict(
        code="DPMPTSP-KTL", name="Dinas Penanaman Modal dan PTSP Kotalama", zone="Asia/Jakarta",
        periodic="quarterly", period="2026-Q1", month="2026-03", derives="perilaku",
        first=["Hendra", "Lina", "Yohanes", "Maria", "Andreas", "Theresia", "Fransiskus", "Veronika", "Kurniawan", "Lestiani",
               "Gunawan", "Meilani", "Stefanus", "Natalia", "Wijaya", "Fransiska", "Antonius", "Elisabeth", "Sugianto", "Yuliana"],
        last=["Halim", "Tanoto", "Gunadi", "Santosa", "Hartanto", "Kurniadi", "Setiadi", "Wirawan", "Susilo", "Tjahjadi",
              "Salim", "Lukito", "Hermawan", "Sutanto"],
        units=[("PM", "Bidang Penanaman Modal"), ("PELAYANAN", "Bidang Pelayanan Perizinan"), ("PENGENDALIAN", "Bidang Pengendalian dan Pengaduan")]),
    "kupang": dict(
        code="DUKCAPIL-KPG", name="Dinas Kependudukan dan Pencatatan Sipil Kota Kupang", zone="Asia/Makassar",
        periodic="none", period="2025", month="2025-03", derives="perilaku", year="2025",
        first=["Yohanis", "Maria", "Frans", "Yuliana", "Marthen", "Agustina", "Daniel", "Oktovina", "Samuel", "Ferderika",
               "Herman", "Adriana", "Jefri", "Selfina", "Ishak", "Dorkas", "Melkianus", "Ester", "Petrus", "Naomi"],
        last=["Ndun", "Fanggidae", "Bessie", "Lado", "Manafe", "Tefa", "Nenabu", "Mooy", "Pello", "Kana", "Ratu", "Lay",
              "Bana", "Tanone"],
        units=[("PENDAFTARAN", "Bidang Pelayanan Pendaftaran Penduduk"), ("CAPIL", "Bidang Pelayanan Pencatatan Sipil"),
               ("PIAK", "Bidang Pengelolaan Informasi Administrasi Kependudukan")]),
}

FEMALE = {
    "Sri", "Endang", "Wahyuningsih", "Rahayu", "Sulastri", "Puji", "Ani", "Ratna", "Lestari", "Cut", "Nurul", "Rahmah", "Safrina",
    "Mutia", "Nadia", "Salmiah", "Zahratul", "Intan", "Fitriani", "Yulia", "Nofriyanti", "Rosmaini", "Desmawati", "Yusnita", "Fitri",
    "Elfi", "Mardiana", "Rina", "Suryani", "Lina", "Maria", "Theresia", "Veronika", "Lestiani", "Meilani", "Natalia", "Fransiska",
    "Elisabeth", "Yuliana", "Agustina", "Oktovina", "Ferderika", "Adriana", "Selfina", "Dorkas", "Ester", "Naomi",
}
GOLONGAN = ["III/a", "III/b", "III/c", "III/d", "II/c", "II/d"]
BASES = {5: 2_400_000, 6: 2_750_000, 7: 3_300_000, 8: 3_900_000, 9: 4_500_000, 12: 7_200_000, 15: 12_500_000}


def nip(rng, pppk, female, seq):
    by = rng.randint(1972, 1996)
    bm = rng.randint(1, 12)
    bd = rng.randint(1, 28)
    if pppk:
        ay = max(2021, by + 22)
        mid = f"{ay}2{rng.randint(1, 3)}"
    else:
        ay = rng.randint(by + 21, min(by + 30, 2022))
        mid = f"{ay}{rng.randint(1, 12):02d}"
    return f"{by}{bm:02d}{bd:02d}{mid}{2 if female else 1}{seq:03d}"


def generate(pid, a):
    rng = random.Random(pid)
    out = os.path.join(HERE, pid)
    os.makedirs(out, exist_ok=True)
    used = set()

    def person():
        """A name not used yet, and whether it is a woman's (the NIP's gender digit follows it)."""
        while True:
            f = rng.choice(a["first"])
            l = rng.choice(a["last"])
            if (f, l) not in used:
                used.add((f, l))
                return f"{f} {l}", f in FEMALE

    employees = []  # dicts
    name, female = person()
    head = dict(nip=nip(rng, False, female, 1), name=name, kind="PNS", golongan="IV/c", jabatan="Kepala Dinas",
                jenis="jpt", jf="", kelas=15, unit="DINAS", sup="", email="kepala@" + pid + ".go.id")
    employees.append(head)
    units = [("DINAS", a["name"], "", head["nip"])]
    for ui, (code, uname) in enumerate(a["units"]):
        name, female = person()
        kabid = dict(nip=nip(rng, False, female, 10 + ui), name=name, kind="PNS", golongan="IV/a",
                     jabatan="Kepala " + uname if uname.startswith("Bidang") else "Sekretaris",
                     jenis="administrator", jf="", kelas=12, unit=code, sup=head["nip"], email=f"kabid.{code.lower()}@{pid}.go.id")
        employees.append(kabid)
        units.append((code, uname, "DINAS", kabid["nip"]))
        for s in range(10):
            pppk = s in (3, 8)
            functional = s in (0, 4, 7)
            name, female = person()
            e = dict(nip=nip(rng, pppk, female, 100 + ui * 20 + s), name=name, kind="PPPK" if pppk else "PNS",
                     golongan="IX" if pppk else rng.choice(GOLONGAN), jabatan="Analis Kebijakan" if functional else "Pengelola Data",
                     jenis="fungsional" if functional else "pelaksana", jf="ahli_pertama" if functional else "",
                     kelas=8 if functional or pppk else rng.choice([6, 7]), unit=code, sup=kabid["nip"],
                     email=f"{code.lower()}{s + 1}@{pid}.go.id" if s % 3 != 2 else "")
            employees.append(e)

    # Final ratings per unit: 2 Sangat Baik, 7 Baik, 2 Butuh Perbaikan (bidang); the head Baik. A unit head's Hasil
    # Kerja is the unit's predikat (Istimewa → di_atas for the dinas, Baik → sesuai for a bidang), so the kabid (first
    # member) is sesuai / di_atas.
    final = {head["nip"]: ("di_atas", "sesuai")}
    for code, *_ in a["units"]:
        members = [e for e in employees if e["unit"] == code]
        plan = [("sesuai", "di_atas")] + [("di_atas", "di_atas")] * 2 + [("di_atas", "sesuai"), ("sesuai", "sesuai"), ("sesuai", "di_atas")] * 2 + [("di_bawah", "sesuai")] * 2
        for e, p in zip(members, plan):
            final[e["nip"]] = p

    def w(name, text):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(text)

    w("units.csv", "code,name,parent_code\n" + "".join(f'{c},"{n}",{p}\n' for c, n, p, h in units))
    w("unit-heads.csv", "code,head_nip\n" + "".join(f"{c},{h}\n" for c, n, p, h in units))
    w("employees.csv", "nip,name,kind,golongan,jabatan,jenis_jabatan,jabatan_fungsional,kelas_jabatan,unit_code,supervisor_nip,email,phone,active\n" +
      "".join(f'{e["nip"]},{e["name"]},{e["kind"]},{e["golongan"]},{e["jabatan"]},{e["jenis"]},{e["jf"]},{e["kelas"]},{e["unit"]},{e["sup"]},{e["email"]},,true\n' for e in employees))
    w("base.csv", "kelas_jabatan,base_rupiah\n" + "".join(f"{k},{v}\n" for k, v in sorted(BASES.items())))

    # SKP: the head's RHK K1/K2; each kepala bidang intervenes K1 or K2; staff intervene their kepala bidang's B1.
    year = a.get("year", "2026")
    skps = []
    targets = {}
    for e in employees:
        if e is head:
            rhk = [dict(id="K1", kind="utama", text="Meningkatnya kualitas layanan publik", indicators=[
                       dict(id="I1", aspect="kuantitas", text="Indeks kepuasan masyarakat", target=85, unit="indeks")]),
                   dict(id="K2", kind="utama", text="Meningkatnya akuntabilitas kinerja", indicators=[
                       dict(id="I1", aspect="kualitas", text="Nilai SAKIP", target=75, unit="nilai")])]
        elif e["jenis"] == "administrator":
            k = "K1" if e["unit"] != a["units"][1][0] else "K2"
            rhk = [dict(id="B1", kind="utama", text="Terlaksananya program bidang", intervensi=k, indicators=[
                       dict(id="I1", aspect="kuantitas", text="Persentase program terlaksana", target=100, unit="%"),
                       dict(id="I2", aspect="waktu", text="Keterlambatan laporan", target=2, unit="hari", direction="lower_is_better")])]
        else:
            n = rng.choice([10, 12, 20, 24])
            rhk = [dict(id="R1", kind="utama", text="Terselesaikannya dokumen layanan", intervensi="B1", indicators=[
                       dict(id="I1", aspect="kuantitas", text="Jumlah dokumen diselesaikan", target=n, unit="dokumen"),
                       dict(id="I2", aspect="kualitas", text="Kesesuaian dengan SOP", target_text="sesuai SOP")]),
                   dict(id="T1", kind="tambahan", text="Menjadi narasumber internal", indicators=[
                       dict(id="I1", aspect="kuantitas", text="Kegiatan", target=2, unit="kali")])]
        skps.append(dict(nip=e["nip"], rhk=rhk, lampiran=dict(
            dukungan_sumber_daya=["Anggaran DPA " + year, "Aplikasi layanan"], skema_pertanggungjawaban=["Laporan bulanan"],
            konsekuensi=["Evaluasi kinerja oleh atasan"]), perilaku={"berorientasi_pelayanan": "Melayani dengan ramah dan tuntas"}))
        targets[e["nip"]] = rhk
    w("skp.json", json.dumps(dict(period=year, skp=skps), ensure_ascii=False, indent=1) + "\n")

    # Realisasi for the appraised period (the annual period itself for kupang): hasil kerja shapes capaian.
    factor = {"di_atas": 1.15, "sesuai": 1.0, "di_bawah": 0.8}
    lines = ["nip,period,rhk_id,indicator_id,value,text,evidence,note"]
    for e in employees:
        hasil = final[e["nip"]][0]
        for r in targets[e["nip"]]:
            for i in r["indicators"]:
                if "target" in i:
                    t = i["target"]
                    v = t / factor[hasil] if i.get("direction") == "lower_is_better" else t * factor[hasil]
                    value = f"{v:.2f}".rstrip("0").rstrip(".")
                    lines.append(f'{e["nip"]},{a["period"]},{r["id"]},{i["id"]},{value},,https://arsip.{pid}.go.id/{e["nip"]}/{r["id"]}-{i["id"]}.pdf,')
                else:
                    lines.append(f'{e["nip"]},{a["period"]},{r["id"]},{i["id"]},,{i["target_text"]},,')
    w("realisasi.csv", "\n".join(lines) + "\n")

    # Supervisor ratings. Where the plugin derives Perilaku Kerja, the supervisor rated the Butuh Perbaikan staff
    # di_atas (the plugin's rule lowers it); where it derives Hasil Kerja, the supervisor's sesuai is replaced.
    def supervisor(h, p):
        if a["derives"] == "hasil":
            return "sesuai", p
        return h, ("di_atas" if (h, p) == ("di_bawah", "sesuai") else p)
    def aspects(h, p):
        values = [p] * len(ASPECTS)
        if (h, p) == ("di_bawah", "sesuai"):
            values[ASPECTS.index("adaptif")] = "di_bawah"
        return ",".join(values)
    lines = ["nip,hasil_kerja,perilaku_kerja,notes," + ",".join(ASPECTS)] + [
        f"{n},{','.join(supervisor(h, p))},Penilaian atasan,{aspects(h, p)}" for n, (h, p) in final.items()]
    w("ratings.csv", "\n".join(lines) + "\n")

    # 360° feedback consistent with the final Perilaku Kerja (every source gives the same rating).
    subs = {}
    for e in employees:
        if e["sup"]:
            subs.setdefault(e["sup"], []).append(e["nip"])
    lines = ["nip,source,rating,rater,comment," + ",".join(ASPECTS)]
    for e in employees:
        p = final[e["nip"]][1]
        aspect_values = [p] * len(ASPECTS)
        if final[e["nip"]] == ("di_bawah", "sesuai"):
            aspect_values[ASPECTS.index("adaptif")] = "di_bawah"  # still sesuai overall: (6·2 + 1) / 7 = 1.86
        aspect_cells = ",".join(aspect_values)
        if e["sup"]:
            lines.append(f'{e["nip"]},atasan,{p},{e["sup"]},Penilaian atasan langsung,{aspect_cells}')
        peers = [x["nip"] for x in employees if x["unit"] == e["unit"] and x["nip"] != e["nip"] and x["sup"] == e["sup"]][:2]
        for peer in peers:
            lines.append(f'{e["nip"]},rekan,{p},{peer},,{aspect_cells}')
        for b in subs.get(e["nip"], [])[:2]:
            lines.append(f'{e["nip"]},bawahan,{p},{b},,{",".join([""] * len(ASPECTS))}')
        lines.append(f'{e["nip"]},masyarakat,{p},survei-{e["nip"][-4:]},Survei kepuasan layanan,{",".join([""] * len(ASPECTS))}')
        if not e["sup"]:
            lines.append(f'{e["nip"]},atasan,{p},sekda,Penilaian Sekretaris Daerah,{aspect_cells}')
    w("feedback.csv", "\n".join(lines) + "\n")

    # Attendance for the TPP month: a few late arrivals; for Aceh the Butuh Perbaikan staff have 3 days TK.
    lines = ["nip,tl1,tl2,tl3,tl4,psw1,psw2,psw3,psw4,tk,sanction_percent"]
    for i, e in enumerate(employees):
        bp = final[e["nip"]] == ("di_bawah", "sesuai")
        tk = 3 if bp else (1 if i % 9 == 4 else 0)
        lines.append(f'{e["nip"]},{i % 3},{1 if i % 5 == 0 else 0},0,0,{1 if i % 4 == 1 else 0},0,0,0,{tk},0')
    w("attendance.csv", "\n".join(lines) + "\n")

    # Daily activities for March (weekdays); Kupang pays the kinerja share by these minutes.
    lines = ["nip,date,description,rhk_id,minutes,evidence"]
    days = [d for d in range(1, 32) if datetime.date(int(year), 3, d).weekday() < 5]
    for i, e in enumerate(employees):
        per_day = [420, 390, 360, 330, 300][i % 5]
        for d in days[: 16 + i % 7]:
            rhk = targets[e["nip"]][0]["id"]
            lines.append(f'{e["nip"]},{year}-03-{d:02d},Pelaksanaan tugas harian ({rhk}),{rhk},{per_day},')
    w("activities.csv", "\n".join(lines) + "\n")
    return len(employees)


if __name__ == "__main__":
    for pid, a in AGENCIES.items():
        n = generate(pid, a)
        print(f"examples/{pid}: {n} employees")
