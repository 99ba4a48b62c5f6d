SELECT "error", COUNT(*) AS "n"
FROM "processing_log"
WHERE "status" = 'failed'
GROUP BY "error"
ORDER BY COUNT(*) DESC, "error"
LIMIT 1000
