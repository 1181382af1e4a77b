-- Ids from 2^52 on are handed out by servers while the database is away (sessions created offline, inserted
-- later with their id). The identity sequence stops below that range, so it never hands out one of those.
ALTER TABLE sessions ALTER COLUMN id SET MAXVALUE 4503599627370495;
