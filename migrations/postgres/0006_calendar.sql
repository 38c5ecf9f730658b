-- Working days: the holiday calendar, as data an administrator edits (/admin/kalender).
-- Shipped with the national holidays (hari libur nasional) and collective leave (cuti
-- bersama) of 2025 and 2026 as set by the joint decrees of the Ministers of Religious
-- Affairs, Manpower, and Administrative and Bureaucratic Reform (SKB 3 Menteri), including
-- the 18 August 2025 leave added by the 2025 amendment. Later years arrive as new
-- migrations (or are entered by the administrator).
--
-- `day` is the ISO date, YYYY-MM-DD. `updated_by` is an account id without a foreign key,
-- as for content.

CREATE TABLE holidays (
    day        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('national', 'collective_leave')),
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    updated_at BIGINT,
    updated_by BIGINT
);

-- An agency may work on collective leave days; its SLA clocks then count them.
ALTER TABLE agencies ADD COLUMN collective_leave_worked BIGINT NOT NULL DEFAULT 0;

INSERT INTO holidays (day, kind, name, name_en) VALUES
    ('2025-01-01', 'national', 'Tahun Baru 2025 Masehi', 'New Year''s Day'),
    ('2025-01-27', 'national', 'Isra Mikraj Nabi Muhammad SAW', 'Isra Mi''raj of the Prophet Muhammad'),
    ('2025-01-28', 'collective_leave', 'Cuti bersama Tahun Baru Imlek', 'Collective leave: Chinese New Year'),
    ('2025-01-29', 'national', 'Tahun Baru Imlek 2576 Kongzili', 'Chinese New Year'),
    ('2025-03-28', 'collective_leave', 'Cuti bersama Hari Suci Nyepi', 'Collective leave: Day of Silence'),
    ('2025-03-29', 'national', 'Hari Suci Nyepi (Tahun Baru Saka 1947)', 'Day of Silence (Saka New Year 1947)'),
    ('2025-03-31', 'national', 'Idulfitri 1446 Hijriah', 'Eid al-Fitr 1446 H'),
    ('2025-04-01', 'national', 'Idulfitri 1446 Hijriah (hari kedua)', 'Eid al-Fitr 1446 H (second day)'),
    ('2025-04-02', 'collective_leave', 'Cuti bersama Idulfitri', 'Collective leave: Eid al-Fitr'),
    ('2025-04-03', 'collective_leave', 'Cuti bersama Idulfitri', 'Collective leave: Eid al-Fitr'),
    ('2025-04-04', 'collective_leave', 'Cuti bersama Idulfitri', 'Collective leave: Eid al-Fitr'),
    ('2025-04-07', 'collective_leave', 'Cuti bersama Idulfitri', 'Collective leave: Eid al-Fitr'),
    ('2025-04-18', 'national', 'Wafat Yesus Kristus', 'Good Friday'),
    ('2025-04-20', 'national', 'Kebangkitan Yesus Kristus (Paskah)', 'Easter Sunday'),
    ('2025-05-01', 'national', 'Hari Buruh Internasional', 'International Labour Day'),
    ('2025-05-12', 'national', 'Hari Raya Waisak 2569 BE', 'Vesak Day 2569 BE'),
    ('2025-05-13', 'collective_leave', 'Cuti bersama Hari Raya Waisak', 'Collective leave: Vesak'),
    ('2025-05-29', 'national', 'Kenaikan Yesus Kristus', 'Ascension of Jesus Christ'),
    ('2025-05-30', 'collective_leave', 'Cuti bersama Kenaikan Yesus Kristus', 'Collective leave: Ascension Day'),
    ('2025-06-01', 'national', 'Hari Lahir Pancasila', 'Pancasila Day'),
    ('2025-06-06', 'national', 'Iduladha 1446 Hijriah', 'Eid al-Adha 1446 H'),
    ('2025-06-09', 'collective_leave', 'Cuti bersama Iduladha', 'Collective leave: Eid al-Adha'),
    ('2025-06-27', 'national', 'Tahun Baru Islam 1447 Hijriah', 'Islamic New Year 1447 H'),
    ('2025-08-17', 'national', 'Hari Proklamasi Kemerdekaan Republik Indonesia', 'Independence Day'),
    ('2025-08-18', 'collective_leave', 'Cuti bersama Hari Kemerdekaan', 'Collective leave: Independence Day'),
    ('2025-09-05', 'national', 'Maulid Nabi Muhammad SAW', 'Prophet Muhammad''s Birthday'),
    ('2025-12-25', 'national', 'Hari Raya Natal', 'Christmas Day'),
    ('2025-12-26', 'collective_leave', 'Cuti bersama Hari Raya Natal', 'Collective leave: Christmas'),
    ('2026-01-01', 'national', 'Tahun Baru 2026 Masehi', 'New Year''s Day'),
    ('2026-01-16', 'national', 'Isra Mikraj Nabi Muhammad SAW', 'Isra Mi''raj of the Prophet Muhammad'),
    ('2026-02-16', 'collective_leave', 'Cuti bersama Tahun Baru Imlek', 'Collective leave: Chinese New Year'),
    ('2026-02-17', 'national', 'Tahun Baru Imlek 2577 Kongzili', 'Chinese New Year'),
    ('2026-03-18', 'collective_leave', 'Cuti bersama Hari Suci Nyepi', 'Collective leave: Day of Silence'),
    ('2026-03-19', 'national', 'Hari Suci Nyepi (Tahun Baru Saka 1948)', 'Day of Silence (Saka New Year 1948)'),
    ('2026-03-20', 'collective_leave', 'Cuti bersama Idulfitri', 'Collective leave: Eid al-Fitr'),
    ('2026-03-21', 'national', 'Idulfitri 1447 Hijriah', 'Eid al-Fitr 1447 H'),
    ('2026-03-22', 'national', 'Idulfitri 1447 Hijriah (hari kedua)', 'Eid al-Fitr 1447 H (second day)'),
    ('2026-03-23', 'collective_leave', 'Cuti bersama Idulfitri', 'Collective leave: Eid al-Fitr'),
    ('2026-03-24', 'collective_leave', 'Cuti bersama Idulfitri', 'Collective leave: Eid al-Fitr'),
    ('2026-04-03', 'national', 'Wafat Yesus Kristus', 'Good Friday'),
    ('2026-04-05', 'national', 'Kebangkitan Yesus Kristus (Paskah)', 'Easter Sunday'),
    ('2026-05-01', 'national', 'Hari Buruh Internasional', 'International Labour Day'),
    ('2026-05-14', 'national', 'Kenaikan Yesus Kristus', 'Ascension of Jesus Christ'),
    ('2026-05-15', 'collective_leave', 'Cuti bersama Kenaikan Yesus Kristus', 'Collective leave: Ascension Day'),
    ('2026-05-27', 'national', 'Iduladha 1447 Hijriah', 'Eid al-Adha 1447 H'),
    ('2026-05-28', 'collective_leave', 'Cuti bersama Iduladha', 'Collective leave: Eid al-Adha'),
    ('2026-05-31', 'national', 'Hari Raya Waisak 2570 BE', 'Vesak Day 2570 BE'),
    ('2026-06-01', 'national', 'Hari Lahir Pancasila', 'Pancasila Day'),
    ('2026-06-16', 'national', 'Tahun Baru Islam 1448 Hijriah', 'Islamic New Year 1448 H'),
    ('2026-08-17', 'national', 'Hari Proklamasi Kemerdekaan Republik Indonesia', 'Independence Day'),
    ('2026-08-25', 'national', 'Maulid Nabi Muhammad SAW', 'Prophet Muhammad''s Birthday'),
    ('2026-12-24', 'collective_leave', 'Cuti bersama Hari Raya Natal', 'Collective leave: Christmas'),
    ('2026-12-25', 'national', 'Hari Raya Natal', 'Christmas Day');
