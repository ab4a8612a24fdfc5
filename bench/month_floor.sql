-- The floor for the month's batch (kinerja-bench `month` scenario): the same five steps on the same files as kinerjad
-- takes them (units + employees, ratings, attendance, TPP, payroll export), done by the sqlite3 shell with plain SQL.
-- It keeps what a database gives for free (WAL, synchronous = FULL, keys, foreign keys, one transaction a step) and
-- none of Kinerja's checks, history, audit or explanations. Run from the folder holding the CSVs:
--
--     sqlite3 floor.db < month_floor.sql        (writes payroll.csv; prints net_total|N)
--
-- The TPP is the national default (60 % kinerja × predikat factor, 40 % disiplin less 0.5 % per TL1, 1 % per PSW2 and
-- 4 % per TK of the base, sanction, PPh by golongan), each component rounded half up in integer Rupiah, so that its net
-- total can be compared with kinerjad's.
.bail on
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;

CREATE TABLE units (
    code TEXT PRIMARY KEY, name TEXT NOT NULL,
    parent_code TEXT REFERENCES units (code) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE employees (
    nip TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('PNS', 'PPPK')), golongan TEXT NOT NULL,
    jabatan TEXT NOT NULL, jenis_jabatan TEXT NOT NULL, jabatan_fungsional TEXT, kelas_jabatan INTEGER NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units (code) DEFERRABLE INITIALLY DEFERRED,
    supervisor_nip TEXT REFERENCES employees (nip) DEFERRABLE INITIALLY DEFERRED,
    email TEXT, phone TEXT, active INTEGER NOT NULL);
CREATE INDEX employees_supervisor ON employees (supervisor_nip);
CREATE INDEX employees_unit ON employees (unit_code);
CREATE TABLE ratings (
    nip TEXT NOT NULL REFERENCES employees (nip), period TEXT NOT NULL,
    hasil_kerja TEXT NOT NULL CHECK (hasil_kerja IN ('di_atas', 'sesuai', 'di_bawah')),
    perilaku_kerja TEXT NOT NULL CHECK (perilaku_kerja IN ('di_atas', 'sesuai', 'di_bawah')),
    predikat TEXT NOT NULL, PRIMARY KEY (nip, period));
CREATE TABLE tpp_base (kelas_jabatan INTEGER PRIMARY KEY, base_rupiah INTEGER NOT NULL CHECK (base_rupiah >= 0));
CREATE TABLE attendance (
    nip TEXT NOT NULL REFERENCES employees (nip), month TEXT NOT NULL, tl1 INTEGER NOT NULL, psw2 INTEGER NOT NULL,
    tk INTEGER NOT NULL, sanction_percent INTEGER NOT NULL, PRIMARY KEY (nip, month));
CREATE TABLE tpp_results (
    nip TEXT NOT NULL REFERENCES employees (nip), month TEXT NOT NULL, base INTEGER NOT NULL, kinerja INTEGER NOT NULL,
    disiplin INTEGER NOT NULL, deductions_per_mille INTEGER NOT NULL, sanction_percent INTEGER NOT NULL,
    gross INTEGER NOT NULL, tax INTEGER NOT NULL, net INTEGER NOT NULL, PRIMARY KEY (nip, month));

-- 1. Units and employees.
CREATE TEMP TABLE units_csv (code, name, parent_code);
.import --csv --skip 1 units.csv units_csv
CREATE TEMP TABLE employees_csv (
    nip, name, kind, golongan, jabatan, jenis_jabatan, jabatan_fungsional, kelas_jabatan, unit_code, supervisor_nip, email, phone, active);
.import --csv --skip 1 employees.csv employees_csv
BEGIN;
INSERT INTO units SELECT code, name, NULLIF(parent_code, '') FROM units_csv;
INSERT INTO employees
SELECT nip, name, kind, golongan, jabatan, jenis_jabatan, NULLIF(jabatan_fungsional, ''), CAST(kelas_jabatan AS INTEGER), unit_code,
       NULLIF(supervisor_nip, ''), email, phone, active = 'true'
FROM employees_csv;
COMMIT;

