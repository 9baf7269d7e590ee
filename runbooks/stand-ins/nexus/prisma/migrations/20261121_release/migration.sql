-- The release's migration: what `npx prisma migrate deploy` applies, and the rollback's
-- restore takes back.
ALTER TABLE "assessments" ADD COLUMN "score" INTEGER;
