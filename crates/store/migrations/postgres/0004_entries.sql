-- The entry an agent names for its car: the team it races for and its race number. Sessions of one team with
-- the same car number on the same track, one after another, are the stints of one car (driver swaps).
ALTER TABLE sessions ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN car_number TEXT NOT NULL DEFAULT '';
