PRAGMA busy_timeout = 15000
