-- The rows production holds before the release, for the local target's database: a restore
-- must bring exactly these back.
INSERT INTO "assessments" ("id", "submitted_at") VALUES
    ('a-100', '2026-11-01 09:00:00'),
    ('a-101', '2026-11-02 10:30:00'),
    ('a-102', '2026-11-03 16:45:00');
