DROP TABLE IF EXISTS "employment"