-- 2. Ratings, with the predikat from the matrix.
CREATE TEMP TABLE ratings_csv (nip, hasil_kerja, perilaku_kerja);
.import --csv --skip 1 ratings.csv ratings_csv
BEGIN;
INSERT INTO ratings
SELECT nip, '2026-01', hasil_kerja, perilaku_kerja,
       CASE hasil_kerja || '/' || perilaku_kerja
           WHEN 'di_atas/di_atas' THEN 'sangat_baik'
           WHEN 'di_atas/sesuai' THEN 'baik' WHEN 'sesuai/sesuai' THEN 'baik' WHEN 'sesuai/di_atas' THEN 'baik'
           WHEN 'di_atas/di_bawah' THEN 'kurang' WHEN 'sesuai/di_bawah' THEN 'kurang'
           WHEN 'di_bawah/sesuai' THEN 'butuh_perbaikan' WHEN 'di_bawah/di_atas' THEN 'butuh_perbaikan'
           ELSE 'sangat_kurang'
       END
FROM ratings_csv;
COMMIT;

-- 3. Bases and the month's attendance.
CREATE TEMP TABLE base_csv (kelas_jabatan, base_rupiah);
.import --csv --skip 1 base.csv base_csv
CREATE TEMP TABLE attendance_csv (nip, tl1, psw2, tk, sanction_percent);
.import --csv --skip 1 attendance.csv attendance_csv
BEGIN;
INSERT INTO tpp_base SELECT CAST(kelas_jabatan AS INTEGER), CAST(base_rupiah AS INTEGER) FROM base_csv;
INSERT INTO attendance
SELECT nip, '2026-01', CAST(tl1 AS INTEGER), CAST(psw2 AS INTEGER), CAST(tk AS INTEGER), CAST(sanction_percent AS INTEGER)
FROM attendance_csv;
COMMIT;

-- 4. TPP for the month.
BEGIN;
INSERT INTO tpp_results
WITH x AS (
    SELECT e.nip, b.base_rupiah AS base,
           CASE r.predikat WHEN 'sangat_baik' THEN 100 WHEN 'baik' THEN 100 WHEN 'butuh_perbaikan' THEN 75 WHEN 'kurang' THEN 50 ELSE 25 END AS f,
           a.tl1 * 5 + a.psw2 * 10 + a.tk * 40 AS d, a.sanction_percent AS s,
           CASE WHEN e.kind = 'PNS' THEN
                    CASE substr(e.golongan, 1, instr(e.golongan, '/') - 1) WHEN 'III' THEN 5 WHEN 'IV' THEN 15 ELSE 0 END
                ELSE CASE WHEN e.golongan IN ('IX', 'X', 'XI', 'XII') THEN 5
                          WHEN e.golongan IN ('XIII', 'XIV', 'XV', 'XVI', 'XVII') THEN 15 ELSE 0 END
           END AS t
    FROM employees e
    JOIN ratings r ON r.nip = e.nip AND r.period = '2026-01'
    JOIN tpp_base b ON b.kelas_jabatan = e.kelas_jabatan
    JOIN attendance a ON a.nip = e.nip AND a.month = '2026-01'
    WHERE e.active),
y AS (
    SELECT *, (2 * base * 60 * f + 10000) / 20000 AS kinerja,
           CASE WHEN d < 400 THEN (2 * base * (400 - d) + 1000) / 2000 ELSE 0 END AS disiplin
    FROM x),
z AS (SELECT *, (2 * (kinerja + disiplin) * (100 - s) + 100) / 200 AS gross FROM y)
SELECT nip, '2026-01', base, kinerja, disiplin, d, s, gross, (2 * gross * t + 100) / 200, gross - (2 * gross * t + 100) / 200 FROM z;
COMMIT;

-- 5. The payroll file, and the net total to compare.
.headers on
.mode csv
.once payroll.csv
SELECT t.nip, e.name, e.unit_code, e.golongan, e.kelas_jabatan, t.base, t.kinerja, t.disiplin, t.deductions_per_mille / 10.0 AS deductions_percent,
       t.sanction_percent, t.gross, t.tax, t.net, 0 AS bpjs, 'false' AS tax_borne
FROM tpp_results t JOIN employees e ON e.nip = t.nip WHERE t.month = '2026-01' ORDER BY t.nip;
.headers off
.mode list
SELECT 'net_total', sum(net) FROM tpp_results WHERE month = '2026-01';
