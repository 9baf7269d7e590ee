-- The schema the sandbox starts with (recorded as applied in its state).
CREATE TABLE "assessments" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "submitted_at" TIMESTAMP(3) NOT NULL
);
