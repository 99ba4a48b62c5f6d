SELECT "error", COUNT(*) AS "n"
FROM "sandbox"."processing_log"
WHERE "status" = 'failed'
GROUP BY "error"
ORDER BY COUNT(*) DESC, "error"
LIMIT 1000
